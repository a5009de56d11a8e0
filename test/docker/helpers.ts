// Shared pieces of the real-engine tests: a busybox test image built from a tar stream, labels that mark
// everything a run creates, and a sweeper that removes it all again even when a test fails.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect, createServer, type Socket } from 'node:net';
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ContainerSpec, DockerClient, LogChunk } from '../../src/core/docker/client';
import { createDockerodeClient } from '../../src/node/docker/dockerodeClient';
import { tar, type TarEntry } from './tar';

/** On everything any test run creates (sweep leftovers of crashed runs with this). */
export const TEST_LABEL = 'agent-federation.test';
/** On everything this run creates, so parallel runs do not sweep each other's objects. */
export const RUN_LABEL = 'agent-federation.test-run';
export const RUN_ID = randomBytes(4).toString('hex');
export const runLabels = (): Record<string, string> => ({ [TEST_LABEL]: '1', [RUN_LABEL]: RUN_ID });

const BUSYBOX = '/bin/busybox';
const APPLETS = [
  'sh', 'cat', 'ls', 'sleep', 'touch', 'grep', 'head', 'tail', 'cut', 'mkdir', 'rm', 'id', 'echo', 'printf', 'tr', 'seq', 'wc', 'true',
  'date', 'sha256sum', 'kill', 'find', 'sort',
];

/** A FROM-scratch build context holding busybox-static, the applets the tests use, and `extra` entries. */
export function busyboxContext(extra: TarEntry[] = []): Buffer {
  let busybox: Buffer;
  try {
    busybox = readFileSync(BUSYBOX);
  } catch {
    throw new Error(`${BUSYBOX} is missing: apt-get install -y busybox-static`);
  }
  const entries: TarEntry[] = [
    { type: 'file', name: 'Dockerfile', data: 'FROM scratch\nCOPY rootfs/ /\nCMD ["/bin/sh"]\n' },
    { type: 'dir', name: 'rootfs' },
    { type: 'dir', name: 'rootfs/bin' },
    { type: 'file', name: 'rootfs/bin/busybox', data: busybox, mode: 0o755 },
    ...APPLETS.map((a): TarEntry => ({ type: 'symlink', name: `rootfs/bin/${a}`, target: 'busybox' })),
    ...extra,
  ];
  return tar(entries);
}

/** Builds a test image from the busybox context (the engine's layer cache makes repeat builds instant). */
export async function buildTestImage(client: DockerClient, suffix: string): Promise<string> {
  const tag = `agent-federation-test/busybox:${RUN_ID}-${suffix}`;
  await client.buildImage({ tar: busyboxContext() }, { tag, labels: runLabels(), timeoutMs: 120_000 });
  return tag;
}

export function uniqueName(prefix: string): string {
  return `af-test-${prefix}-${RUN_ID}-${randomBytes(3).toString('hex')}`;
}

/**
 * The hooks every real-engine suite needs: a client that answers before the first test, a Sweeper for the suite
 * and one for each test, closers run after each test, and a failure when cleanup leaves anything behind.
 */
export function useEngine(): { readonly client: DockerClient; suite: Sweeper; each: Sweeper; closers: Array<() => Promise<void>> } {
  let client: DockerClient | undefined;
  const suite = new Sweeper(() => client);
  const each = new Sweeper(() => client);
  const closers: Array<() => Promise<void>> = [];
  const leftovers: string[] = [];
  before(async () => {
    client = createDockerodeClient();
    await client.ping();
  });
  afterEach(async () => {
    while (closers.length > 0) await closers.pop()?.();
    leftovers.push(...(await each.cleanup()));
  });
  after(async () => {
    leftovers.push(...(await suite.cleanup()));
    assert.deepEqual(leftovers, [], 'cleanup left things behind');
  });
  return {
    get client(): DockerClient {
      if (!client) throw new Error('the engine is not reached yet (useEngine’s before hook has not run)');
      return client;
    },
    suite,
    each,
    closers,
  };
}

/**
 * Tracks what a test makes and removes it. cleanup() never throws: one stuck object must not keep the others.
 * Containers are also swept by the run label, so ones created by code under test are caught too.
 */
