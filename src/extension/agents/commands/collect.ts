import * as vscode from 'vscode';
import { agentIdOf } from '../../commands/args';
import { defineCommand } from '../../commands/registry';
import { pickAgent } from '../context';

/** Copies an agent's output into the workspace (agent-output/<id>/) and marks it collected. */
export const collect = defineCommand({
  id: 'agentFederation.agents.collect',
  needs: ['agents'],
  args: agentIdOf,
  async run({ agents: ctx }, given) {
    const id = await pickAgent(ctx, given, 'Collect the output of which agent?');
    if (!id) return undefined;
    const result = await ctx.service().collect(id);
    const skipped = result.skipped.length ? ` Skipped ${result.skipped.length} link(s) or special file(s).` : '';
    const c = result.commits;
    const commits = c ? ` ${c.count} commit(s) brought onto ${c.branch}${c.uncommitted.length ? `; ${c.uncommitted.length} change(s) left uncommitted in the worktree` : ''}.` : '';
    void vscode.window.showInformationMessage(`Collected ${result.files.length} file(s) of ${id} to ${vscode.workspace.asRelativePath(result.to)}.${skipped}${commits}`, 'Reveal').then((pick) => {
      if (pick) void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(result.to));
    });
    return result;
  },
});
