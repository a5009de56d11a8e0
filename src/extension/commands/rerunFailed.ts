import * as vscode from 'vscode';
import { matrix } from '../lazy';
import { CommandDef, argField, requireTrust } from './common';

/** Runs again the tasks that failed (or timed out, or were cancelled) in a run: the latest one by default. */
export const rerunFailed: CommandDef = {
  id: 'agentFederation.rerunFailed',
  async run(s, arg) {
    // Checked here too, not only by Run Matrix: nothing of the run is read for a command that may not run.
    requireTrust('Rerunning failed tasks');
    const { tasks } = await matrix().readRun(s.fed.root, argField(arg, 'runId'));
    const failed = [...new Set(tasks.filter((t) => t.status === 'failed' || t.status === 'timed_out' || t.status === 'cancelled').map((t) => t.task))];
    if (failed.length === 0) {
      void vscode.window.showInformationMessage('Nothing failed in that run.');
      return undefined;
    }
    return vscode.commands.executeCommand('agentFederation.runMatrix', { only: failed });
  },
};
