// What a person wants to know about an agent, merged from the engine's view (state, exit code, OOM, times) and
// the deployment record (brief, persona, host). The engine is the truth about the container; the record about
// why it exists.
import type { ContainerInfo } from '../docker/client';
import { LABEL } from './labels';
import type { AgentRecord } from './schema';

export const AGENT_STATUSES = ['created', 'running', 'succeeded', 'failed', 'oom-killed', 'missing', 'unknown'] as const;
/**
 * created: not started yet; running; succeeded: exited 0; failed: exited non-zero (or the engine gave up on it);
 * oom-killed: killed for going over its memory limit; missing: recorded but its container is gone;
 * unknown: its engine cannot be reached right now.
 */
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export const FINISHED_STATUSES: readonly AgentStatus[] = ['succeeded', 'failed', 'oom-killed', 'missing'];

export interface AgentInfo {
  id: string;
  status: AgentStatus;
  exitCode: number | null;
  oomKilled: boolean;
  /** ISO-8601. */
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** While running: seconds since it started. */
  uptimeSeconds?: number;
  /** Once finished: seconds from start to finish. */
  durationSeconds?: number;
  /** True when it ran longer than its brief's timeout. */
  overdue?: boolean;
  host: string;
  hostLabel: string;
  containerId?: string;
  containerName?: string;
  image: string;
  persona: string | null;
  role: string | null;
  brief: string;
  briefTitle?: string;
  group: string;
  /** False for a container of this federation that agents.json does not know (e.g. the file was lost). */
  tracked: boolean;
  /** Host folder the agent's /output is. */
  outputDir: string;
  collectedAt?: string;
  /** The engine's error text (failed start) or why the host could not be asked. */
  error?: string;
}

export function statusOf(info: Pick<ContainerInfo, 'state' | 'exitCode' | 'oomKilled'>): AgentStatus {
  switch (info.state) {
    case 'created':
      return 'created';
    case 'running':
    case 'paused':
    case 'restarting':
      return 'running';
    default:
      if (info.oomKilled) return 'oom-killed';
      return info.exitCode === 0 ? 'succeeded' : 'failed';
  }
}

function seconds(from: Date, to: Date): number {
  return Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000));
}

export function describeAgent(input: {
  id: string;
  record?: AgentRecord;
  container?: ContainerInfo;
  host: string;
  hostLabel: string;
  outputDir: string;
  now: Date;
  /** Set when the host could not be asked. */
  hostError?: string;
}): AgentInfo {
  const { record, container: c, now } = input;
  const labels = c?.labels ?? {};
  const status: AgentStatus = input.hostError !== undefined ? 'unknown' : c ? statusOf(c) : 'missing';
  const info: AgentInfo = {
    id: input.id,
    status,
    exitCode: c && status !== 'running' && status !== 'created' ? c.exitCode : null,
    oomKilled: c?.oomKilled ?? false,
    createdAt: (c?.createdAt ?? new Date(record?.createdAt ?? now)).toISOString(),
    host: input.host,
    hostLabel: input.hostLabel,
    image: record?.image ?? c?.image ?? '',
    persona: record ? record.persona : labels[LABEL.persona] || null,
    role: record ? record.role : labels[LABEL.role] || null,
    brief: record?.brief.path ?? labels[LABEL.brief] ?? '',
    group: record?.group ?? labels[LABEL.group] ?? '',
    tracked: record !== undefined,
    outputDir: input.outputDir,
  };
  if (record?.brief.title) info.briefTitle = record.brief.title;
  const containerId = c?.id ?? record?.containerId;
  if (containerId) info.containerId = containerId;
  const containerName = c?.name ?? record?.containerName;
  if (containerName) info.containerName = containerName;
  if (record?.collectedAt) info.collectedAt = record.collectedAt;
  if (c?.startedAt) info.startedAt = c.startedAt.toISOString();
  if (c?.finishedAt && status !== 'running') info.finishedAt = c.finishedAt.toISOString();
  if (status === 'running' && c?.startedAt) info.uptimeSeconds = seconds(c.startedAt, now);
  // Under load the engine may stamp FinishedAt a moment before StartedAt for a very short run.
  if (c?.startedAt && c.finishedAt && status !== 'running' && status !== 'created') info.durationSeconds = seconds(c.startedAt, c.finishedAt);
  if (record?.timeoutSeconds && c?.startedAt) {
    const end = status === 'running' ? now : c.finishedAt ?? now;
    if (seconds(c.startedAt, end) > record.timeoutSeconds) info.overdue = true;
  }
  if (input.hostError !== undefined) info.error = input.hostError;
  else if (c?.error) info.error = c.error;
  return info;
}

/** "3m 12s", "2h 5m", "45s". */
export function formatDuration(totalSeconds: number): string {
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

/** One phrase for lists and tree items: "running for 3m 12s", "exited 0 after 45s", "OOM-killed after 2s". */
export function statusPhrase(a: AgentInfo): string {
  switch (a.status) {
    case 'running':
      return `running${a.uptimeSeconds !== undefined ? ` for ${formatDuration(a.uptimeSeconds)}` : ''}${a.overdue ? ' (over its timeout)' : ''}`;
    case 'created':
      return 'created, not started';
    case 'succeeded':
    case 'failed':
      return `exited ${a.exitCode ?? '?'}${a.durationSeconds !== undefined ? ` after ${formatDuration(a.durationSeconds)}` : ''}`;
    case 'oom-killed':
      return `OOM-killed${a.durationSeconds !== undefined ? ` after ${formatDuration(a.durationSeconds)}` : ''} (over its memory limit)`;
    case 'missing':
      return 'container is gone';
    case 'unknown':
      return 'engine not reachable';
  }
}
