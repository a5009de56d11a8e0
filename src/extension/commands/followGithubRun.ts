import * as vscode from 'vscode';
import { FederationError } from '../../core/errors';
import { parseGithubRunId } from '../../core/matrix/githubRunId';
import type { RunsController } from '../matrix/runs';
import { runIdOf } from './args';
import { followInNotification, githubOptions, githubSession } from './githubSession';
import { defineCommand } from './registry';

/**
 * GitHub runs this window can take up: without their report here (started before a reload, elsewhere, or left),
 * then failed or cancelled ones (re-run on GitHub, following takes up the new attempt).
 */
async function followable(runs: RunsController): Promise<vscode.QuickPickItem[]> {
  const data = await runs.snapshot();
  const gh = data.runs.filter((r) => parseGithubRunId(r.runId) && !data.details.get(r.runId)?.live);
  return [
    ...gh.filter((r) => r.status === 'incomplete').map((r) => ({ label: r.runId, description: 'no report yet' })),
    ...gh.filter((r) => r.status === 'failed' || r.status === 'cancelled').map((r) => ({ label: r.runId, description: `${r.status}: takes up its re-run on GitHub` })),
  ];
}

/**
 * Follow Run on GitHub: takes up a run on GitHub that has no report here yet (this window was reloaded while it
 * followed it, or another window or the CLI started it) or a failed one re-run on GitHub since (its newest
 * attempt), follows its jobs in the Runs view and saves its report at the end, as Start Run on GitHub does after
 * dispatching. From a Runs view item, the palette (a pick of such runs) or scripts: { runId, repository?,
 * pollSeconds?, token? }.
 */
export const followGithubRun = defineCommand({
  id: 'agentFederation.followGithubRun',
  needs: ['fed', 'runs'],
  trust: 'Following a matrix run on GitHub',
  args: (a) => ({ runId: runIdOf(a), ...githubOptions(a.options()) }),
  async run(s, given) {
    const runs = s.runs;
    let runId = given.runId;
    if (runId === undefined) {
      const candidates = await followable(runs);
      if (candidates.length === 0) {
        void vscode.window.showInformationMessage('No run on GitHub is waiting for its report here. Start one with "Start Run on GitHub".');
        return undefined;
      }
      const pick = await vscode.window.showQuickPick(candidates, { title: 'Follow Run on GitHub', placeHolder: 'A run on GitHub to follow to its report' });
      if (!pick) return undefined;
      runId = pick.label;
    }
    // Checked before anything is asked of GitHub or of the sign-in.
    if (!parseGithubRunId(runId)) throw new FederationError('invalid-input', `"${runId}" is not a run on GitHub (gh-<run id>-<attempt>); Follow Run on GitHub takes up only those`, { runId });
    const { api, owner, repo } = await githubSession(s, given);
    void vscode.commands.executeCommand('agentFederation.runs.focus');
    const { pollSeconds } = given;
    const id = runId;
    return followInNotification(s, `GitHub run ${id} on ${owner}/${repo}`, (signal, onEvent) =>
      runs.followGithub({ api, runId: id, signal, onEvent, ...(pollSeconds ? { pollMs: pollSeconds * 1000 } : {}) }),
    );
  },
});
