import * as vscode from 'vscode';
import { AgentCommand, pickAgent } from '../context';

/** Copies an agent's output into the workspace (agent-output/<id>/) and marks it collected. */
export const collect: AgentCommand = {
  id: 'agentFederation.agents.collect',
  async run(ctx, arg) {
    const id = await pickAgent(ctx, arg, 'Collect the output of which agent?');
    if (!id) return undefined;
    const result = await ctx.service().collect(id);
    const skipped = result.skipped.length ? ` Skipped ${result.skipped.length} link(s) or special file(s).` : '';
    void vscode.window.showInformationMessage(`Collected ${result.files.length} file(s) of ${id} to ${vscode.workspace.asRelativePath(result.to)}.${skipped}`, 'Reveal').then((pick) => {
      if (pick) void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(result.to));
    });
    return result;
  },
};
