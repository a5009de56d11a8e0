// Loads the dockerode-backed client (src/node/docker/dockerodeClient.ts) only when Docker is first used. In the
// shipped extension and CLI it is the separate bundle dist/docker.js next to the running bundle; in transpiled
// tests it is the module itself, out/src/node/docker/dockerodeClient.js. The require path is computed at run time
// so esbuild never pulls dockerode into the bundle that loads this, and the core never imports the adapter.

import { basename, dirname, join } from 'node:path';
import { FederationError } from '../errors';
import type { FileSystem } from '../ports';
import type { DockerClient, DockerClientOptions } from './client';

export type DockerClientFactory = (opts?: DockerClientOptions) => Promise<DockerClient>;

interface AdapterModule {
  createDockerodeClient(options?: DockerClientOptions): DockerClient;
}

/**
 * Where the adapter may live, first match wins: the bundle beside us (`dir` is dist/ when this runs bundled), then,
 * when this is the transpiled loader itself (out/src/core/docker), the transpiled adapter in out/src/node/docker.
 */
export function adapterCandidates(dir: string = __dirname): string[] {
  const transpiled = basename(dir) === 'docker' && basename(dirname(dir)) === 'core';
  return [join(dir, 'docker.js'), ...(transpiled ? [join(dir, '..', '..', 'node', 'docker', 'dockerodeClient.js')] : [])];
}

let adapter: AdapterModule | undefined;

function loadAdapter(fs: FileSystem): AdapterModule {
  if (adapter) return adapter;
  const candidates = adapterCandidates();
  const file = candidates.find((c) => fs.sync.existsSync(c));
  if (!file) {
    throw new FederationError(
      'docker-unavailable',
      `The Docker support of this installation is missing (looked for ${candidates.join(', ')}). Reinstall the extension.`,
      { candidates },
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberate lazy load, see above
  const loaded = require(file) as Partial<AdapterModule>;
  if (typeof loaded.createDockerodeClient !== 'function') {
    throw new FederationError('docker-unavailable', `${file} does not provide a Docker client. Reinstall the extension.`, { file });
  }
  adapter = loaded as AdapterModule;
  return adapter;
}

/** The real engine client, loaded on first call; `fs` finds the adapter's file (the front end passes Node's). */
export function dockerClientLoader(fs: FileSystem): DockerClientFactory {
  return async (opts) => loadAdapter(fs).createDockerodeClient(opts);
}
