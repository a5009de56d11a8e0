import * as vscode from 'vscode';
import { agentIdOf } from '../../commands/args';
import { defineCommand } from '../../commands/registry';
import { pickAgent } from '../context';

/** Shows the agent's output folder (.federation/agents/<id>/output) in the Explorer, or in the OS file manager. */
export const openOutput = defineCommand({
  id: 'agentFederation.agents.openOutput',
  needs: ['agents'],
  args: agentIdOf,
  async run({ agents: ctx }, given) {
    const id = await pickAgent(ctx, given, 'Open the output of which agent?');
    if (!id) return undefined;
    const uri = vscode.Uri.file(ctx.service().folders(id).outputDir);
    try {
      await vscode.commands.executeCommand('revealInExplorer', uri);
    } catch {
      await vscode.commands.executeCommand('revealFileInOS', uri);
    }
    return uri;
  },
});
