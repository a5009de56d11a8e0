// The Task Queue tree as plain data: tasks grouped by status in working order, most urgent first in each group.
// A queued task whose dependencies are not all done shows as blocked, naming what it waits for. A task with a live
// worktree shows its branch and, once read (WorktreeStatusCache: git is never run while the tree is built), what it
// holds against its base; a done task whose branch is not merged yet is awaiting review, in a group of its own.
import { Blocker, ReadinessStatus, StatusIndex, blockersOf, describeBlockers, readinessOf, statusIndex } from '../../core/federation/dependencies';
import { FederationSnapshot } from '../../core/federation/snapshot';
import { TASK_STATUSES, Task, TaskWorktree } from '../../core/federation/state/schemas';
import { ErrorNode, IconSpec, errorNode } from './personasModel';

/** What git says of a task's worktree (WorktreeService.status), as far as the tree shows it. */
export interface WorktreeGitState {
  exists: boolean;
  dirtyCount: number;
  ahead: number;
  behind: number;
}

/** The git state of live worktrees by task id, with the branch it was read for (a newer worktree's is not this one's). */
export type WorktreeStatuses = ReadonlyMap<string, { branch: string; state: WorktreeGitState }>;

export interface GroupNode {
  kind: 'group';
  id: string;
  status: ReadinessStatus;
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

export const GROUP_ORDER: readonly ReadinessStatus[] = ['in_progress', 'claimed', 'handed_off', 'awaiting_review', 'queued', 'failed', 'done', 'cancelled'];

const GROUP_LABEL: Record<ReadinessStatus, string> = {
  in_progress: 'In progress',
  claimed: 'Claimed',
  handed_off: 'Handed off',
  awaiting_review: 'Awaiting review',
  queued: 'Queued',
  failed: 'Failed',
  done: 'Done',
  cancelled: 'Cancelled',
};

const STATUS_ICON: Record<ReadinessStatus, IconSpec> = {
  in_progress: { id: 'sync', color: 'charts.blue' },
  claimed: { id: 'pass', color: 'charts.blue' },
  handed_off: { id: 'arrow-swap', color: 'charts.purple' },
  awaiting_review: { id: 'git-pull-request', color: 'charts.yellow' },
  queued: { id: 'circle-large-outline' },
  failed: { id: 'error', color: 'testing.iconFailed' },
  done: { id: 'check', color: 'testing.iconPassed' },
  cancelled: { id: 'circle-slash', color: 'disabledForeground' },
};

/** A queued task that waits for others: not claimable until they are done. */
const BLOCKED_ICON: IconSpec = { id: 'debug-pause', color: 'charts.orange' };

/** Priority 1 is most urgent; shown as a flame for 1, otherwise as text. */
function priorityIcon(t: Task, readiness: ReadinessStatus): IconSpec {
  if (t.status === 'queued' && t.priority === 1) return { id: 'flame', color: 'charts.red' };
  return STATUS_ICON[readiness];
}

/** The task's worktree while it exists (neither merged nor removed). */
export function liveWorktreeOf(t: Task): TaskWorktree | undefined {
  const wt = t.worktree;
  return wt && !wt.mergedAt && !wt.removedAt ? wt : undefined;
}

/** "+2 −1 · 3 uncommitted" (as `federation worktree list` says it), or "missing" when git has no such worktree. */
export function describeGitState(s: WorktreeGitState): string {
  if (!s.exists) return 'missing';
  return `+${s.ahead} −${s.behind}${s.dirtyCount ? ` · ${s.dirtyCount} uncommitted` : ''}`;
}

export function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** The tooltip's account of the worktree: where, which branch, its ports, and what git said (or that it is not read yet). */
function worktreeLines(wt: TaskWorktree, state: WorktreeGitState | undefined, review: boolean): string {
  const ports = wt.portBase !== undefined ? `\nPorts from: ${wt.portBase} (FEDERATION_PORT_BASE)` : '';
  const git = !state
    ? 'not read yet'
    : !state.exists
      ? 'the worktree is missing (removed outside the federation?)'
      : `${plural(state.ahead, 'commit')} ahead of ${wt.base}, ${state.behind} behind; ${plural(state.dirtyCount, 'uncommitted change')}`;
  return (
    `\nWorktree: ${wt.path}\nBranch: ${wt.branch} (from ${wt.base})${ports}\nGit: ${git}` +
    (wt.pullRequest ? `\nPull request: #${wt.pullRequest.number} ${wt.pullRequest.url}` : '') +
    (review ? `\nAwaiting review: done, its branch is not merged into ${wt.base} yet (Review Task Changes, then Accept (Merge) or Discard).` : '')
  );
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

/**
 * One task; with the queue's status index (buildTaskTree makes it once), a queued task shows what blocks it; with
 * the worktree statuses, a task with a live worktree shows what it holds against its base.
 */
export function taskNode(t: Task, index?: StatusIndex, worktrees?: WorktreeStatuses): TaskNode {
  const readiness = readinessOf(t);
  const review = readiness === 'awaiting_review';
  const wt = liveWorktreeOf(t);
  const read = wt ? worktrees?.get(t.id) : undefined;
  const state = read && read.branch === wt!.branch ? read.state : undefined;
  const blockers: Blocker[] = index && t.status === 'queued' ? blockersOf(t, index) : [];
  const blocked = blockers.length ? `blocked by ${blockers.map((b) => b.task).join(', ')}` : '';
  const desc = [
    review ? 'awaiting review' : '',
    blocked,
    `P${t.priority}`,
    t.assignee ? `@${t.assignee}` : '',
    t.skills.length ? t.skills.join(', ') : '',
    wt ? `${wt.branch}${state ? ` ${describeGitState(state)}` : ''}` : '',
  ].filter(Boolean).join(' · ');
  const merged = t.worktree?.mergedAt && t.worktree.mergeCommit ? `\nMerged: ${t.worktree.branch} into ${t.worktree.base} at ${t.worktree.mergeCommit.slice(0, 12)} (${t.worktree.mergedAt})` : '';
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
      (wt ? worktreeLines(wt, state, review) : merged) +
      (t.usage?.length ? `\n${t.usage.map(usageLine).join('\n')}` : '') +
      (t.description ? `\n\n${t.description}` : ''),
    // task:<readiness>[:blocked][:handoff][:worktree]: package.json's menus match on these.
    contextValue: `task:${readiness}${blockers.length ? ':blocked' : ''}${t.handoff ? ':handoff' : ''}${wt ? ':worktree' : ''}`,
    icon: blockers.length ? BLOCKED_ICON : priorityIcon(t, readiness),
    ...(t.handoff ? { handoffDocument: t.handoff.document } : {}),
    children: [],
  };
}

/** The tree; `worktrees` is what the WorktreeStatusCache has read so far (absent: branches only). */
export function buildTaskTree(snapshot: FederationSnapshot, worktrees?: WorktreeStatuses): TaskTreeNode[] {
  if (!snapshot.queue.ok) return [errorNode('queue', snapshot.queue.error)];
  const buckets = new Map<ReadinessStatus, Task[]>([...TASK_STATUSES, 'awaiting_review' as const].map((s) => [s, []]));
  for (const t of snapshot.queue.value.tasks) buckets.get(readinessOf(t))!.push(t);
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
      children: keyed.map((k) => taskNode(k.t, index, worktrees)),
    });
  }
  return groups;
}
