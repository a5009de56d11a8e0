import * as vscode from 'vscode';
import { CommandDef } from './common';

export const cancelRun: CommandDef = {
  id: 'agentFederation.cancelRun',
  async run(s) {
    const cancelled = s.runs?.cancel() ?? false;
    if (!cancelled) void vscode.window.showInformationMessage('No matrix run is in progress in this window.');
    return cancelled;
  },
};
