import { CommandDef } from './common';

export const refresh: CommandDef = {
  id: 'agentFederation.refresh',
  async run(s) {
    s.refreshViews();
  },
};
