// Watching the agents of this federation as they change, from each engine's event stream (no polling). A
// deployment to an engine not yet watched adds it (AgentContext.hostWatchers).
import type { DockerClient, DockerEvent, DockerStream } from '../docker/client';
import { FederationError, describeError, isFederationError } from '../errors';
import type { AgentContext } from './context';
import { LABEL, federationLabels } from './labels';
import { agentHosts } from './list';
import { inspectIfThere } from './locate';
import { readAgents } from './records';
import { describeAgent, type AgentInfo } from './status';

export type AgentChange =
  | { type: 'changed'; agent: AgentInfo; action: string }
  | { type: 'removed'; id: string; host: string; action: string }
  | { type: 'host-error'; host: string; hostLabel: string; error: FederationError };

export interface AgentWatcher {
  /** Resolves once every engine accepted the event request: nothing that happens after this is missed. */
  readonly ready: Promise<void>;
  close(): void;
}

/** Actions after which an agent's state may have changed. */
const STATE_ACTIONS = new Set(['create', 'start', 'restart', 'die', 'oom', 'stop', 'kill', 'pause', 'unpause', 'destroy']);

/**
 * Reports every change of this federation's agents as it happens, from each engine's event stream (no
 * polling). A failing engine is reported once as 'host-error' and its stream ends; call watch() again to retry.
 */
export function watch(ctx: AgentContext, listener: (change: AgentChange) => void, options: { signal?: AbortSignal } = {}): AgentWatcher {
  const streams = new Map<string, DockerStream<DockerEvent>>();
  let closed = false;
  const emit = (change: AgentChange): void => {
    if (closed) return;
    try {
      listener(change);
    } catch (e) {
      ctx.logger.warn(`agent watcher listener failed: ${describeError(e)}`);
    }
  };
  const follow = (host: string): Promise<void> => {
    if (closed || streams.has(host)) return Promise.resolve();
    let readyResolve!: () => void;
    const ready = new Promise<void>((resolve) => (readyResolve = resolve));
    void (async () => {
      let client: DockerClient | undefined;
      try {
        client = await ctx.client(host);
        if (closed) return;
        const stream = client.events({ labels: federationLabels(ctx.federationHash), ...(options.signal ? { signal: options.signal } : {}) });
        streams.set(host, stream);
        stream.ready.then(readyResolve, readyResolve);
        // Events of one container are handled in order; a slow inspect does not reorder them.
        let chain = Promise.resolve();
        for await (const event of stream) {
          if (!STATE_ACTIONS.has(event.action)) continue;
          const c = client;
          chain = chain.then(() => onEvent(ctx, host, c, event, emit));
        }
        await chain;
      } catch (e) {
        const error = isFederationError(e) ? e : new FederationError('docker-error', describeError(e), {});
        emit({ type: 'host-error', host, hostLabel: client?.hostLabel ?? (host || 'the local engine'), error });
      } finally {
        streams.delete(host);
        readyResolve();
      }
    })();
    return ready;
  };
  const addHost = (host: string): void => {
    void follow(host);
  };
  ctx.hostWatchers.add(addHost);
  const close = (): void => {
    if (closed) return;
    closed = true;
    ctx.hostWatchers.delete(addHost);
    for (const s of streams.values()) s.close();
  };
  options.signal?.addEventListener('abort', close, { once: true });
  const ready = agentHosts(ctx).then(async (hosts) => {
    await Promise.all(hosts.map(follow));
  });
  return { ready, close };
}

async function onEvent(ctx: AgentContext, host: string, client: DockerClient, event: DockerEvent, emit: (c: AgentChange) => void): Promise<void> {
  const id = event.attributes[LABEL.agent];
  if (!id) return;
  if (event.action === 'destroy') {
    emit({ type: 'removed', id, host, action: event.action });
    return;
  }
  const container = await inspectIfThere(client, event.id);
  if (!container) return; // already gone: its destroy event follows
  const record = (await readAgents(ctx.store).catch(() => [])).find((r) => r.id === id);
  emit({
    type: 'changed',
    action: event.action,
    agent: describeAgent({
      id, ...(record ? { record } : {}), container, host, hostLabel: client.hostLabel, outputDir: ctx.folders(id).outputDir, now: ctx.clock.now(),
    }),
  });
}
