// The usage ledger rolled up: what the agents' attempts cost, by task, persona, model or day, from the usage each
// attempt recorded on its task (complete_task, `task complete --usage`) and from the agents' own reports.
import type { Task, Usage } from './state/schemas';

export const USAGE_GROUPINGS = ['task', 'persona', 'agent', 'model', 'day'] as const;
export type UsageGrouping = (typeof USAGE_GROUPINGS)[number];

/** One entry of the ledger, wherever it came from. */
export interface UsageEntry {
  at: string;
  usage: Usage;
  task?: string;
  attempt?: number;
  persona?: string;
  agent?: string;
}

export interface UsageRow {
  key: string;
  entries: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  wallSeconds: number;
}

/** Every attempt's usage recorded on the tasks, oldest first. */
export function taskUsage(tasks: readonly Task[]): UsageEntry[] {
  return tasks
    .flatMap((t) => (t.usage ?? []).map((u): UsageEntry => ({ at: u.at, usage: u.usage, task: t.id, attempt: u.attempt, persona: u.by })))
    .sort((a, b) => a.at.localeCompare(b.at));
}

function keyOf(e: UsageEntry, by: UsageGrouping): string | undefined {
  switch (by) {
    case 'task':
      return e.task;
    case 'persona':
      return e.persona;
    case 'agent':
      return e.agent;
    case 'model':
      return e.usage.model ?? '(unknown model)';
    case 'day':
      return e.at.slice(0, 10);
  }
}

/** Sums per key (entries without one, e.g. a task's attempts under --by agent, are left out), largest cost first. */
export function rollUp(entries: readonly UsageEntry[], by: UsageGrouping): { rows: UsageRow[]; total: UsageRow } {
  const rows = new Map<string, UsageRow>();
  const total: UsageRow = { key: 'total', entries: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, wallSeconds: 0 };
  for (const e of entries) {
    const key = keyOf(e, by);
    if (key === undefined) continue;
    const row = rows.get(key) ?? { key, entries: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, wallSeconds: 0 };
    for (const r of [row, total]) {
      r.entries += 1;
      r.inputTokens += e.usage.inputTokens ?? 0;
      r.outputTokens += e.usage.outputTokens ?? 0;
      r.costUsd += e.usage.costUsd ?? 0;
      r.wallSeconds += e.usage.wallSeconds ?? 0;
    }
    rows.set(key, row);
  }
  const round = (r: UsageRow): UsageRow => ({ ...r, costUsd: Math.round(r.costUsd * 1e6) / 1e6, wallSeconds: Math.round(r.wallSeconds * 1000) / 1000 });
  return {
    rows: [...rows.values()].map(round).sort((a, b) => b.costUsd - a.costUsd || a.key.localeCompare(b.key)),
    total: round(total),
  };
}
