import * as vscode from 'vscode';
import { pickTask } from './common';
import { taskIdOf } from './args';
import { defineCommand } from './registry';

/** From a Task Queue node (confirmed first), or args from tests/scripts: { taskId, reason? }. */
export const cancelTask = defineCommand({
  id: 'agentFederation.cancelTask',
  needs: ['fed', 'state', 'persona'],
  args: (a) => ({ taskId: taskIdOf(a), reason: a.options()?.string('reason'), confirm: a.fromUi }),
  async run(s, given) {
    const taskId = given.taskId ?? (await pickTask(s, ['queued', 'claimed', 'in_progress', 'handed_off'], 'Task to cancel'));
    if (!taskId) return undefined;
    if (given.confirm) {
      const ok = await vscode.window.showWarningMessage(`Cancel ${taskId}? Its history is kept.`, { modal: true }, 'Cancel Task');
      if (!ok) return undefined;
    }
    return s.fed.cancelTask(taskId, s.persona.id ?? 'editor', given.reason);
  },
});
