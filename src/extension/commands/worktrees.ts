// What the task-worktree commands (Review Task Changes, Accept (Merge), Discard, Open Pull Request, the worktree
// terminal) share: which task they act on, and who is recorded as acting.
import * as vscode from 'vscode';
import { readinessOf } from '../../core/federation/dependencies';
import type { Task } from '../../core/federation/state/schemas';
import { liveWorktreeOf } from '../models/taskQueueModel';
export { plural } from '../models/taskQueueModel';
import { tasks } from './common';
import type { Services } from './registry';

/** Tasks a persona holds: their worktree must stay (Discard refuses them). */
export const HELD = new Set<Task['status']>(['claimed', 'in_progress', 'handed_off']);

export const hasWorktree = (t: Task): boolean => liveWorktreeOf(t) !== undefined;
export const awaitsReview = (t: Task): boolean => readinessOf(t) === 'awaiting_review';

/**
 * The task as given (a Task Queue node, a string, { taskId }), else asked for among the tasks with a live worktree
 * that `which` accepts. A given id not in the snapshot is passed on as it is: the service says what is wrong with it.
 */
export async function worktreeTask(s: Pick<Services, 'state'>, taskId: string | undefined, which: (t: Task) => boolean, placeHolder: string): Promise<{ id: string; task?: Task } | undefined> {
  const all = await tasks(s);
  if (taskId) {
    const task = all.find((t) => t.id === taskId);
    return task ? { id: taskId, task } : { id: taskId };
  }
  const list = all.filter((t) => hasWorktree(t) && which(t));
  if (list.length === 0) {
    void vscode.window.showInformationMessage('No task has a worktree to act on here.');
    return undefined;
  }
  const item = await vscode.window.showQuickPick(
    list.map((t) => ({ label: t.id, description: t.title, detail: `${readinessOf(t).replace(/_/g, ' ')} · ${liveWorktreeOf(t)!.branch}`, task: t })),
    { placeHolder },
  );
  return item ? { id: item.task.id, task: item.task } : undefined;
}

/** Who a merge or a discard is recorded as: as given, else this window's persona, else the editor. */
export function actor(s: Pick<Services, 'persona'>, given: string | undefined): string {
  return given ?? s.persona.id ?? 'editor';
}
