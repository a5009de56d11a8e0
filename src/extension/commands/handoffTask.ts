import * as vscode from 'vscode';
import { CommandDef, actingPersona, argField, isFromUi, pickPersona, pickTask } from './common';

/** Writes a handoff document from the template and opens it so the sender can fill in context and next steps. */
export const handoffTask: CommandDef = {
  id: 'agentFederation.handoffTask',
  async run(s, arg) {
    const from = await actingPersona(s, argField(arg, 'from', 'persona'));
    if (!from) return undefined;
    // Only the task's holder hands it off (the core refuses anyone else with not-assignee).
    const taskId = argField(arg, 'taskId') ?? (await pickTask(s, ['claimed', 'in_progress'], 'Task to hand off', from));
    if (!taskId) return undefined;
    const to = argField(arg, 'to') ?? (await pickPersona(s, `Hand ${taskId} off to …`, from));
    if (!to) return undefined;
    const context = argField(arg, 'context') ?? (await vscode.window.showInputBox({ prompt: 'Context for the receiver (you can edit the document afterwards)' })) ?? '';
    const result = await s.fed.handoff(taskId, { from, to, context });
    if (isFromUi(arg)) {
      await vscode.window.showTextDocument(vscode.Uri.file(s.fed.store.pathOf(result.document)));
    }
    return result;
  },
};
