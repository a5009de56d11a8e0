// A workspace whose federation lives in NATS, as the composition roots build it: .federation/config.yaml names
// the servers and the federation, and the backend is the configured one (opened on first use).
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Federation, FederationOptions } from '../../src/core/federation';
import { silentLogger } from '../../src/core/ports';
import { nodeFileSystem } from '../../src/node/fs';
import { BackendPorts, NatsCredentials, configuredBackend } from '../../src/node/stateBackend';
import { newFederation } from './federation';

export function writeNatsConfig(root: string, servers: string[], federation: string, extra: { replicas?: number; kind?: 'nats' | 'file' } = {}): void {
  mkdirSync(path.join(root, '.federation'), { recursive: true });
  writeFileSync(
    path.join(root, '.federation', 'config.yaml'),
    `version: 1\nbackend:\n  kind: ${extra.kind ?? 'nats'}\n  servers: [${servers.join(', ')}]\n  federation: ${federation}\n  replicas: ${extra.replicas ?? 1}\n`,
  );
}

export function natsFederation(
  root: string,
  options: { credentials?: NatsCredentials; nats?: BackendPorts['nats'] } & Partial<FederationOptions> = {},
): Federation {
  const { credentials, nats, ...rest } = options;
  return newFederation(root, {
    backend: configuredBackend({ fs: nodeFileSystem, logger: silentLogger, credentials: () => credentials ?? {}, ...(nats ? { nats } : {}) }),
    ...rest,
  });
}

let counter = 0;
/** A federation name no other test uses on the same server. */
export function uniqueFederation(prefix = 'fed'): string {
  return `${prefix}${process.pid}x${++counter}`;
}
