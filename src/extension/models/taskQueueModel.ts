// The Task Queue tree as plain data: tasks grouped by status in working order, most urgent first in each group.
// A queued task whose dependencies are not all done shows as blocked, naming what it waits for.
import { Blocker, StatusIndex, blockersOf, describeBlockers, statusIndex } from '../../core/federation/dependencies';
import { FederationSnapshot } from '../../core/federation/snapshot';
import { TASK_STATUSES, Task, TaskStatus } from '../../core/federation/state/schemas';
import { ErrorNode, IconSpec, errorNode } from './personasModel';

export interface GroupNode {
  kind: 'group';
  id: string;
  status: TaskStatus;
  label: string;
  description: string;
  expanded: boolean;
  contextValue: string;
  icon: IconSpec;
  children: TaskNode[];
}

export interface TaskNode {
  kind: 'task';
  id: string;
  taskId: string;
  label: string;
  description: string;
  tooltip: string;
  contextValue: string;
  icon: IconSpec;
  handoffDocument?: string;
  children: [];
}

export type TaskTreeNode = GroupNode | TaskNode | ErrorNode;

export const GROUP_ORDER: readonly TaskStatus[] = ['in_progress', 'claimed', 'handed_off', 'queued', 'failed', 'done', 'cancelled'];

const GROUP_LABEL: Record<TaskStatus, string> = {
  in_progress: 'In progress',
  claimed: 'Claimed',
  handed_off: 'Handed off',
  queued: 'Queued',
  failed: 'Failed',
  done: 'Done',
  cancelled: 'Cancelled',
};

const STATUS_ICON: Record<TaskStatus, IconSpec> = {
  in_progress: { id: 'sync', color: 'charts.blue' },
  claimed: { id: 'pass', color: 'charts.blue' },
  handed_off: { id: 'arrow-swap', color: 'charts.purple' },
  queued: { id: 'circle-large-outline' },
  failed: { id: 'error', color: 'testing.iconFailed' },
  done: { id: 'check', color: 'testing.iconPassed' },
  cancelled: { id: 'circle-slash', color: 'disabledForeground' },
};

/** A queued task that waits for others: not claimable until they are done. */
const BLOCKED_ICON: IconSpec = { id: 'debug-pause', color: 'charts.orange' };

/** Priority 1 is most urgent; shown as a flame for 1, otherwise as text. */
function priorityIcon(t: Task): IconSpec {
  if (t.status === 'queued' && t.priority === 1) return { id: 'flame', color: 'charts.red' };
  return STATUS_ICON[t.status];
}

/** What one attempt cost, for the tooltip: "Attempt 1 (research, completed): claude-sonnet · 1200 in / 300 out · $0.0200 · 41 s". */
function usageLine(u: NonNullable<Task['usage']>[number]): string {
  const parts = [
    u.usage.model,
    u.usage.inputTokens !== undefined || u.usage.outputTokens !== undefined ? `${u.usage.inputTokens ?? 0} in / ${u.usage.outputTokens ?? 0} out` : undefined,
    u.usage.costUsd !== undefined ? `$${u.usage.costUsd.toFixed(4)}` : undefined,
    u.usage.wallSeconds !== undefined ? `${Math.round(u.usage.wallSeconds)} s` : undefined,
  ].filter(Boolean);
  return `Attempt ${u.attempt} (${u.by}, ${u.outcome}): ${parts.join(' · ')}`;
}

/** One task; with the queue's status index (buildTaskTree makes it once), a queued task shows what blocks it. */
export function taskNode(t: Task, index?: StatusIndex): TaskNode {
  const blockers: Blocker[] = index && t.status === 'queued' ? blockersOf(t, index) : [];
  const blocked = blockers.length ? `blocked by ${blockers.map((b) => b.task).join(', ')}` : '';
  const desc = [blocked, `P${t.priority}`, t.assignee ? `@${t.assignee}` : '', t.skills.length ? t.skills.join(', ') : ''].filter(Boolean).join(' · ');
  const handoff = t.handoff
    ? `\nHandoff: ${t.handoff.from} → ${t.handoff.to} (${t.handoff.acknowledgedAt ? `acknowledged ${t.handoff.acknowledgedAt}` : 'not yet acknowledged'})`
    : '';
  return {
    kind: 'task',
    id: `task:${t.id}`,
    taskId: t.id,
    label: t.title,
    description: `${t.id} · ${desc}`,
    tooltip:
      `${t.id}: ${t.title}\nStatus: ${t.status}\nPriority: ${t.priority}\nSkills: ${t.skills.join(', ') || 'any'}\n` +
      `Assignee: ${t.assignee ?? 'nobody'}\nUpdated: ${t.updatedAt}` +
      (t.dependsOn?.length ? `\nDepends on: ${t.dependsOn.join(', ')}` : '') +
      (blockers.length ? `\nBlocked by: ${describeBlockers(blockers)} (claimable once each is done)` : '') +
      (t.failureReason ? `\nFailure: ${t.failureReason}` : '') +
      handoff +
      (t.usage?.length ? `\n${t.usage.map(usageLine).join('\n')}` : '') +
      (t.description ? `\n\n${t.description}` : ''),
    contextValue: `task:${t.status}${blockers.length ? ':blocked' : ''}${t.handoff ? ':handoff' : ''}`,
    icon: blockers.length ? BLOCKED_ICON : priorityIcon(t),
    ...(t.handoff ? { handoffDocument: t.handoff.document } : {}),
    children: [],
  };
}

export function buildTaskTree(snapshot: FederationSnapshot): TaskTreeNode[] {
  if (!snapshot.queue.ok) return [errorNode('queue', snapshot.queue.error)];
  const buckets = new Map<TaskStatus, Task[]>(TASK_STATUSES.map((s) => [s, []]));
  for (const t of snapshot.queue.value.tasks) buckets.get(t.status)!.push(t);
  // Once per build: each task's blockers are then lookups (the tree holds 10,000 tasks within its budget).
  const index = statusIndex(snapshot.queue.value.tasks);
  const groups: GroupNode[] = [];
  for (const status of GROUP_ORDER) {
    const tasks = buckets.get(status)!;
    if (tasks.length === 0) continue;
    // Sort keys are precomputed: comparing numeric ids from strings dominates for 10,000 tasks otherwise.
    const keyed = tasks.map((t) => ({ t, n: Number(t.id.slice(1)) }));
    keyed.sort((a, b) => a.t.priority - b.t.priority || a.n - b.n);
    groups.push({
      kind: 'group',
      id: `group:${status}`,
      status,
      label: GROUP_LABEL[status],
      description: String(tasks.length),
      expanded: status !== 'done' && status !== 'cancelled',
      contextValue: `group:${status}`,
      icon: STATUS_ICON[status],
      children: keyed.map((k) => taskNode(k.t, index)),
    });
  }
  return groups;
}
