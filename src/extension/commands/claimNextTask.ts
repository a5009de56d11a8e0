import * as vscode from 'vscode';
import { actingPersona } from './common';
import { personaOf } from './args';
import { defineCommand } from './registry';

export const claimNextTask = defineCommand({
  id: 'agentFederation.claimNextTask',
  needs: ['fed', 'state', 'persona'],
  args: personaOf,
  async run(s, given) {
    const persona = await actingPersona(s, given);
    if (!persona) return undefined;
    const result = await s.fed.claimNext(persona);
    if (!result.task) {
      void vscode.window.showInformationMessage(result.explanation ?? 'Nothing to claim.');
      return null;
    }
    const t = result.task;
    // Not awaited: the command resolves with the task at once; the buttons still work when clicked later.
    void vscode.window
      .showInformationMessage(`${persona} claimed ${t.id}: ${t.title} (P${t.priority})`, ...(t.handoff ? ['Open Handoff'] : []), 'Start')
      .then(async (pick) => {
        if (pick === 'Start') await vscode.commands.executeCommand('agentFederation.startTask', { taskId: t.id, persona });
        if (pick === 'Open Handoff' && t.handoff) await vscode.commands.executeCommand('agentFederation.openHandoff', { document: t.handoff.document });
      });
    return t;
  },
});
