import * as vscode from 'vscode';
import { AgentCommand, pickAgent, requireTrust } from '../context';

export const restart: AgentCommand = {
  id: 'agentFederation.agents.restart',
  async run(ctx, arg) {
    requireTrust('Restarting an agent');
    const id = await pickAgent(ctx, arg, 'Restart which agent?', (a) => a.status !== 'missing' && a.status !== 'unknown');
    if (!id) return undefined;
    const agent = await ctx.service().restart(id);
    void vscode.window.setStatusBarMessage(`${agent.id} restarted`, 5000);
    return agent;
  },
};
