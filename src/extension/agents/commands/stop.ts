import * as vscode from 'vscode';
import { statusPhrase } from '../../../core/agents';
import { AgentCommand, pickAgent } from '../context';

export const stop: AgentCommand = {
  id: 'agentFederation.agents.stop',
  async run(ctx, arg) {
    const id = await pickAgent(ctx, arg, 'Stop which agent?', (a) => a.status === 'running');
    if (!id) return undefined;
    const agent = await ctx.service().stop(id);
    void vscode.window.setStatusBarMessage(`${agent.id}: ${statusPhrase(agent)}`, 5000);
    return agent;
  },
};
