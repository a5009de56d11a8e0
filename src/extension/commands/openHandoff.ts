import * as vscode from 'vscode';
import { CommandDef, argField } from './common';

export const openHandoff: CommandDef = {
  id: 'agentFederation.openHandoff',
  async run(s, arg) {
    const doc = argField(arg, 'handoffDocument', 'document');
    if (!doc) return undefined;
    return vscode.window.showTextDocument(vscode.Uri.file(s.fed.store.pathOf(doc)));
  },
};
