// The federation's internal network on an engine: agents whose brief asks for `network: internal` share it (no
// route out). A deployment makes it when it is missing; removing the last agent that uses it removes it again.
import { isDockerStatus, type DockerClient } from '../docker/client';
import { describeError } from '../errors';
import type { AgentContext } from './context';
import { LABEL, federationLabels, internalNetworkName } from './labels';
import { readAgents } from './records';

/** The internal network and whether this call made it (only then does a failed deployment remove it). */
export interface InternalNetwork {
  name: string;
  created: boolean;
}

export async function ensureInternalNetwork(
  ctx: AgentContext,
  client: DockerClient,
  extraLabels: Record<string, string>,
  call: { signal?: AbortSignal },
): Promise<InternalNetwork> {
  const name = internalNetworkName(ctx.federationHash);
  const existing = await client.listNetworks({ labels: { ...federationLabels(ctx.federationHash), [LABEL.kind]: 'internal' }, ...call });
  const found = existing.find((n) => n.name === name);
  if (found) return { name, created: false };
  try {
    await client.createNetwork({ name, internal: true, labels: { ...extraLabels, ...federationLabels(ctx.federationHash), [LABEL.kind]: 'internal' } }, call);
    return { name, created: true };
  } catch (e) {
    // Another deployment made it at the same moment.
    if (isDockerStatus(e, 409)) return { name, created: false };
    throw e;
  }
}

/** Removes the internal network of this federation on `host` once no recorded agent there uses it. */
export async function releaseNetwork(ctx: AgentContext, host: string, client: DockerClient): Promise<void> {
  const name = internalNetworkName(ctx.federationHash);
  const records = await readAgents(ctx.store);
  if (records.some((r) => r.host === host && r.network === name)) return;
  const exists = (await client.listNetworks({ labels: federationLabels(ctx.federationHash) })).some((n) => n.name === name);
  if (!exists) return;
  try {
    await client.removeNetwork(name);
  } catch (e) {
    // Still in use by a container we do not know about: leave it.
    ctx.logger.warn(`network ${name} was left in place: ${describeError(e)}`);
  }
}
