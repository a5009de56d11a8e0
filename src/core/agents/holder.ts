// The holder: a tiny image whose only program waits forever. An agent on an engine that cannot see our files
// gets them through a holder container that mounts the agent's volumes: the archive goes into it, and for an
// agent with secrets it runs until the agent has started, because the secrets volume is a tmpfs the engine
// unmounts (and empties) as soon as no running container holds it. Built on the engine itself from a two-file
// context (FROM scratch), so it needs no registry and no shell or binaries in the agent's image.
import type { CallOptions, DockerClient } from '../docker/client';
import { FederationError } from '../errors';
import { packTar } from '../docker/tar';

export const HOLDER_IMAGE = 'agent-federation/holder:1';

/** The machine code of "wait for a signal, forever": x86-64 pause(2) in a loop; arm64 has no pause, so ppoll(2). */
const CODE: Record<string, { machine: number; code: number[] }> = {
  // mov eax, 34 (pause); syscall; jmp back
  x86_64: { machine: 0x3e, code: [0xb8, 0x22, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf7] },
  // movz x8,#73 (ppoll); movz x0..x3,#0; svc #0; b back 6 instructions
  aarch64: {
    machine: 0xb7,
    code: [0xd2800928, 0xd2800000, 0xd2800001, 0xd2800002, 0xd2800003, 0xd4000001, 0x17fffffa].flatMap((w) => [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24]),
  },
};
const ARCH_ALIASES: Record<string, string> = { amd64: 'x86_64', x86_64: 'x86_64', arm64: 'aarch64', aarch64: 'aarch64' };

/** A static ELF64 executable: one header, one loadable segment, the code right after them. */
export function pauseProgram(arch: string): Buffer {
  const target = CODE[ARCH_ALIASES[arch] ?? ''];
  if (!target) {
    throw new FederationError('unavailable', `Copying files to a Docker engine on ${arch} is not supported yet (only x86_64 and arm64 engines).`, { arch });
  }
  const base = 0x400000;
  const headers = 64 + 56;
  const size = headers + target.code.length;
  const b = Buffer.alloc(size, 0);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0); // ELF, 64-bit, little-endian, version 1, System V
  b.writeUInt16LE(2, 16); // executable
  b.writeUInt16LE(target.machine, 18);
  b.writeUInt32LE(1, 20);
  b.writeBigUInt64LE(BigInt(base + headers), 24); // entry
  b.writeBigUInt64LE(64n, 32); // program headers right after this one
  b.writeUInt16LE(64, 52);
  b.writeUInt16LE(56, 54);
  b.writeUInt16LE(1, 56);
  b.writeUInt16LE(64, 58);
  // The segment: the whole file, read + execute.
  b.writeUInt32LE(1, 64);
  b.writeUInt32LE(5, 68);
  b.writeBigUInt64LE(0n, 72);
  b.writeBigUInt64LE(BigInt(base), 80);
  b.writeBigUInt64LE(BigInt(base), 88);
  b.writeBigUInt64LE(BigInt(size), 96);
  b.writeBigUInt64LE(BigInt(size), 104);
  b.writeBigUInt64LE(0x1000n, 112);
  b.set(target.code, headers);
  return b;
}

/** The holder image on this engine, built there the first time. */
export async function ensureHolderImage(client: DockerClient, labels: Record<string, string>, call: CallOptions): Promise<string> {
  if (await client.imageExists(HOLDER_IMAGE, call)) return HOLDER_IMAGE;
  const info = await client.info(call);
  const context = packTar([
    { name: 'Dockerfile', type: 'file', mode: 0o644, content: Buffer.from('FROM scratch\nCOPY wait /wait\nENTRYPOINT ["/wait"]\n') },
    { name: 'wait', type: 'file', mode: 0o555, content: pauseProgram(info.arch) },
  ]);
  await client.buildImage({ tar: context }, { ...call, tag: HOLDER_IMAGE, labels });
  return HOLDER_IMAGE;
}
