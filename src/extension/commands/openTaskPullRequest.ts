import * as vscode from 'vscode';
import { isFederationError } from '../../core/errors';
import { taskIdOf } from './args';
import { pickTask, tasks } from './common';
import { githubOptions, githubSession } from './githubSession';
import { defineCommand } from './registry';

/**
 * Open Pull Request on a done task: pushes its branch to the remote (origin) and opens a GitHub pull request into
 * its base, with the same sign-in and agentFederation.github.* settings as the runs on GitHub (`task merge --pr`
 * in the CLI). The worktree stays for the review's changes; run it again after them to push them (the open pull
 * request is found again). At the end it offers the pull request in the browser.
 *
 * Args from tests and scripts: { taskId, remote?, draft?, repository?, token? } (token: see githubSession).
 */
export const openTaskPullRequest = defineCommand({
  id: 'agentFederation.openTaskPullRequest',
  needs: ['fed', 'state', 'persona', 'worktrees'],
  // git push runs the repository's pre-push hook, which is workspace code.
  trust: "Pushing a task's branch (git runs the repository's hooks)",
  args: (a) => ({ taskId: taskIdOf(a), remote: a.options()?.string('remote'), draft: a.options()?.boolean('draft'), ...githubOptions(a.options()), confirm: a.fromUi }),
  async run(s, given) {
    const taskId = given.taskId ?? (await pickTask(s, ['done'], 'Task to open a pull request for'));
    if (!taskId) return undefined;
    const remote = given.remote ?? 'origin';
    const { api, owner, repo } = await githubSession(s, given, remote);
    if (given.confirm) {
      const wt = (await tasks(s)).find((t) => t.id === taskId)?.worktree;
      const what = wt ? `${wt.branch} into ${wt.base}` : `${taskId}'s branch`;
      const go = await vscode.window.showInformationMessage(`Push ${taskId}'s branch to ${remote} and open a pull request on ${owner}/${repo}?`, { modal: true, detail: `A pull request from ${what}. The worktree stays for review changes.` }, 'Open Pull Request');
      if (!go) return undefined;
    }
    const { GithubPulls } = require('../../core/matrix/githubPulls') as typeof import('../../core/matrix/githubPulls');
    const service = s.worktrees;
    let result: Awaited<ReturnType<typeof service.openPullRequest>>;
    try {
      result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Pull request for ${taskId}`, cancellable: true }, (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return service.openPullRequest(taskId, {
          by: s.persona.id ?? 'editor',
          github: new GithubPulls(api),
          remote,
          draft: given.draft ?? false,
          signal: abort.signal,
          onStep: (_step, message) => progress.report({ message: `${message}…` }),
        });
      });
    } catch (e) {
      if (!isFederationError(e, 'cancelled')) throw e;
      void vscode.window.showInformationMessage(`Stopped opening the pull request for ${taskId}.`);
      return { cancelled: true };
    }
    const { pullRequest: pr, push } = result;
    s.log.info(`${taskId}: pull request #${pr.number} ${pr.url} (${push.branch} ${push.result} on ${push.remote})`);
    const text = pr.existing
      ? `${taskId} already has pull request #${pr.number}${push.result === 'updated' ? '; its new commits are pushed' : ''}.`
      : `Opened ${pr.draft ? 'draft ' : ''}pull request #${pr.number} for ${taskId}.`;
    void vscode.window.showInformationMessage(text, 'Open in Browser').then((pick) => {
      if (pick) void vscode.env.openExternal(vscode.Uri.parse(pr.url));
    });
    return result;
  },
});
