// Labels tie a container (and the internal network) to the federation that made it, its brief and persona, so
// the engine alone can tell which containers are ours even when .federation/agents.json is lost or stale.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { FileSystem } from '../ports';

export const LABEL = {
  /** Hash of the workspace's real path: one federation per workspace folder. */
  federation: 'agent-federation.federation',
  agent: 'agent-federation.agent',
  group: 'agent-federation.group',
  brief: 'agent-federation.brief',
  briefSha256: 'agent-federation.brief-sha256',
  persona: 'agent-federation.persona',
  role: 'agent-federation.role',
  /** On the internal network: which kind of federation object it is. */
  kind: 'agent-federation.kind',
} as const;

/** 16 hex digits of sha256 over the workspace's real path (the same folder reached by a symlink is the same). */
export function workspaceHash(fs: FileSystem, root: string): string {
  let real = path.resolve(root);
  try {
    real = fs.sync.realpathSync(real);
  } catch {
    /* a folder that does not exist yet hashes by its resolved path */
  }
  return createHash('sha256').update(real).digest('hex').slice(0, 16);
}

export function federationLabels(hash: string): Record<string, string> {
  return { [LABEL.federation]: hash };
}

/** Name of the federation's internal-only network on a host. */
export function internalNetworkName(hash: string): string {
  return `af-${hash}-internal`;
}

export function containerName(hash: string, agentId: string): string {
  return `af-${hash.slice(0, 8)}-${agentId}`;
}
