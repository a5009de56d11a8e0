import * as path from 'path';
import * as vscode from 'vscode';
import { packages } from '../lazy';
import { operatorLevel } from '../settings';
import { CommandDef, actingPersona, personaFromArg, requireTrust } from './common';

/** A terminal whose environment names the persona, for an agent CLI playing that persona. */
export const openPersonaTerminal: CommandDef = {
  id: 'agentFederation.openPersonaTerminal',
  async run(s, arg) {
    requireTrust('Opening a persona terminal');
    const persona = await actingPersona(s, personaFromArg(arg));
    if (!persona) return undefined;
    // The terminal's agent gets the persona's scope (skills, tasks, handoffs) as a bootstrap package, nothing above C1.
    const { buildPackage, writePackage } = packages();
    const pkg = await buildPackage({ consumer: 'parallel-terminal', persona, operatorLevel: operatorLevel(), root: s.fed.root });
    const dir = s.fed.store.pathOf(`packages/${persona}`);
    await writePackage(pkg, dir);
    const bootstrap = path.join(dir, 'BOOTSTRAP.md');
    const terminal = vscode.window.createTerminal({
      name: `Persona: ${persona}`,
      cwd: s.fed.root,
      iconPath: new vscode.ThemeIcon('account'),
      env: { FEDERATION_PERSONA: persona, FEDERATION_ROOT: s.fed.root, FEDERATION_BOOTSTRAP: bootstrap },
      message: `Persona ${persona}: bootstrap package at ${bootstrap} (${pkg.manifest.included.length} files included, ${pkg.manifest.excluded.length} left out).`,
    });
    terminal.show();
    s.log.info(`opened a terminal for ${persona}`);
    return { terminal, bootstrap, manifest: pkg.manifest };
  },
};
