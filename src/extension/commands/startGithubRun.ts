import * as vscode from 'vscode';
import { followInNotification, githubOptions, githubSession } from './githubSession';
import { defineCommand } from './registry';

/**
 * Start Run on GitHub: dispatches .github/workflows/multi-agent-deploy.yml on the current branch (or the
 * agentFederation.github.ref setting), follows the run's jobs in the Runs view, and at the end saves the report
 * artifact as a run of this workspace and offers its report panel.
 *
 * Args from tests and scripts: { ref?, repository?, pollSeconds?, token? } (token: see githubSession).
 */
export const startGithubRun = defineCommand({
  id: 'agentFederation.startGithubRun',
  needs: ['fed', 'runs'],
  trust: 'Starting a matrix run on GitHub',
  args: (a) => ({ ref: a.options()?.string('ref'), ...githubOptions(a.options()), confirm: a.fromUi }),
  async run(s, given) {
    const runs = s.runs;
    const { api, owner, repo, baseUrl, isGithubCom } = await githubSession(s, given);
    const { currentBranch } = require('../../core/matrix/githubRemote') as typeof import('../../core/matrix/githubRemote');
    const ref =
      given.ref ||
      vscode.workspace.getConfiguration('agentFederation').get<string>('github.ref', '').trim() ||
      (await currentBranch(s.ports.fs, s.fed.root)) ||
      (await api.defaultBranch());
    if (given.confirm) {
      const go = await vscode.window.showInformationMessage(`Run the matrix workflow on GitHub: ${owner}/${repo} at ${ref}?`, { modal: true, detail: `Dispatches .github/workflows/multi-agent-deploy.yml (it must be pushed) through ${baseUrl}.` }, 'Start Run');
      if (!go) return undefined;
    }
    void vscode.commands.executeCommand('agentFederation.runs.focus');
    const { pollSeconds } = given;
    return followInNotification(s, `GitHub run on ${owner}/${repo}@${ref}`, (signal, onEvent) =>
      runs.startGithub({ api, ref, signal, returnRunDetails: isGithubCom, onEvent, ...(pollSeconds ? { pollMs: pollSeconds * 1000 } : {}) }),
    );
  },
});
