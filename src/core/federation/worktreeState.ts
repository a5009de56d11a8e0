// What the federation records when a task's worktree is merged, removed or discarded (the git side is
// core/worktrees/). The task keeps its worktree record, with mergedAt or removedAt, as history; a done task whose
// worktree is not merged is awaiting review and blocks its dependents (dependencies.ts).
import { FederationError } from '../errors';
import { FederationContext, editTask } from './context';
import { Task, TaskWorktree } from './state/schemas';
import { record, transition } from './taskTransitions';

/** The task's worktree while it exists (not merged, not removed); a not-found error otherwise. */
export function liveWorktree(task: Task): TaskWorktree {
  const wt = task.worktree;
  if (!wt || wt.mergedAt || wt.removedAt) {
    const why = !wt ? 'has no worktree' : wt.mergedAt ? `was merged at ${wt.mergedAt}` : `had its worktree removed at ${wt.removedAt}`;
    throw new FederationError('not-found', `${task.id} ${why}.`, { task: task.id });
  }
  return wt;
}

function update(ctx: FederationContext, taskId: string, branch: string, change: (task: Task, wt: TaskWorktree, at: string) => void): Promise<Task> {
  return ctx.store.transaction(async (tx) => {
    const queue = await tx.get('queue');
    const task = editTask(queue.tasks, taskId);
    const wt = liveWorktree(task);
    // The branch decides: a record replaced meanwhile (a new claim made a new worktree) is not this change's.
    if (wt.branch !== branch) throw new FederationError('invalid-transition', `${taskId}'s worktree changed meanwhile (now ${wt.branch}).`, { task: taskId });
    const at = ctx.clock.now().toISOString();
    change(task, wt, at);
    task.updatedAt = at;
    tx.set('queue', queue);
    return task;
  });
}

export function recordMerged(ctx: FederationContext, taskId: string, branch: string, merge: { commit: string; by: string; note: string }): Promise<Task> {
  return update(ctx, taskId, branch, (task, wt, at) => {
    wt.mergedAt = at;
    wt.mergeCommit = merge.commit;
    record(task, merge.by, 'merged', task.status, at, merge.note);
  });
}

export function recordPullRequest(ctx: FederationContext, taskId: string, branch: string, pr: { url: string; number: number; by: string }): Promise<Task> {
  return update(ctx, taskId, branch, (task, wt, at) => {
    wt.pullRequest = { url: pr.url, number: pr.number };
    record(task, pr.by, 'worktree', task.status, at, `pull request #${pr.number} ${pr.url}`);
  });
}

/**
 * The worktree and branch are gone without a merge. A done task whose changes were thrown away is no longer done:
 * it fails ("discarded in review"), which keeps its dependents blocked until it is requeued (fail closed).
 */
export function recordRemoved(ctx: FederationContext, taskId: string, branch: string, removal: { by: string; discardedWork: boolean; note?: string }): Promise<Task> {
  return update(ctx, taskId, branch, (task, wt, at) => {
    wt.removedAt = at;
    const note = removal.note ?? (removal.discardedWork ? `worktree and branch ${wt.branch} discarded` : `worktree and branch ${wt.branch} removed (nothing unmerged)`);
    if (task.status === 'done' && removal.discardedWork) {
      task.failureReason = `changes discarded in review by ${removal.by}`;
      transition(task, 'failed', removal.by, 'discarded', at, note);
    } else {
      // Nothing was lost: a done task with nothing to merge counts as merged, so its dependents go on.
      if (task.status === 'done') wt.mergedAt = at;
      record(task, removal.by, 'discarded', task.status, at, note);
    }
  });
}