export class Sweeper {
  private readonly images = new Set<string>();
  private readonly dirs = new Set<string>();
  private readonly volumes = new Set<string>();
  private readonly networks = new Set<string>();

  constructor(private readonly client: () => DockerClient | undefined) {}

  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), `af-docker-${prefix}-`));
    this.dirs.add(dir);
    return dir;
  }

  image(tag: string): void {
    this.images.add(tag);
  }

  volume(name: string): void {
    this.volumes.add(name);
  }

  network(name: string): void {
    this.networks.add(name);
  }

  async cleanup(): Promise<string[]> {
    const problems: string[] = [];
    const client = this.client();
    const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
      } catch (e) {
        // A 404 means it is already gone, which is what we want.
        const details = (e as { details?: Record<string, unknown> }).details;
        if (details?.['statusCode'] !== 404) problems.push(`${what}: ${(e as Error).message}`);
      }
    };
    if (client) {
      const labels = { [RUN_LABEL]: RUN_ID };
      await attempt('list containers', async () => {
        for (const c of await client.listContainers({ labels })) {
          await attempt(`remove container ${c.name}`, () => client.removeContainer(c.id, { force: true, removeVolumes: true }));
        }
      });
      for (const name of this.networks) await attempt(`remove network ${name}`, () => client.removeNetwork(name));
      await attempt('list networks', async () => {
        for (const n of await client.listNetworks({ labels })) await attempt(`remove network ${n.name}`, () => client.removeNetwork(n.id));
      });
      for (const name of this.volumes) await attempt(`remove volume ${name}`, () => client.removeVolume(name, { force: true }));
      await attempt('list volumes', async () => {
        for (const v of await client.listVolumes({ labels })) await attempt(`remove volume ${v}`, () => client.removeVolume(v, { force: true }));
      });
      for (const tag of this.images) await attempt(`remove image ${tag}`, () => client.removeImage(tag, { force: true }));
    }
    for (const dir of this.dirs) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch (e) {
        problems.push(`remove ${dir}: ${(e as Error).message}`);
      }
    }
    this.images.clear();
    this.volumes.clear();
    this.networks.clear();
    this.dirs.clear();
    return problems;
  }
}

export interface RunResult {
  id: string;
  exitCode: number;
  chunks: LogChunk[];
  stdout: string;
  stderr: string;
}

export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

/** Creates, starts and waits for a container, then reads its whole log. The container is left for inspection. */
export async function runToExit(client: DockerClient, spec: ContainerSpec, waitMs = 15_000): Promise<RunResult> {
  const { id } = await client.createContainer({ ...spec, labels: { ...runLabels(), ...(spec.labels ?? {}) } });
  await client.startContainer(id);
  const { exitCode } = await client.waitContainer(id, { timeoutMs: waitMs });
  const chunks = await collect(client.logs(id));
  return {
    id,
    exitCode,
    chunks,
    stdout: chunks.filter((c) => c.stream === 'stdout').map((c) => c.text).join(''),
    stderr: chunks.filter((c) => c.stream === 'stderr').map((c) => c.text).join(''),
  };
}

/** Resolves with the first item matching, or rejects after ms: a test that waits on a stream must not hang. */
export async function firstMatching<T>(items: T[], stream: AsyncIterable<T>, match: (t: T) => boolean, ms: number): Promise<T> {
  const iterator = stream[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`nothing matching arrived within ${ms} ms; saw ${JSON.stringify(items)}`)), ms);
  });
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), timeout]);
      if (next.done) throw new Error(`stream ended before a match; saw ${JSON.stringify(items)}`);
      items.push(next.value);
      if (match(next.value)) return next.value;
    }
  } finally {
    clearTimeout(timer);
  }
}

/** A loopback TCP port forwarding to the local engine's socket: a real tcp:// engine. */
export async function tcpProxyToSocket(socketPath: string): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((downstream) => {
    const upstream = connect(socketPath);
    for (const s of [downstream, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        downstream.destroy();
        upstream.destroy();
      });
    }
    downstream.pipe(upstream).pipe(downstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return {
    port: address.port,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
