// Acting on one agent's container: its logs, stop, restart, the hardening check, and removing it (or every
// finished one: prune) with its folders and record.
import { isDockerStatus, type DockerStream, type LogChunk, type LogOptions } from '../docker/client';
import { FederationError, isFederationError } from '../errors';
import type { AgentContext } from './context';
import { hasEntries, removeTree } from './files';
import { agentTip } from './land';
import { checkHardening, type HardeningCheck } from './hardening';
import { getAgent, listAgents } from './list';
import { inspectIfThere, locate, onContainer } from './locate';
import { releaseNetwork } from './networks';
import { updateAgents } from './records';
import { FINISHED_STATUSES, type AgentInfo } from './status';
import { returnWorktree } from './worktree';
import { pullOutput, removeAgentVolumes } from './volumes';
import { agentVolumes } from './orphans';

export interface RemoveResult {
  id: string;
  removedContainer: boolean;
  removedOutput: boolean;
}

export interface PruneResult {
  removed: string[];
  kept: Array<{ id: string; why: string }>;
  /** Volumes of agents that are gone (orphans), removed from the engines that answered. */
  volumes: string[];
  /** Engines that did not answer: their agents were neither seen nor pruned. */
  unreachable: Array<{ host: string; hostLabel: string; error?: string; reason?: string }>;
}

/** The agent's output, as it writes it. With follow, it streams until the agent stops, close() or the signal. */
export async function logs(ctx: AgentContext, id: string, options: LogOptions = {}): Promise<DockerStream<LogChunk>> {
  const loc = await locate(ctx, id);
  // The stream only fails once read; asking first turns a vanished container into the clear error below.
  await onContainer(loc, () => loc.client.inspectContainer(loc.containerId));
  return loc.client.logs(loc.containerId, options);
}

export async function stop(ctx: AgentContext, id: string, options: { graceSeconds?: number; signal?: AbortSignal } = {}): Promise<AgentInfo> {
  const loc = await locate(ctx, id);
  await onContainer(loc, () => loc.client.stopContainer(loc.containerId, options));
  return getAgent(ctx, loc.id);
}

export async function restart(ctx: AgentContext, id: string, options: { graceSeconds?: number; signal?: AbortSignal } = {}): Promise<AgentInfo> {
  const loc = await locate(ctx, id);
  if (loc.record?.volumes && loc.record.secrets.length > 0) {
    // Its secrets were in a tmpfs that the engine emptied when the agent stopped: a restart would run it without them.
    throw new FederationError('invalid-transition', `Agent ${loc.id} on ${loc.client.hostLabel} held its secrets in memory only while it ran, so it cannot be restarted with them: deploy its brief again.`, {
      id: loc.id, host: loc.client.hostLabel,
    });
  }
  await onContainer(loc, () => loc.client.restartContainer(loc.containerId, options));
  return getAgent(ctx, loc.id);
}

/**
 * Removes the container, the agent's secrets and its folder, and its record. Refuses a running agent, one whose
 * output was never collected and a worktree agent whose commits were not brought onto its branch, unless `force`
 * (which then also deletes that output and those commits).
 */
export async function remove(ctx: AgentContext, id: string, options: { force?: boolean } = {}): Promise<RemoveResult> {
  const loc = await locate(ctx, id);
  const container = await inspectIfThere(loc.client, loc.containerId);
  if (container?.running && !options.force) {
    throw new FederationError('invalid-transition', `Agent ${loc.id} is still running: stop it first, or remove it with force.`, { id: loc.id, status: 'running' });
  }
  const folders = ctx.folders(loc.id);
  // Output on the agent's engine counts as output: brought here first, so that it is judged (and kept) like a local one.
  if (loc.record?.volumes && container && !loc.record.collectedAt && !options.force) await pullOutput(ctx.fs, loc.client, container.id, folders.outputDir);
  const hasOutput = await hasEntries(ctx.fs, folders.outputDir);
  if (hasOutput && !loc.record?.collectedAt && !options.force) {
    throw new FederationError(
      'invalid-transition',
      `Agent ${loc.id} has output that was not collected (${folders.outputDir}): collect it first, or remove it with force to delete it.`,
      { id: loc.id, outputDir: folders.outputDir },
    );
  }
  const wt = loc.record?.worktree;
  if (wt && !wt.landedAt && !options.force) {
    const tip = await agentTip(ctx, folders, wt.branch);
    if (tip !== wt.head) {
      throw new FederationError(
        'unsaved-work',
        `Agent ${loc.id} made commits in task ${wt.task}'s worktree that are not on ${wt.branch} yet: collect it first, or remove it with force to throw them away.`,
        { id: loc.id, task: wt.task, branch: wt.branch, gitDir: folders.gitDir },
      );
    }
  }
  if (container) {
    try {
      await loc.client.removeContainer(container.id, { force: true, removeVolumes: true });
    } catch (e) {
      if (!isDockerStatus(e, 404)) throw e;
    }
  }
  // Secrets go with the container, whatever else fails afterwards.
  await removeTree(ctx.fs, folders.secretsDir);
  if (loc.record?.volumes) await removeAgentVolumes(loc.client, ctx.federationHash, loc.id);
  // A worktree lent to the agent's user goes back to its owner (collect did that already when it ran).
  if (wt && !wt.landedAt) await returnWorktree(ctx, wt);
  await removeTree(ctx.fs, folders.dir);
  await updateAgents(ctx.store, (agents) => {
    const i = agents.findIndex((r) => r.id === loc.id);
    if (i >= 0) agents.splice(i, 1);
  });
  if (loc.record?.network && loc.record.network !== 'none') await releaseNetwork(ctx, loc.host, loc.client);
  ctx.logger.info(`agent ${loc.id}: removed${hasOutput ? ' with its output' : ''}`);
  return { id: loc.id, removedContainer: container !== undefined, removedOutput: hasOutput };
}

/** Removes every finished agent whose output is collected or empty (all finished ones with force). */
export async function prune(ctx: AgentContext, options: { force?: boolean } = {}): Promise<PruneResult> {
  const { agents, hosts } = await listAgents(ctx);
  const result: PruneResult = {
    removed: [], kept: [], volumes: [],
    unreachable: hosts.filter((h) => !h.reachable).map((h) => ({ host: h.host, hostLabel: h.hostLabel, ...(h.error ? { error: h.error } : {}), ...(h.reason ? { reason: h.reason } : {}) })),
  };
  for (const a of agents) {
    if (!FINISHED_STATUSES.includes(a.status)) continue;
    try {
      await remove(ctx, a.id, { force: options.force ?? false });
      result.removed.push(a.id);
    } catch (e) {
      if (!isFederationError(e)) throw e;
      result.kept.push({ id: a.id, why: e.message });
    }
  }
  for (const h of hosts.filter((x) => x.reachable)) {
    const v = await agentVolumes(ctx, h.host, { remove: true, force: options.force ?? false });
    result.volumes.push(...v.removed);
    result.kept.push(...v.kept.map((k) => ({ id: k.agent, why: `volumes on ${v.hostLabel} kept: ${k.why}` })));
  }
  return result;
}

/** The hardening list checked against what the engine reports for the agent's container. */
export async function inspectHardening(ctx: AgentContext, id: string): Promise<HardeningCheck[]> {
  const loc = await locate(ctx, id);
  const info = await onContainer(loc, () => loc.client.inspectContainer(loc.containerId));
  return checkHardening(info, loc.record);
}
