// Agent volumes an engine still holds without their agent: a container removed behind our back (`docker rm`), a
// record lost, a deployment killed mid-way. Found by the federation's labels, and removed only when they hold no
// output nobody collected, unless forced.
import { isDockerStatus, type DockerClient } from '../docker/client';
import { requireFederation, type AgentContext } from './context';
import { HOLDER_IMAGE, ensureHolderImage } from './holder';
import { LABEL, federationLabels } from './labels';
import { readAgents } from './records';
import { readTar } from '../docker/tar';
import { VOLUME_PART_LABEL, removeAgentVolumes } from './volumes';

export interface AgentVolumeSet {
  agent: string;
  volumes: string[];
  /** Its agent has a record and a container on that engine. */
  inUse: boolean;
  /** Files in its output volume (orphans only; counted through a holder). */
  outputFiles?: number;
}

export interface VolumesResult {
  host: string;
  hostLabel: string;
  sets: AgentVolumeSet[];
  removed: string[];
  kept: Array<{ agent: string; why: string }>;
}

async function outputFileCount(client: DockerClient, hash: string, volume: string): Promise<number> {
  await ensureHolderImage(client, federationLabels(hash), {});
  const holder = await client.createContainer({
    image: HOLDER_IMAGE,
    labels: { ...federationLabels(hash), [VOLUME_PART_LABEL]: 'probe' },
    mounts: [{ type: 'volume', source: volume, target: '/output', readOnly: true }],
    hardening: { capDrop: ['ALL'], noNewPrivileges: true, network: 'none' },
  });
  try {
    let files = 0;
    const stream = await client.getArchive(holder.id, '/output');
    try {
      await readTar(stream, { maxBytes: Number.MAX_SAFE_INTEGER, maxEntries: 1_000_000 }, async (e) => {
        if (e.kind === 'file') files++;
      });
    } finally {
      stream.close();
    }
    return files;
  } finally {
    await client.removeContainer(holder.id, { force: true }).catch((e: unknown) => {
      if (!isDockerStatus(e, 404)) throw e;
    });
  }
}

/**
 * The federation's agent volumes on one engine, by agent. With `remove`, the orphans go: those whose output volume
 * holds files only with `force` (the rest are kept, saying why).
 */
export async function agentVolumes(ctx: AgentContext, host: string, options: { remove?: boolean; force?: boolean } = {}): Promise<VolumesResult> {
  await requireFederation(ctx);
  const records = new Set((await readAgents(ctx.store)).map((r) => r.id));
  const client = await ctx.client(host);
  const labels = federationLabels(ctx.federationHash);
  const names = await client.listVolumes({ labels });
  const live = new Set((await client.listContainers({ labels })).filter((c) => c.labels[VOLUME_PART_LABEL] === undefined).map((c) => c.labels[LABEL.agent]));
  // The agent each volume belongs to is in its label; the name's tail says which part it is.
  const byAgent = new Map<string, string[]>();
  for (const name of names) {
    const agent = /^af-[0-9a-f]{8}-(.+)-(workspace|brief|secrets|output)$/.exec(name)?.[1];
    if (!agent) continue;
    byAgent.set(agent, [...(byAgent.get(agent) ?? []), name]);
  }
  const result: VolumesResult = { host, hostLabel: client.hostLabel, sets: [], removed: [], kept: [] };
  for (const [agent, volumes] of [...byAgent].sort(([a], [b]) => a.localeCompare(b))) {
    const inUse = records.has(agent) && live.has(agent);
    const set: AgentVolumeSet = { agent, volumes: volumes.sort(), inUse };
    const output = volumes.find((v) => v.endsWith('-output'));
    if (!inUse && output) set.outputFiles = await outputFileCount(client, ctx.federationHash, output);
    result.sets.push(set);
    if (!options.remove || inUse) continue;
    if (set.outputFiles && !options.force) {
      result.kept.push({ agent, why: `its output volume holds ${set.outputFiles} file${set.outputFiles === 1 ? '' : 's'} nobody collected; remove with --force to delete them` });
      continue;
    }
    result.removed.push(...(await removeAgentVolumes(client, ctx.federationHash, agent)));
  }
  return result;
}
