import * as path from 'path';
import * as vscode from 'vscode';
import { defineCommand } from './registry';

/** The log of a Runs view task, or of { log } (absolute or relative to the folder). */
export const openTaskLog = defineCommand({
  id: 'agentFederation.openTaskLog',
  needs: ['fed'],
  args: (a) => a.node('unit')?.log ?? a.text ?? a.options()?.string('log'),
  async run(s, log) {
    if (!log) return undefined;
    return vscode.window.showTextDocument(vscode.Uri.file(path.isAbsolute(log) ? log : path.join(s.fed.root, log)), { preview: true });
  },
});
