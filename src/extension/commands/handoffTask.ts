import * as vscode from 'vscode';
import { actingPersona, pickPersona, pickTask } from './common';
import { taskIdOf } from './args';
import { defineCommand } from './registry';

/** Writes a handoff document from the template and opens it so the sender can fill in context and next steps. */
export const handoffTask = defineCommand({
  id: 'agentFederation.handoffTask',
  needs: ['fed', 'state', 'persona'],
  // Args from tests/scripts: { taskId, from? (or persona), to, context? }.
  args: (a) => {
    const o = a.options();
    return { taskId: taskIdOf(a), from: o?.string('from') || o?.string('persona'), to: o?.string('to'), context: o?.string('context'), open: a.fromUi };
  },
  async run(s, given) {
    const from = await actingPersona(s, given.from);
    if (!from) return undefined;
    // Only the task's holder hands it off (the core refuses anyone else with not-assignee).
    const taskId = given.taskId ?? (await pickTask(s, ['claimed', 'in_progress'], 'Task to hand off', from));
    if (!taskId) return undefined;
    const to = given.to ?? (await pickPersona(s, `Hand ${taskId} off to …`, from));
    if (!to) return undefined;
    const context = given.context ?? (await vscode.window.showInputBox({ prompt: 'Context for the receiver (you can edit the document afterwards)' })) ?? '';
    const result = await s.fed.handoff(taskId, { from, to, context });
    if (given.open) {
      await vscode.window.showTextDocument(vscode.Uri.file(s.fed.store.pathOf(result.document)));
    }
    return result;
  },
});
