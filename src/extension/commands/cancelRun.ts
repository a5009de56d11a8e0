import * as vscode from 'vscode';
import { noArgs } from './args';
import { defineCommand } from './registry';

export const cancelRun = defineCommand({
  id: 'agentFederation.cancelRun',
  needs: ['runs'],
  args: noArgs,
  async run(s) {
    const cancelled = s.runs.cancel();
    if (!cancelled) void vscode.window.showInformationMessage('No matrix run is in progress in this window.');
    return cancelled;
  },
});
