import * as path from 'node:path';
import * as vscode from 'vscode';
import { operatorLevel } from '../../settings';
import { defineCommand } from '../../commands/registry';
import { briefsOf, pickBriefs } from '../context';

/**
 * Writes a Docker Compose file for the briefs, with the same hardening and the same packages as a deployment.
 * Args from tests/scripts: { briefs, out? }.
 */
export const exportCompose = defineCommand({
  id: 'agentFederation.agents.exportCompose',
  needs: ['agents'],
  args: (a) => ({ briefs: briefsOf(a), out: a.options()?.string('out') }),
  async run({ agents: ctx }, given) {
    const briefs = await pickBriefs(given.briefs, 'Export mission briefs to Docker Compose');
    if (!briefs) return undefined;
    let out = given.out;
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
});
