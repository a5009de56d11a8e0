// The composition roots' one way to give a Federation its backend: config.yaml's `backend:` section, read the
// first time state is touched (so activation reads nothing), the file backend by default, the NATS backend
// (loaded then) when it says so. Credentials come from the front end: the CLI's environment, the editor's
// settings and secret storage; never from the workspace.
import { readConfig } from '../core/config';
import type { StateBackend } from '../core/federation/state/backend';
import { backendChoice, natsSettings } from '../core/federation/state/backendConfig';
import { DeferredBackend } from '../core/federation/state/deferred';
import type { FederationStore } from '../core/federation/state/store';
import type { Environment, FileSystem, Logger } from '../core/ports';
import type { NatsBackendOptions } from './nats/backend';
import type { NatsCredentials } from './nats/connection';
import { loadNatsAdapter } from './nats/loader';

export type { NatsCredentials } from './nats/connection';

export interface BackendPorts {
  fs: FileSystem;
  logger: Logger;
  /** Asked when the NATS backend opens (the editor reads its secret storage then). */
  credentials: () => NatsCredentials | Promise<NatsCredentials>;
  /** Options for the NATS backend beyond config.yaml: mirrorDocs (the editor opens handoffs as files), timeouts. */
  nats?: Partial<Pick<NatsBackendOptions, 'mirrorDocs' | 'unavailableMs' | 'contentionMs' | 'requestMs' | 'materialize'>>;
}

/** For FederationOptions.backend. */
export function configuredBackend(ports: BackendPorts): (files: FederationStore) => DeferredBackend {
  return (files) => new DeferredBackend(() => openConfigured(files, ports), files);
}

export async function openConfigured(files: FederationStore, ports: BackendPorts): Promise<StateBackend> {
  const choice = backendChoice(await readConfig(ports.fs, files.dir), files.dir);
  if (choice.kind === 'file') return files;
  const { kind: _kind, ...settings } = choice;
  return loadNatsAdapter(ports.fs).openNatsBackend({ ...settings, ...ports.nats, credentials: await ports.credentials(), files, logger: ports.logger });
}

/** The federation of this workspace on backend `kind`, whatever config.yaml's kind is (a migration's target). */
export async function openBackendKind(files: FederationStore, ports: BackendPorts, kind: 'file' | 'nats'): Promise<StateBackend> {
  if (kind === 'file') return files;
  const settings = natsSettings(await readConfig(ports.fs, files.dir), files.dir);
  return loadNatsAdapter(ports.fs).openNatsBackend({ ...settings, ...ports.nats, credentials: await ports.credentials(), files, logger: ports.logger });
}

/** The CLI's (and an MCP session's) credentials: FEDERATION_NATS_TOKEN, FEDERATION_NATS_CREDS, FEDERATION_NATS_CA. */
export function natsCredentialsFromEnv(env: Environment): NatsCredentials {
  const token = env['FEDERATION_NATS_TOKEN'];
  const credsFile = env['FEDERATION_NATS_CREDS'];
  const caFile = env['FEDERATION_NATS_CA'];
  return { ...(token ? { token } : {}), ...(credsFile ? { credsFile } : {}), ...(caFile ? { caFile } : {}) };
}
