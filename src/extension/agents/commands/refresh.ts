import { noArgs } from '../../commands/args';
import { defineCommand } from '../../commands/registry';

/** Looks again, and starts watching engines again (the "Retry" of an unreachable engine). */
export const refresh = defineCommand({
  id: 'agentFederation.agents.refresh',
  needs: ['agents'],
  args: noArgs,
  async run({ agents }) {
    agents.tree.restart();
    return undefined;
  },
});
