import * as path from 'path';
import * as vscode from 'vscode';
import { CommandDef, argField } from './common';

export const openTaskLog: CommandDef = {
  id: 'agentFederation.openTaskLog',
  async run(s, arg) {
    const log = argField(arg, 'log');
    if (!log) return undefined;
    return vscode.window.showTextDocument(vscode.Uri.file(path.isAbsolute(log) ? log : path.join(s.fed.root, log)), { preview: true });
  },
};
