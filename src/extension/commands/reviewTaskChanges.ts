import * as vscode from 'vscode';
import { taskIdOf } from './args';
import { defineCommand } from './registry';
import { changeTriple } from '../worktrees/gitContent';
import { plural, worktreeTask } from './worktrees';

/**
 * The task's worktree against the commit its branch left the base at, in the editor's multi-file diff (the changes
 * editor): committed and uncommitted changes and new files alike, which is what Accept (Merge) would bring in once
 * committed. From a Task Queue node, or args from tests/scripts: { taskId }.
 */
export const reviewTaskChanges = defineCommand({
  id: 'agentFederation.reviewTaskChanges',
  needs: ['worktrees', 'state'],
  trust: "Reviewing a task's changes (it runs git in the task's worktree)",
  args: (a) => ({ taskId: taskIdOf(a) }),
  async run(s, given) {
    const target = await worktreeTask(s, given.taskId, () => true, 'Task whose changes to review');
    if (!target) return undefined;
    const { mergeBase, files, worktree } = await s.worktrees.changes(target.id);
    const title = `${target.id}${target.task ? `: ${target.task.title}` : ''} (${worktree.branch} against ${worktree.base})`;
    if (files.length === 0) {
      void vscode.window.showInformationMessage(`${target.id}'s worktree has no changes against ${worktree.base}.`);
      return { title, mergeBase, files, resources: [] };
    }
    const resources = files.map((f) => changeTriple(worktree.path, mergeBase, f));
    await vscode.commands.executeCommand('vscode.changes', title, resources);
    s.log.info(`reviewing ${target.id}: ${plural(files.length, 'changed file')} of ${worktree.branch} against ${mergeBase.slice(0, 12)}`);
    return { title, mergeBase, files, resources };
  },
});
