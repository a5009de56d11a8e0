import * as vscode from 'vscode';
import { actingPersona, pickTask } from './common';
import { taskIdOf } from './args';
import { defineCommand } from './registry';

/** Claims the task under the cursor (Task Queue context menu), with the same skill and calendar rules as Claim Next. */
export const claimTask = defineCommand({
  id: 'agentFederation.claimTask',
  needs: ['fed', 'state', 'persona'],
  args: (a) => ({ taskId: taskIdOf(a), persona: a.options()?.string('persona') }),
  async run(s, given) {
    const persona = await actingPersona(s, given.persona);
    if (!persona) return undefined;
    const taskId = given.taskId ?? (await pickTask(s, ['queued'], 'Task to claim'));
    if (!taskId) return undefined;
    const task = await s.fed.claimTask(taskId, persona);
    void vscode.window.showInformationMessage(`${persona} claimed ${task.id}: ${task.title}`);
    return task;
  },
});
