import * as vscode from 'vscode';
import { noArgs } from './args';
import { defineCommand } from './registry';

export const initialize = defineCommand({
  id: 'agentFederation.initialize',
  needs: ['fed'],
  args: noArgs,
  async run(s) {
    const created = await s.fed.init();
    s.log.info(`initialized ${s.fed.root}: ${created.join(', ') || 'nothing to create'}`);
    const pick = await vscode.window.showInformationMessage(
      created.length ? `Federation initialized in .federation/ (${created.length} files and folders created).` : 'The federation in .federation/ is already complete.',
      'Register Persona',
    );
    if (pick) await vscode.commands.executeCommand('agentFederation.registerPersona');
    return created;
  },
});
