import * as vscode from 'vscode';
import { AgentCommand, pickAgent } from '../context';

/** Shows the agent's output folder (.federation/agents/<id>/output) in the Explorer, or in the OS file manager. */
export const openOutput: AgentCommand = {
  id: 'agentFederation.agents.openOutput',
  async run(ctx, arg) {
    const id = await pickAgent(ctx, arg, 'Open the output of which agent?');
    if (!id) return undefined;
    const uri = vscode.Uri.file(ctx.service().folders(id).outputDir);
    try {
      await vscode.commands.executeCommand('revealInExplorer', uri);
    } catch {
      await vscode.commands.executeCommand('revealFileInOS', uri);
    }
    return uri;
  },
};
