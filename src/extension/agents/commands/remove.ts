import * as vscode from 'vscode';
import { AgentCommand, hasUncollectedOutput, pickAgent } from '../context';

/**
 * Removes an agent (container, secrets, folder, record) after a confirmation. Output that was never collected is
 * only deleted when the user picks that explicitly; "Collect and Remove" keeps a copy first.
 */
export const remove: AgentCommand = {
  id: 'agentFederation.agents.remove',
  async run(ctx, arg, options) {
    const id = await pickAgent(ctx, arg, 'Remove which agent?');
    if (!id) return undefined;
    const service = ctx.service();
    const force = !!options && typeof options === 'object' && (options as { force?: unknown }).force === true;
    if (force) return service.remove(id, { force: true });
    const agent = await service.get(id);
    const uncollected = await hasUncollectedOutput(agent);
    const running = agent.status === 'running';
    const buttons = uncollected ? ['Collect and Remove', 'Remove and Delete Output'] : ['Remove'];
    const detail = [
      running ? 'It is running and will be stopped.' : '',
      uncollected ? 'Its output has not been collected.' : '',
      'Its secrets folder is deleted.',
    ].filter(Boolean).join(' ');
    const pick = await vscode.window.showWarningMessage(`Remove agent ${id}?`, { modal: true, detail }, ...buttons);
    if (!pick) return undefined;
    if (pick === 'Collect and Remove') {
      const collected = await service.collect(id);
      ctx.deps.log.info(`collected ${id} to ${collected.to}`);
    }
    return service.remove(id, { force: running || pick === 'Remove and Delete Output' });
  },
};
