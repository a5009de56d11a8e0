import * as path from 'path';
import * as vscode from 'vscode';
import { packages } from '../lazy';
import { operatorLevel } from '../settings';
import { actingPersona } from './common';
import { personaOf } from './args';
import { defineCommand } from './registry';

/** A terminal whose environment names the persona, for an agent CLI playing that persona. */
export const openPersonaTerminal = defineCommand({
  id: 'agentFederation.openPersonaTerminal',
  needs: ['fed', 'state', 'persona'],
  trust: 'Opening a persona terminal',
  args: personaOf,
  async run(s, given) {
    const persona = await actingPersona(s, given);
    if (!persona) return undefined;
    // The terminal's agent gets the persona's scope (skills, tasks, handoffs) as a bootstrap package, nothing above C1.
    const { buildPackage, writePackage } = packages();
    const pkg = await buildPackage({ consumer: 'parallel-terminal', persona, operatorLevel: operatorLevel(), root: s.fed.root, disk: s.ports.fs });
    const dir = s.fed.store.pathOf(`packages/${persona}`);
    await writePackage(s.ports.fs, pkg, dir);
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
});
