// Task dependencies: a task may name others it waits for (`dependsOn`). An edge is checked when it is made
// (unknown ids and cycles are refused), and a task is ready only when every task it depends on is done — and, for a
// task worked in its own worktree, merged (a done task with an unmerged branch is awaiting review). Anything
// else blocks it, a failed or cancelled dependency included (fail closed), until that dependency is requeued and
// done or the edge is removed.
// The claim path asks about many tasks in one transaction, so it builds one StatusIndex of the queue first and
// every question after that is a map lookup, never a scan of the queue.
import { FederationError } from '../errors';
import type { Task, TaskStatus } from './state/schemas';

/** What a dependency counts as: its status, except that a done task whose branch is not merged yet waits. */
export type ReadinessStatus = TaskStatus | 'awaiting_review';

/** A task's readiness status by id, built once per transaction (or view build) from the queue. */
export type StatusIndex = ReadonlyMap<string, ReadinessStatus>;

/** done, unless the task was worked in a worktree whose branch is neither merged nor had nothing to merge. */
export function readinessOf(task: Task): ReadinessStatus {
  if (task.status === 'done' && task.worktree && !task.worktree.mergedAt) return 'awaiting_review';
  return task.status;
}

export function statusIndex(tasks: readonly Task[]): StatusIndex {
  const index = new Map<string, ReadinessStatus>();
  for (const t of tasks) index.set(t.id, readinessOf(t));
  return index;
}

/** One dependency that holds a task back, with the dependency's status (missing: no such task any more). */
export interface Blocker {
  task: string;
  status: ReadinessStatus | 'missing';
}

/** The dependencies of `task` that are not done yet; empty when it is ready. */
export function blockersOf(task: Task, index: StatusIndex): Blocker[] {
  if (!task.dependsOn?.length) return [];
  const out: Blocker[] = [];
  for (const id of task.dependsOn) {
    const status = index.get(id);
    if (status !== 'done') out.push({ task: id, status: status ?? 'missing' });
  }
  return out;
}

export function isReady(task: Task, index: StatusIndex): boolean {
  if (!task.dependsOn?.length) return true;
  for (const id of task.dependsOn) if (index.get(id) !== 'done') return false;
  return true;
}

/** "T3 (failed), T4 (in_progress)": the blockers as people read them. */
export function describeBlockers(blockers: readonly Blocker[]): string {
  return blockers.map((b) => `${b.task} (${b.status})`).join(', ');
}

/** The refusal of a claim of a task that waits for others (details.blockers lists them). */
export function blockedError(task: Task, blockers: readonly Blocker[]): FederationError {
  return new FederationError(
    'blocked',
    `${task.id} is blocked by ${describeBlockers(blockers)}: it can be claimed once ${blockers.length > 1 ? 'they are' : 'it is'} done (and merged, for a task in its own worktree; a failed or cancelled dependency must be requeued, or the dependency removed).`,
    { task: task.id, blockers },
  );
}

/**
 * Checks `dependsOn` as the new edge list of `taskId` in `tasks` and returns it normalised (trimmed, duplicates
 * dropped, in the given order). Refuses ids that are not task ids or name no task, the task itself, and any edge
 * that would close a cycle (details.cycle is the path, from the task back to it).
 */
export function checkDependencies(tasks: readonly Task[], taskId: string, dependsOn: readonly string[]): string[] {
  const ids = [...new Set(dependsOn.map((d) => d.trim()).filter(Boolean))];
  const malformed = ids.filter((d) => !/^T\d+$/.test(d));
  if (malformed.length) {
    throw new FederationError('invalid-input', `Dependencies are task ids like T12; got ${malformed.join(', ')}.`, { field: 'dependsOn', invalid: malformed });
  }
  if (ids.includes(taskId)) {
    throw new FederationError('invalid-input', `${taskId} cannot depend on itself.`, { field: 'dependsOn', task: taskId, cycle: [taskId, taskId] });
  }
  const byId = new Map<string, Task>();
  for (const t of tasks) byId.set(t.id, t);
  const unknown = ids.filter((d) => !byId.has(d));
  if (unknown.length) {
    throw new FederationError('invalid-input', `No task ${unknown.join(', ')} in the queue to depend on.`, { field: 'dependsOn', task: taskId, unknown });
  }
  // A cycle exists when taskId is reachable from one of its new dependencies along the existing edges.
  for (const start of ids) {
    const path = pathTo(byId, start, taskId);
    if (path) {
      const cycle = [taskId, ...path];
      throw new FederationError('invalid-input', `${taskId} cannot depend on ${start}: that would make a cycle ${cycle.join(' → ')}.`, { field: 'dependsOn', task: taskId, cycle });
    }
  }
  return ids;
}

/** The dependency path from `from` to `to` (both included), or undefined; depth-first over dependsOn. */
function pathTo(byId: ReadonlyMap<string, Task>, from: string, to: string): string[] | undefined {
  const seen = new Set<string>();
  const parent = new Map<string, string>();
  const stack = [from];
  seen.add(from);
  while (stack.length) {
    const id = stack.pop()!;
    if (id === to) {
      const path = [id];
      for (let p = parent.get(id); p !== undefined; p = parent.get(p)) path.unshift(p);
      return path;
    }
    for (const next of byId.get(id)?.dependsOn ?? []) {
      if (seen.has(next)) continue;
      seen.add(next);
      parent.set(next, id);
      stack.push(next);
    }
  }
  return undefined;
}
