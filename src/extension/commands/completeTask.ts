import * as vscode from 'vscode';
import { CommandDef, argField, taskTarget } from './common';

export const completeTask: CommandDef = {
  id: 'agentFederation.completeTask',
  async run(s, arg) {
    const t = await taskTarget(s, arg, ['claimed', 'in_progress'], 'complete');
    if (!t) return undefined;
    const task = await s.fed.completeTask(t.taskId, t.persona, argField(arg, 'note'));
    void vscode.window.showInformationMessage(`${task.id} done: ${task.title}`);
    return task;
  },
};
