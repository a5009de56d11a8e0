import * as vscode from 'vscode';
import { valueOr } from '../../core/federation/snapshot';
import { actingPersona } from './common';
import { defineCommand } from './registry';

/** From a Personas lock node (confirmed when it is not ours), or args from tests/scripts: { resource, persona?, force? }. */
export const releaseLock = defineCommand({
  id: 'agentFederation.releaseLock',
  needs: ['fed', 'state', 'persona'],
  args: (a) => {
    const o = a.options();
    return { persona: o?.string('persona'), resource: a.node('lock')?.resource ?? a.text ?? o?.string('resource'), force: o?.boolean('force') === true, confirm: a.fromUi };
  },
  async run(s, given) {
    const persona = await actingPersona(s, given.persona);
    if (!persona) return undefined;
    let resource = given.resource;
    // Unreadable lock files are offered too: releasing one removes it (a copy is kept in .federation/corrupt/).
    const unreadable = () => s.state.snapshot().then((snap) => (snap.lockProblems ?? []).filter((p) => p.resource !== undefined));
    if (!resource) {
      const locks = valueOr((await s.state.snapshot()).locks, []);
      const bad = await unreadable();
      if (locks.length === 0 && bad.length === 0) {
        void vscode.window.showInformationMessage('No resource locks are held.');
        return undefined;
      }
      const items = [
        ...locks.map((l) => ({ label: l.resource, description: `${l.holder}${l.task ? ` · ${l.task}` : ''}` })),
        ...bad.map((p) => ({ label: p.resource!, description: 'unreadable lock file' })),
      ];
      resource = (await vscode.window.showQuickPick(items, { placeHolder: 'Lock to release' }))?.label;
      if (!resource) return undefined;
    }
    const holder = valueOr((await s.state.snapshot()).locks, []).find((l) => l.resource === resource)?.holder;
    let force = given.force;
    if (holder && holder !== persona && given.confirm) {
      const ok = await vscode.window.showWarningMessage(`${resource} is held by ${holder}, not ${persona}. Release it anyway?`, { modal: true }, 'Release');
      if (!ok) return undefined;
      force = true;
    } else if (!holder && !force && given.confirm && (await unreadable()).some((p) => p.resource === resource)) {
      const ok = await vscode.window.showWarningMessage(`The lock file of ${resource} cannot be read. Remove it? A copy is kept in .federation/corrupt/.`, { modal: true }, 'Remove');
      if (!ok) return undefined;
      force = true;
    }
    return s.fed.releaseLock(resource, persona, { force });
  },
});
