import * as path from 'node:path';
import * as vscode from 'vscode';
import { operatorLevel } from '../../settings';
import { AgentCommand, pickBriefs } from '../context';

/** Writes a Docker Compose file for the briefs, with the same hardening and the same packages as a deployment. */
export const exportCompose: AgentCommand = {
  id: 'agentFederation.agents.exportCompose',
  async run(ctx, arg, arg2) {
    const plain = arg && typeof arg === 'object' && !(arg instanceof vscode.Uri) && !Array.isArray(arg) ? (arg as { briefs?: string[]; out?: string }) : undefined;
    const briefs = plain?.briefs ?? (await pickBriefs(arg, arg2, 'Export mission briefs to Docker Compose'));
    if (!briefs) return undefined;
    let out = plain?.out;
    if (!out) {
      const target = await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.file(path.join(ctx.deps.root, 'compose.agents.yaml')),
        filters: { 'Compose file': ['yaml', 'yml'] },
        title: 'Export to Docker Compose',
      });
      if (!target) return undefined;
      out = target.fsPath;
    }
    const result = await ctx.service().compose(briefs, { out, operatorLevel: operatorLevel() });
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(result.file));
    await vscode.window.showTextDocument(doc, { preview: false });
    return result;
  },
};
