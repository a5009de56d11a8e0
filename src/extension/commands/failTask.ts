import * as vscode from 'vscode';
import { CommandDef, argField, taskTarget } from './common';

export const failTask: CommandDef = {
  id: 'agentFederation.failTask',
  async run(s, arg) {
    const t = await taskTarget(s, arg, ['claimed', 'in_progress'], 'fail');
    if (!t) return undefined;
    const reason =
      argField(arg, 'reason') ??
      (await vscode.window.showInputBox({ prompt: `Why did ${t.taskId} fail?`, validateInput: (v) => (v.trim() ? undefined : 'Give a reason') }));
    if (!reason) return undefined;
    return s.fed.failTask(t.taskId, t.persona, reason);
  },
};
