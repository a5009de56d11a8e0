import * as vscode from 'vscode';
import { agentIdOf } from '../../commands/args';
import { defineCommand } from '../../commands/registry';
import { hasUncollectedOutput, pickAgent } from '../context';

/**
 * Removes an agent (container, secrets, folder, record) after a confirmation. Output that was never collected is
 * only deleted when the user picks that explicitly; "Collect and Remove" keeps a copy first.
 */
export const remove = defineCommand({
  id: 'agentFederation.agents.remove',
  needs: ['agents'],
  // Tests and scripts: (id, { force: true }) removes without asking, uncollected output and all.
  args: (a) => ({ id: agentIdOf(a), force: a.options(1)?.boolean('force') === true }),
  async run({ agents: ctx, log }, given) {
    const id = await pickAgent(ctx, given.id, 'Remove which agent?');
    if (!id) return undefined;
    const service = ctx.service();
    if (given.force) return service.remove(id, { force: true });
    const agent = await service.get(id);
    const uncollected = await hasUncollectedOutput(ctx, agent);
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
      log.info(`collected ${id} to ${collected.to}`);
    }
    return service.remove(id, { force: running || pick === 'Remove and Delete Output' });
  },
});
