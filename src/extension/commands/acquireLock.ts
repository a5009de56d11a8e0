import * as vscode from 'vscode';
import { RESOURCE_PATTERN } from '../../core/federation';
import { actingPersona } from './common';
import { defineCommand } from './registry';

/** Args from tests/scripts: { resource, persona?, task? }; otherwise asks. */
export const acquireLock = defineCommand({
  id: 'agentFederation.acquireLock',
  needs: ['fed', 'state', 'persona'],
  args: (a) => {
    const o = a.options();
    return { persona: o?.string('persona'), resource: a.text ?? o?.string('resource'), task: o?.string('task') };
  },
  async run(s, given) {
    const persona = await actingPersona(s, given.persona);
    if (!persona) return undefined;
    const resource =
      given.resource ??
      (await vscode.window.showInputBox({
        prompt: `Resource for ${persona} to lock (e.g. database, deploy, docs-index)`,
        validateInput: (v) => (RESOURCE_PATTERN.test(v) ? undefined : 'Letters, digits, . _ - (at most 100)'),
      }));
    if (!resource) return undefined;
    const result = await s.fed.acquireLock(resource, persona, given.task ? { task: given.task } : {});
    void vscode.window.showInformationMessage(
      `${persona} holds ${resource} until ${new Date(result.lock.expiresAt).toLocaleTimeString()}${result.recovered ? ` (taken over from ${result.recovered.holder}: expired)` : ''}.`,
    );
    return result.lock;
  },
});
