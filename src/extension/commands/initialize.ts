import * as vscode from 'vscode';
import { CommandDef } from './common';

export const initialize: CommandDef = {
  id: 'agentFederation.initialize',
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
};
