import * as vscode from 'vscode';
import { CommandDef, isFromUi, isPlainArgs, requireTrust } from './common';
import { followInNotification, githubSession } from './githubSession';

/**
 * Start Run on GitHub: dispatches .github/workflows/multi-agent-deploy.yml on the current branch (or the
 * agentFederation.github.ref setting), follows the run's jobs in the Runs view, and at the end saves the report
 * artifact as a run of this workspace and offers its report panel.
 *
 * Args from tests and scripts: { ref?, repository?, pollSeconds?, token? } (token: see githubSession).
 */
export const startGithubRun: CommandDef = {
  id: 'agentFederation.startGithubRun',
  async run(s, arg) {
    requireTrust('Starting a matrix run on GitHub');
    if (!s.runs) return undefined;
    const runs = s.runs;
    const opts = isPlainArgs(arg) ? arg : {};
    const { api, owner, repo, baseUrl, isGithubCom } = await githubSession(s, opts);
    const { currentBranch } = require('../../core/matrix/githubRemote') as typeof import('../../core/matrix/githubRemote');
    const ref =
      (typeof opts['ref'] === 'string' && opts['ref']) ||
      vscode.workspace.getConfiguration('agentFederation').get<string>('github.ref', '').trim() ||
      (await currentBranch(s.fed.root)) ||
      (await api.defaultBranch());
    if (isFromUi(arg)) {
      const go = await vscode.window.showInformationMessage(`Run the matrix workflow on GitHub: ${owner}/${repo} at ${ref}?`, { modal: true, detail: `Dispatches .github/workflows/multi-agent-deploy.yml (it must be pushed) through ${baseUrl}.` }, 'Start Run');
      if (!go) return undefined;
    }
    void vscode.commands.executeCommand('agentFederation.runs.focus');
    const pollSeconds = typeof opts['pollSeconds'] === 'number' ? opts['pollSeconds'] : undefined;
    return followInNotification(s, `GitHub run on ${owner}/${repo}@${ref}`, (signal, onEvent) =>
      runs.startGithub({ api, ref, signal, returnRunDetails: isGithubCom, onEvent, ...(pollSeconds ? { pollMs: pollSeconds * 1000 } : {}) }),
    );
  },
};
