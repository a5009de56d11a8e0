import * as vscode from 'vscode';
import { CommandDef, actingPersona, argField, personaFromArg, pickTask } from './common';

/** Claims the task under the cursor (Task Queue context menu), with the same skill and calendar rules as Claim Next. */
export const claimTask: CommandDef = {
  id: 'agentFederation.claimTask',
  async run(s, arg) {
    const persona = await actingPersona(s, personaFromArg(arg));
    if (!persona) return undefined;
    const taskId = argField(arg, 'taskId') ?? (await pickTask(s, ['queued'], 'Task to claim'));
    if (!taskId) return undefined;
    const task = await s.fed.claimTask(taskId, persona);
    void vscode.window.showInformationMessage(`${persona} claimed ${task.id}: ${task.title}`);
    return task;
  },
};
