import * as vscode from 'vscode';
import { FederationError } from '../../core/errors';
import type { Task } from '../../core/federation/state/schemas';
import { taskIdOf } from './args';
import { defineCommand } from './registry';
import { actor, awaitsReview, worktreeTask } from './worktrees';

/** What the editor needs of the core's pull-request step (`task merge --pr`), which WorktreeService gets separately. */
interface PullRequests {
  openPullRequest?(taskId: string, by: string): Promise<{ task: Task; url?: string }>;
}

/**
 * Open Pull Request: pushes a done task's branch and opens a pull request for it instead of merging here; the task
 * records it (task.worktree.pullRequest). Until the service has that step this refuses, saying so. From a Task
 * Queue node, or args from tests/scripts: { taskId, by? }.
 */
export const openTaskPullRequest = defineCommand({
  id: 'agentFederation.openTaskPullRequest',
  needs: ['worktrees', 'state', 'persona'],
  trust: "Opening a pull request for a task's branch (it runs git in the workspace's repository)",
  args: (a) => ({ taskId: taskIdOf(a), by: a.options()?.string('by') }),
  async run(s, given) {
    const service = s.worktrees as typeof s.worktrees & PullRequests;
    if (typeof service.openPullRequest !== 'function') {
      throw new FederationError('unavailable', 'Opening a pull request for a task is not available in this version yet: use Accept (Merge), or push the branch and open the pull request yourself.', {});
    }
    const target = await worktreeTask(s, given.taskId, awaitsReview, 'Task to open a pull request for');
    if (!target) return undefined;
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Opening a pull request for ${target.id}…` }, () =>
      service.openPullRequest!(target.id, actor(s, given.by)),
    );
    const url = result.url ?? result.task.worktree?.pullRequest?.url;
    if (url) {
      void vscode.window.showInformationMessage(`Opened a pull request for ${target.id}: ${url}`, 'Open in Browser').then((pick) => {
        if (pick) void vscode.env.openExternal(vscode.Uri.parse(url));
      });
    }
    return result;
  },
});
