import * as vscode from 'vscode';
import { statusPhrase } from '../../../core/agents';
import { agentIdOf } from '../../commands/args';
import { defineCommand } from '../../commands/registry';
import { pickAgent } from '../context';

export const stop = defineCommand({
  id: 'agentFederation.agents.stop',
  needs: ['agents'],
  args: agentIdOf,
  async run({ agents: ctx }, given) {
    const id = await pickAgent(ctx, given, 'Stop which agent?', (a) => a.status === 'running');
    if (!id) return undefined;
    const agent = await ctx.service().stop(id);
    void vscode.window.setStatusBarMessage(`${agent.id}: ${statusPhrase(agent)}`, 5000);
    return agent;
  },
});
