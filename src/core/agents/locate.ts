// One agent: finding it by id or prefix, and calling its container so that a container the engine no longer has
// is an error that says so.
import { isDockerStatus, type ContainerInfo, type DockerClient } from '../docker/client';
import { FederationError } from '../errors';
import type { AgentContext } from './context';
import { LABEL, federationLabels } from './labels';
import { readAgents } from './records';
import { AGENT_ID_PATTERN, type AgentRecord } from './schema';

export interface Located {
  id: string;
  record?: AgentRecord;
  host: string;
  client: DockerClient;
  containerId: string;
}

/** Finds an agent by id (or a unique id prefix): its record, else its container by label on the default engine. */
export async function locate(ctx: AgentContext, idOrPrefix: string): Promise<Located> {
  const records = await readAgents(ctx.store);
  let record = records.find((r) => r.id === idOrPrefix);
  if (!record) {
    const matches = records.filter((r) => r.id.startsWith(idOrPrefix));
    if (matches.length > 1) {
      throw new FederationError('invalid-input', `"${idOrPrefix}" matches ${matches.length} agents (${matches.map((m) => m.id).join(', ')}); give more of the id.`, { id: idOrPrefix });
    }
    record = matches[0];
  }
  if (record) {
    return { id: record.id, record, host: record.host, client: await ctx.client(record.host), containerId: record.containerId };
  }
  if (!AGENT_ID_PATTERN.test(idOrPrefix)) throw new FederationError('not-found', `No agent "${idOrPrefix}" in this federation.`, { id: idOrPrefix });
  const client = await ctx.client(ctx.defaultHost);
  const found = await client.listContainers({ labels: { ...federationLabels(ctx.federationHash), [LABEL.agent]: idOrPrefix } });
  const first = found[0];
  if (!first) throw new FederationError('not-found', `No agent "${idOrPrefix}" in this federation.`, { id: idOrPrefix });
  return { id: idOrPrefix, host: ctx.defaultHost, client, containerId: first.id };
}

/**
 * Runs a call on the agent's container; a container the engine no longer has (removed behind our back, e.g. by
 * `docker rm -f`) is a `not-found` that says so and how to drop the record, instead of the engine's bare 404.
 */
export async function onContainer<T>(loc: Located, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (!isDockerStatus(e, 404)) throw e;
    throw new FederationError(
      'not-found',
      `The container of agent ${loc.id} is gone from ${loc.client.hostLabel} (removed outside the federation). ` +
        `Its record${loc.record ? '' : ' (none here)'} and output are kept; "federation agent rm ${loc.id}" (or Remove Agent) removes them.`,
      { id: loc.id, host: loc.client.hostLabel, containerId: loc.containerId, gone: true },
    );
  }
}

/** The container as the engine reports it, or undefined when the engine no longer has it (404). */
export async function inspectIfThere(client: DockerClient, containerId: string): Promise<ContainerInfo | undefined> {
  try {
    return await client.inspectContainer(containerId);
  } catch (e) {
    if (isDockerStatus(e, 404)) return undefined;
    throw e;
  }
}
