// Reading the agents of this federation: the engines' containers (found by label) merged with agents.json.
import { isDockerStatus, type ContainerInfo } from '../docker/client';
import { isFederationError } from '../errors';
import type { AgentContext } from './context';
import { LABEL, federationLabels } from './labels';
import { inspectIfThere, locate } from './locate';
import { readAgents } from './records';
import { describeAgent, type AgentInfo } from './status';

export interface HostStatus {
  host: string;
  hostLabel: string;
  reachable: boolean;
  /** Why not, in words a person can act on. */
  error?: string;
  reason?: string;
}

export interface ListResult {
  agents: AgentInfo[];
  hosts: HostStatus[];
}

/** Hosts worth asking: the default engine and every engine an agent was deployed to. */
export async function agentHosts(ctx: AgentContext, extra: string[] = []): Promise<string[]> {
  const records = await readAgents(ctx.store).catch(() => []);
  return [...new Set([ctx.defaultHost, ...extra, ...records.map((r) => r.host)])];
}

/** Every agent of this federation: the engines' containers (by label) merged with agents.json. Never throws for an unreachable engine. */
export async function listAgents(ctx: AgentContext, options: { hosts?: string[]; signal?: AbortSignal } = {}): Promise<ListResult> {
  const records = await readAgents(ctx.store);
  const asked = await agentHosts(ctx, options.hosts ?? []);
  const now = ctx.clock.now();
  const agents: AgentInfo[] = [];
  const statuses: HostStatus[] = [];
  await Promise.all(asked.map(async (host) => {
    const mine = records.filter((r) => r.host === host);
    try {
      const client = await ctx.client(host);
      const call = options.signal ? { signal: options.signal } : {};
      const summaries = await client.listContainers({ labels: federationLabels(ctx.federationHash), ...call });
      const infos = (await Promise.all(summaries.map((s) => client.inspectContainer(s.id, call).catch((e: unknown) => {
        if (isDockerStatus(e, 404)) return undefined; // removed between list and inspect
        throw e;
      })))).filter((i): i is ContainerInfo => i !== undefined);
      statuses.push({ host, hostLabel: client.hostLabel, reachable: true });
      const seen = new Set<string>();
      for (const r of mine) {
        const c = infos.find((i) => i.id === r.containerId) ?? infos.find((i) => i.labels[LABEL.agent] === r.id);
        if (c) seen.add(c.id);
        agents.push(describeAgent({ id: r.id, record: r, ...(c ? { container: c } : {}), host, hostLabel: client.hostLabel, outputDir: ctx.folders(r.id).outputDir, now }));
      }
      for (const c of infos) {
        const id = c.labels[LABEL.agent];
        if (seen.has(c.id) || !id || records.some((r) => r.id === id)) continue;
        agents.push(describeAgent({ id, container: c, host, hostLabel: client.hostLabel, outputDir: ctx.folders(id).outputDir, now }));
      }
    } catch (e) {
      if (!isFederationError(e)) throw e;
      const hostLabel = mine[0]?.hostLabel ?? (host || 'the local engine');
      statuses.push({ host, hostLabel, reachable: false, error: e.message, reason: e.reason });
      for (const r of mine) {
        agents.push(describeAgent({ id: r.id, record: r, host, hostLabel: r.hostLabel, outputDir: ctx.folders(r.id).outputDir, now, hostError: e.message }));
      }
    }
  }));
  agents.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  statuses.sort((a, b) => asked.indexOf(a.host) - asked.indexOf(b.host));
  return { agents, hosts: statuses };
}

/** One agent, fresh from its engine. */
export async function getAgent(ctx: AgentContext, id: string): Promise<AgentInfo> {
  const loc = await locate(ctx, id);
  const container = await inspectIfThere(loc.client, loc.containerId);
  return describeAgent({
    id: loc.id, ...(loc.record ? { record: loc.record } : {}), ...(container ? { container } : {}), host: loc.host,
    hostLabel: loc.client.hostLabel, outputDir: ctx.folders(loc.id).outputDir, now: ctx.clock.now(),
  });
}
