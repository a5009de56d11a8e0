// Which backend holds a workspace's federation: config.yaml's `backend:` section, checked. `file` needs nothing
// more; `nats` needs the servers and the federation's name. Credentials are never part of it (see schemas.ts).
import * as path from 'node:path';
import { CONFIG_FILE } from '../../config';
import { StateFileError } from '../../errors';
import type { ConfigFile } from './schemas';

export interface NatsSettings {
  servers: string[];
  federation: string;
  replicas: number;
}

export type BackendChoice = { kind: 'file' } | ({ kind: 'nats' } & NatsSettings);

/** The backend config.yaml names; `nats` without servers or a federation name is refused, naming the field. */
export function backendChoice(config: ConfigFile, federationDir: string): BackendChoice {
  const b = config.backend;
  if (b.kind === 'file') return { kind: 'file' };
  return { kind: 'nats', ...natsSettings(config, federationDir) };
}

/** The NATS settings of config.yaml whatever `kind` says (a migration to NATS reads them while kind is file). */
export function natsSettings(config: ConfigFile, federationDir: string): NatsSettings {
  const b = config.backend;
  const file = path.join(federationDir, CONFIG_FILE);
  if (!b.servers?.length) throw new StateFileError(file, 'backend.servers', 'the NATS backend needs its servers, e.g. [nats://host-a:4222, nats://host-b:4222]');
  if (!b.federation) throw new StateFileError(file, 'backend.federation', 'the NATS backend needs the federation\'s name (it names the stream, buckets and subjects), e.g. acme');
  return { servers: b.servers, federation: b.federation, replicas: b.replicas };
}
