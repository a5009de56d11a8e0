import * as vscode from 'vscode';
import { taskTarget } from './common';
import { taskIdOf } from './args';
import { defineCommand } from './registry';

/** From a Task Queue node, or args from tests/scripts: { taskId, persona?, note? }. */
export const completeTask = defineCommand({
  id: 'agentFederation.completeTask',
  needs: ['fed', 'state', 'persona'],
  args: (a) => ({ taskId: taskIdOf(a), persona: a.options()?.string('persona'), note: a.options()?.string('note') }),
  async run(s, given) {
    const t = await taskTarget(s, given, ['claimed', 'in_progress'], 'complete');
    if (!t) return undefined;
    const task = await s.fed.completeTask(t.taskId, t.persona, given.note);
    void vscode.window.showInformationMessage(`${task.id} done: ${task.title}`);
    return task;
  },
});
