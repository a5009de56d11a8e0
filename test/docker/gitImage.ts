// A test image with git, built offline: busybox-static plus the host's /usr/bin/git and the shared libraries ldd
// names for it, FROM scratch. Its tag is a hash of those files, so it is built once per machine (and kept as a
// cache: no run label, no sweep).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { DockerClient } from '../../src/core/docker/client';
import { busyboxContext } from './helpers';
import type { TarEntry } from './tar';

const GIT = '/usr/bin/git';

/** The libraries the dynamic loader maps for git (and the loader itself), as absolute paths. */
function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libs = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.add(m[1]!);
  }
  return [...libs].sort();
}

export async function buildGitImage(client: DockerClient): Promise<string> {
  const files = [GIT, ...sharedLibraries(GIT)].map((p) => ({ path: p, data: readFileSync(p) }));
  const hash = createHash('sha256');
  for (const f of files) hash.update(f.path).update(f.data);
  const tag = `agent-federation-test/git:${hash.digest('hex').slice(0, 16)}`;
  if (await client.imageExists(tag)) return tag;
  const dirs = new Set<string>();
  for (const f of files) {
    for (let d = path.posix.dirname(f.path); d !== '/'; d = path.posix.dirname(d)) dirs.add(d);
  }
  const entries: TarEntry[] = [
    // bin is made by busyboxContext.
    ...[...dirs].filter((d) => d !== '/bin').sort().map((d): TarEntry => ({ type: 'dir', name: `rootfs${d}` })),
    ...files.map((f): TarEntry => ({ type: 'file', name: `rootfs${f.path}`, data: f.data, mode: 0o755 })),
  ];
  await client.buildImage({ tar: busyboxContext(entries) }, { tag, timeoutMs: 120_000 });
  return tag;
}
