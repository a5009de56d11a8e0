// Loads the NATS backend (index.ts) on first use. Shipped, it is dist/nats.js beside the running bundle; in
// transpiled tests it is the module itself, out/src/node/nats/index.js. The require path is computed at run time
// so esbuild never pulls the NATS client into the bundle that loads this (as core/docker/loader.ts does).
import { basename, dirname, join } from 'node:path';
import { FederationError } from '../../core/errors';
import type { StateBackend } from '../../core/federation/state/backend';
import type { FileSystem } from '../../core/ports';
import type { NatsBackendOptions } from './backend';

interface AdapterModule {
  openNatsBackend(options: NatsBackendOptions): Promise<StateBackend>;
}

export function natsAdapterCandidates(dir: string = __dirname): string[] {
  const transpiled = basename(dir) === 'nats' && basename(dirname(dir)) === 'node';
  return [join(dir, 'nats.js'), ...(transpiled ? [join(dir, 'index.js')] : [])];
}

let adapter: AdapterModule | undefined;

export function loadNatsAdapter(fs: FileSystem): AdapterModule {
  if (adapter) return adapter;
  const candidates = natsAdapterCandidates();
  const file = candidates.find((c) => fs.sync.existsSync(c));
  if (!file) {
    throw new FederationError('backend-unavailable', `The NATS support of this installation is missing (looked for ${candidates.join(', ')}). Reinstall it.`, { backend: 'nats', candidates });
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberate lazy load, see above
  const loaded = require(file) as Partial<AdapterModule>;
  if (typeof loaded.openNatsBackend !== 'function') {
    throw new FederationError('backend-unavailable', `${file} does not provide the NATS backend. Reinstall it.`, { backend: 'nats', file });
  }
  adapter = loaded as AdapterModule;
  return adapter;
}
