import * as path from 'path';
import * as vscode from 'vscode';
import { matrix } from '../lazy';
import { FederationError } from '../../core/errors';
import { CommandDef, isFromUi } from './common';

/** Writes .github/workflows/multi-agent-deploy.yml from the matrix config; asks before replacing an existing one. */
export const generateWorkflow: CommandDef = {
  id: 'agentFederation.generateWorkflow',
  async run(s, arg) {
    const { WORKFLOW_FILE, generateWorkflow: render, loadMatrixConfig, planMatrix } = matrix();
    const loaded = await loadMatrixConfig(s.fed.root);
    if (!loaded.config) throw new FederationError('invalid-input', `${loaded.shownAs} has errors; fix them first (see Problems).`, { file: loaded.file });
    const configFile = path.relative(s.fed.root, loaded.file).split(path.sep).join('/');
    const yaml = render(planMatrix(loaded.config, { configFile }), { configFile });
    const target = vscode.Uri.joinPath(vscode.Uri.file(s.fed.root), WORKFLOW_FILE);
    let exists = false;
    try {
      await vscode.workspace.fs.stat(target);
      exists = true;
    } catch {
      /* new file */
    }
    if (exists && isFromUi(arg)) {
      const ok = await vscode.window.showWarningMessage(`${WORKFLOW_FILE} exists. Replace it?`, { modal: true }, 'Replace');
      if (!ok) return undefined;
    }
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(yaml));
    if (isFromUi(arg)) await vscode.window.showTextDocument(target);
    return target.fsPath;
  },
};
