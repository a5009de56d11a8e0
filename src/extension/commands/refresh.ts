import { noArgs } from './args';
import { defineCommand } from './registry';

/** Reads the federation's state again (the registry reloads it after every command that needs it). */
export const refresh = defineCommand({
  id: 'agentFederation.refresh',
  needs: ['state'],
  args: noArgs,
  async run() {
    return undefined;
  },
});
