import { AgentCommand } from '../context';

/** Looks again, and starts watching engines again (the "Retry" of an unreachable engine). */
export const refresh: AgentCommand = {
  id: 'agentFederation.agents.refresh',
  async run(ctx) {
    ctx.tree.restart();
    return undefined;
  },
};
