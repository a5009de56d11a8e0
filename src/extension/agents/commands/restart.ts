import * as vscode from 'vscode';
import { agentIdOf } from '../../commands/args';
import { defineCommand } from '../../commands/registry';
import { pickAgent } from '../context';

export const restart = defineCommand({
  id: 'agentFederation.agents.restart',
  needs: ['agents'],
  trust: 'Restarting an agent',
  args: agentIdOf,
  async run({ agents: ctx }, given) {
    const id = await pickAgent(ctx, given, 'Restart which agent?', (a) => a.status !== 'missing' && a.status !== 'unknown');
    if (!id) return undefined;
    const agent = await ctx.service().restart(id);
    void vscode.window.setStatusBarMessage(`${agent.id} restarted`, 5000);
    return agent;
  },
});
