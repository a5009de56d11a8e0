import * as vscode from 'vscode';
import { CommandDef, actingPersona, personaFromArg, requireTrust } from './common';

/** A terminal whose environment names the persona, for an agent CLI playing that persona. */
export const openPersonaTerminal: CommandDef = {
  id: 'agentFederation.openPersonaTerminal',
  async run(s, arg) {
    requireTrust('Opening a persona terminal');
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
