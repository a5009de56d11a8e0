import * as vscode from 'vscode';
import type { TaskWorktreeInfo } from '../../core/worktrees/service';
import { taskIdOf } from './args';
import { defineCommand } from './registry';
import { HELD, actor, plural, worktreeTask } from './worktrees';

/** The confirmation: what goes with the worktree, and what becomes of the task. */
export function discardQuestion(info: TaskWorktreeInfo): { message: string; detail: string; button: string; losesWork: boolean } {
  const { task, worktree: wt, status: st } = info;
  const lost = [st.dirtyCount ? plural(st.dirtyCount, 'uncommitted change') : '', st.ahead ? `${plural(st.ahead, 'commit')} not on ${wt.base}` : ''].filter(Boolean);
  const losesWork = lost.length > 0;
  const detail = [
    `The worktree ${wt.path} and the branch ${wt.branch} are removed.`,
    losesWork ? `Lost with them, for good: ${lost.join(' and ')}.` : `Nothing is lost: it has no uncommitted changes and no commits that ${wt.base} lacks.`,
    task.status === 'done' && losesWork ? `${task.id} is done: it fails ("changes discarded in review") and its dependents stay blocked until it is requeued and done again.` : '',
  ].filter(Boolean).join('\n\n');
  return losesWork
    ? { message: `Discard ${task.id}'s changes (${lost.join(' and ')})?`, detail, button: 'Discard', losesWork }
    : { message: `Remove ${task.id}'s worktree?`, detail, button: 'Remove', losesWork };
}

/**
 * Discard: removes a task's worktree and branch with whatever they hold, after a modal confirmation naming it (from
 * a menu or the palette). A script's call, { taskId, force?, by? }, is not asked; without force the service refuses
 * when work would be lost (unsaved-work). A task a persona holds is refused either way: its worktree is in use.
 */
export const discardTaskWorktree = defineCommand({
  id: 'agentFederation.discardTaskWorktree',
  needs: ['worktrees', 'state', 'persona'],
  trust: "Discarding a task's worktree (it runs git in the workspace's repository)",
  args: (a) => ({ taskId: taskIdOf(a), force: a.options()?.boolean('force') === true, by: a.options()?.string('by'), confirm: a.fromUi }),
  async run(s, given) {
    const target = await worktreeTask(s, given.taskId, (t) => !HELD.has(t.status), 'Task whose worktree to discard');
    if (!target) return undefined;
    let force = given.force;
    const info = given.confirm ? await s.worktrees.status(target.id) : undefined;
    // A held task is not asked about: the service refuses it, whatever the answer would be.
    if (info && !HELD.has(info.task.status)) {
      const q = discardQuestion(info);
      const answer = await vscode.window.showWarningMessage(q.message, { modal: true, detail: q.detail }, q.button);
      if (answer !== q.button) return undefined;
      // What was confirmed goes, even if the worktree changed meanwhile (an agent's last write).
      force = true;
    }
    const result = await s.worktrees.remove(target.id, { force, by: actor(s, given.by) });
    const wt = result.task.worktree!;
    void vscode.window.showInformationMessage(
      `Removed ${result.task.id}'s worktree and branch ${wt.branch}${result.discardedWork ? ', discarding its changes' : ''}.` +
        (result.task.status === 'failed' && result.discardedWork ? ` ${result.task.id} is failed now; requeue it to do it again.` : ''),
    );
    return result;
  },
});
