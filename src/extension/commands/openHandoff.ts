import * as vscode from 'vscode';
import { defineCommand } from './registry';

/** The handoff document of a Task Queue node, or of { handoffDocument } / { document } (dashboard, notifications). */
export const openHandoff = defineCommand({
  id: 'agentFederation.openHandoff',
  needs: ['fed'],
  args: (a) => a.node('task')?.handoffDocument ?? a.text ?? a.options()?.string('handoffDocument') ?? a.options()?.string('document'),
  async run(s, doc) {
    if (!doc) return undefined;
    return vscode.window.showTextDocument(vscode.Uri.file(s.fed.store.pathOf(doc)));
  },
});
