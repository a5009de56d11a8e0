import * as vscode from 'vscode';
import { taskIdOf } from './args';
import { defineCommand } from './registry';
import { actor, awaitsReview, worktreeTask } from './worktrees';

/**
 * Accept (Merge): merges a done task's branch into its base, removes its worktree and branch, and its dependents
 * become ready. The service refuses with nothing changed when the task is not done, its worktree has uncommitted
 * changes, or the merge would conflict (merge-conflict, naming the files: the registry shows that as the error).
 * From a Task Queue node, or args from tests/scripts: { taskId, by? }.
 */
export const mergeTask = defineCommand({
  id: 'agentFederation.mergeTask',
  needs: ['worktrees', 'state', 'persona'],
  trust: "Merging a task's branch (it runs git in the workspace's repository)",
  args: (a) => ({ taskId: taskIdOf(a), by: a.options()?.string('by') }),
  async run(s, given) {
    const target = await worktreeTask(s, given.taskId, awaitsReview, 'Task whose branch to merge');
    if (!target) return undefined;
    const by = actor(s, given.by);
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Merging ${target.id}${target.task?.worktree ? ` (${target.task.worktree.branch}) into ${target.task.worktree.base}` : ''}…` },
      () => s.worktrees.merge(target.id, by),
    );
    const wt = result.task.worktree!;
    const what = result.merge.nothingToMerge
      ? `${result.task.id}'s branch had nothing to merge into ${wt.base}`
      : `Merged ${result.task.id} into ${wt.base}${result.merge.fastForward ? ' (fast-forward)' : ''} at ${result.merge.commit.slice(0, 12)}`;
    s.log.info(`${what} (by ${by}); its worktree and branch are removed${result.cleanup ? `, except: ${result.cleanup}` : ''}`);
    if (result.cleanup) void vscode.window.showWarningMessage(`${what}. ${result.cleanup}`);
    else void vscode.window.showInformationMessage(`${what}; its worktree and branch are removed.`);
    return result;
  },
});
