import * as vscode from 'vscode';
import { CommandDef, argField, isFromUi, pickTask } from './common';

export const cancelTask: CommandDef = {
  id: 'agentFederation.cancelTask',
  async run(s, arg) {
    const taskId = argField(arg, 'taskId') ?? (await pickTask(s, ['queued', 'claimed', 'in_progress', 'handed_off'], 'Task to cancel'));
    if (!taskId) return undefined;
    if (isFromUi(arg)) {
      const ok = await vscode.window.showWarningMessage(`Cancel ${taskId}? Its history is kept.`, { modal: true }, 'Cancel Task');
      if (!ok) return undefined;
    }
    return s.fed.cancelTask(taskId, s.persona.id ?? 'editor', argField(arg, 'reason'));
  },
};
