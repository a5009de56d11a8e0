import * as vscode from 'vscode';
import { matrix } from '../lazy';
import { runIdOf } from './args';
import { defineCommand } from './registry';

/** Runs again the tasks that failed (or timed out, or were cancelled) in a run: the latest one by default. */
export const rerunFailed = defineCommand({
  id: 'agentFederation.rerunFailed',
  needs: ['fed'],
  // Checked here too, not only by Run Matrix: nothing of the run is read for a command that may not run.
  trust: 'Rerunning failed tasks',
  args: runIdOf,
  async run(s, runId) {
    const { tasks } = await matrix().readRun(s.ports.fs, s.fed.root, runId);
    const failed = [...new Set(tasks.filter((t) => t.status === 'failed' || t.status === 'timed_out' || t.status === 'cancelled').map((t) => t.task))];
    if (failed.length === 0) {
      void vscode.window.showInformationMessage('Nothing failed in that run.');
      return undefined;
    }
    return vscode.commands.executeCommand('agentFederation.runMatrix', { only: failed });
  },
});
