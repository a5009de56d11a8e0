import * as vscode from 'vscode';
import type { RunsController } from '../matrix/runs';
import { CommandDef, argField, isPlainArgs, requireTrust } from './common';
import { followInNotification, githubSession } from './githubSession';

/** Runs on GitHub this window is not following that have no report yet: started before a reload, elsewhere, or left. */
async function unfollowed(runs: RunsController): Promise<string[]> {
  const data = await runs.snapshot();
  return data.runs.filter((r) => r.runId.startsWith('gh-') && r.status === 'incomplete' && !data.details.get(r.runId)?.live).map((r) => r.runId);
}

/**
 * Follow Run on GitHub: takes up a run on GitHub that has no report here yet (this window was reloaded while it
 * followed it, or another window or the CLI started it), follows its jobs in the Runs view and saves its report
 * at the end, as Start Run on GitHub does after dispatching. From a Runs view item, the palette (a pick of such
 * runs) or scripts: { runId, repository?, pollSeconds?, token? }.
 */
export const followGithubRun: CommandDef = {
  id: 'agentFederation.followGithubRun',
  async run(s, arg) {
    requireTrust('Following a matrix run on GitHub');
    if (!s.runs) return undefined;
    const runs = s.runs;
    let runId = argField(arg, 'runId');
    if (runId === undefined) {
      const candidates = await unfollowed(runs);
      if (candidates.length === 0) {
        void vscode.window.showInformationMessage('No run on GitHub is waiting for its report here. Start one with "Start Run on GitHub".');
        return undefined;
      }
      const pick = await vscode.window.showQuickPick(candidates, { title: 'Follow Run on GitHub', placeHolder: 'A run without its report yet' });
      if (!pick) return undefined;
      runId = pick;
    }
    const opts = isPlainArgs(arg) ? arg : {};
    const { api, owner, repo } = await githubSession(s, opts);
    void vscode.commands.executeCommand('agentFederation.runs.focus');
    const pollSeconds = typeof opts['pollSeconds'] === 'number' ? opts['pollSeconds'] : undefined;
    const id = runId;
    return followInNotification(s, `GitHub run ${id} on ${owner}/${repo}`, (signal, onEvent) =>
      runs.followGithub({ api, runId: id, signal, onEvent, ...(pollSeconds ? { pollMs: pollSeconds * 1000 } : {}) }),
    );
  },
};
