// What the parts of the agent service share: the workspace, its store, the engines and the outside world. The
// AgentService facade (service.ts) makes one AgentContext and hands it to deploy, list, watch, control, output and
// compose, which are plain functions of it.
import * as path from 'node:path';
import type { DockerClient } from '../docker/client';
import { FederationError } from '../errors';
import type { Clock, FileSystem, Logger } from '../ports';
import type { FederationStore } from '../federation/state/store';
import type { GitPort } from '../worktrees/git';
import type { AgentFolders } from './files';
import type { PlanOptions } from './plan';
import type { Transfer } from './volumes';

/** Image, command template and limits used where a brief and the call say nothing. */
export type PlanDefaults = Pick<PlanOptions, 'defaultImage' | 'commandTemplate' | 'defaultLimits'>;

export interface AgentContext {
  /** The workspace root (the folder holding .federation/), absolute. */
  readonly root: string;
  readonly store: FederationStore;
  /** Labels every container and network of this federation (workspaceHash of the root). */
  readonly federationHash: string;
  /** Engine used when a deployment names none. */
  readonly defaultHost: string;
  readonly defaults: PlanDefaults;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The disk: the workspace, the agents' folders, the briefs. */
  readonly fs: FileSystem;
  /** git, for agents that work in a task's worktree (workspace: worktree); without it those are refused. */
  readonly git?: GitPort;
  /** How agents' files reach an engine: 'auto' (copies in volumes for an engine not on this machine) or always 'volumes'. */
  readonly transfer?: Transfer;
  /** One client per engine address, made on first use. */
  client(host: string): Promise<DockerClient>;
  folders(id: string): AgentFolders;
  /**
   * Told the host after agents were deployed there, so that open watchers follow that engine too (watch.ts adds,
   * deploy.ts calls).
   */
  readonly hostWatchers: Set<(host: string) => void>;
}

/** Agents belong to a federation: a folder without one is `not-initialized`, for reads as for deploys. */
export async function requireFederation(ctx: AgentContext): Promise<void> {
  if (!(await ctx.store.isInitialized())) {
    throw new FederationError('not-initialized', `No federation in ${ctx.root}: run "federation init" first.`, { root: ctx.root });
  }
}

/** A path as a person reads it: relative to the root with forward slashes when inside it, else absolute. */
export function displayPath(root: string, abs: string): string {
  const rel = path.relative(root, abs);
  return rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel.split(path.sep).join('/');
}
