import * as vscode from 'vscode';
import { CommandDef, actingPersona, personaFromArg } from './common';

/** A terminal whose environment names the persona, for an agent CLI playing that persona. */
export const openPersonaTerminal: CommandDef = {
  id: 'agentFederation.openPersonaTerminal',
  async run(s, arg) {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Persona terminals run commands, so they are not opened in an untrusted workspace. Trust the workspace first.');
      return undefined;
    }
    const persona = await actingPersona(s, personaFromArg(arg));
    if (!persona) return undefined;
    const terminal = vscode.window.createTerminal({
      name: `Persona: ${persona}`,
      cwd: s.fed.root,
      iconPath: new vscode.ThemeIcon('account'),
      env: { FEDERATION_PERSONA: persona, FEDERATION_ROOT: s.fed.root },
    });
    terminal.show();
    s.log.info(`opened a terminal for ${persona}`);
    return terminal;
  },
};
