import * as path from 'path';
import * as vscode from 'vscode';
import { matrixIsolation } from '../settings';
import { matrix } from '../lazy';
import { FederationError } from '../../core/errors';
import { defineCommand } from './registry';

/** Writes .github/workflows/multi-agent-deploy.yml from the matrix config; asks before replacing an existing one. */
export const generateWorkflow = defineCommand({
  id: 'agentFederation.generateWorkflow',
  needs: ['fed'],
  // From the Runs view or the palette it asks before replacing and opens the file; a script's call does neither.
  args: (a) => ({ interactive: a.fromUi }),
  async run(s, { interactive }) {
    const { WORKFLOW_FILE, generateWorkflow: render, imageFindings, loadMatrixConfig, notificationVariables, planImages, planMatrix } = matrix();
    const loaded = await loadMatrixConfig(s.ports.fs, s.fed.root);
    if (!loaded.config) throw new FederationError('invalid-input', `${loaded.shownAs} has errors; fix them first (see Problems).`, { file: loaded.file });
    const configFile = path.relative(s.fed.root, loaded.file).split(path.sep).join('/');
    const plan = planMatrix(loaded.config, { configFile });
    // With docker isolation (the user's setting), the workers run their units in containers too.
    const docker = matrixIsolation() === 'docker';
    if (docker) {
      const missing = imageFindings(loaded.text, loaded.shownAs, loaded.config, plan);
      if (missing.length) throw new FederationError('invalid-input', `${loaded.shownAs}: ${missing.length} task(s) name no image for Docker isolation (see Problems); no workflow was written.`, { file: loaded.file });
    }
    const notify = loaded.config.notifications ? { notify: { variables: notificationVariables(loaded.config.notifications) } } : {};
    const yaml = render(plan, { configFile, ...(docker ? { docker: { images: planImages(loaded.config, plan) } } : {}), ...notify });
    const target = vscode.Uri.joinPath(vscode.Uri.file(s.fed.root), WORKFLOW_FILE);
    let exists = false;
    try {
      await vscode.workspace.fs.stat(target);
      exists = true;
    } catch {
      /* new file */
    }
    if (exists && interactive) {
      const ok = await vscode.window.showWarningMessage(`${WORKFLOW_FILE} exists. Replace it?`, { modal: true }, 'Replace');
      if (!ok) return undefined;
    }
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(yaml));
    if (interactive) await vscode.window.showTextDocument(target);
    return target.fsPath;
  },
});
