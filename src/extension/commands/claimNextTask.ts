import * as vscode from 'vscode';
import { CommandDef, actingPersona, personaFromArg } from './common';

export const claimNextTask: CommandDef = {
  id: 'agentFederation.claimNextTask',
  async run(s, arg) {
    const persona = await actingPersona(s, personaFromArg(arg));
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
};
