import * as vscode from 'vscode';
import { RESOURCE_PATTERN } from '../../core/federation';
import { CommandDef, actingPersona, argField } from './common';

export const acquireLock: CommandDef = {
  id: 'agentFederation.acquireLock',
  async run(s, arg) {
    const persona = await actingPersona(s, argField(arg, 'persona'));
    if (!persona) return undefined;
    const resource =
      argField(arg, 'resource') ??
      (await vscode.window.showInputBox({
        prompt: `Resource for ${persona} to lock (e.g. database, deploy, docs-index)`,
        validateInput: (v) => (RESOURCE_PATTERN.test(v) ? undefined : 'Letters, digits, . _ - (at most 100)'),
      }));
    if (!resource) return undefined;
    const task = argField(arg, 'task');
    const result = await s.fed.acquireLock(resource, persona, task ? { task } : {});
    void vscode.window.showInformationMessage(
      `${persona} holds ${resource} until ${new Date(result.lock.expiresAt).toLocaleTimeString()}${result.recovered ? ` (taken over from ${result.recovered.holder}: expired)` : ''}.`,
    );
    return result.lock;
  },
};
