import * as vscode from 'vscode';
import { defineCommand } from './registry';

/** "Validate" CodeLens and palette command: validates now and says the result. */
export const validateBrief = defineCommand({
  id: 'agentFederation.validateBrief',
  needs: ['briefs'],
  args: (a) => a.uri,
  async run(s, given) {
    const uri = given ?? vscode.window.activeTextEditor?.document.uri;
    if (!uri) return undefined;
    const doc = await vscode.workspace.openTextDocument(uri);
    const diagnostics = s.briefs.validateDocument(doc);
    const errors = diagnostics.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).length;
    const warnings = diagnostics.length - errors;
    const where = vscode.workspace.asRelativePath(uri);
    if (diagnostics.length === 0) void vscode.window.showInformationMessage(`${where}: the brief is valid.`);
    else {
      void vscode.window
        .showWarningMessage(`${where}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.`, 'Show Problems')
        .then((pick) => pick && vscode.commands.executeCommand('workbench.actions.view.problems'));
    }
    return diagnostics.map((d) => ({ code: typeof d.code === 'object' ? d.code.value : d.code, message: d.message, severity: d.severity }));
  },
});
