import * as vscode from 'vscode';
import { taskTarget } from './common';
import { taskIdOf } from './args';
import { defineCommand } from './registry';

/** From a Task Queue node, or args from tests/scripts: { taskId, persona?, reason? }; asks for what is missing. */
export const failTask = defineCommand({
  id: 'agentFederation.failTask',
  needs: ['fed', 'state', 'persona'],
  args: (a) => ({ taskId: taskIdOf(a), persona: a.options()?.string('persona'), reason: a.options()?.string('reason') }),
  async run(s, given) {
    const t = await taskTarget(s, given, ['claimed', 'in_progress'], 'fail');
    if (!t) return undefined;
    const reason =
      given.reason || (await vscode.window.showInputBox({ prompt: `Why did ${t.taskId} fail?`, validateInput: (v) => (v.trim() ? undefined : 'Give a reason') }));
    if (!reason) return undefined;
    return s.fed.failTask(t.taskId, t.persona, reason);
  },
});
