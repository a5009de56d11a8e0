import { CommandDef } from './common';

export const showLog: CommandDef = {
  id: 'agentFederation.showLog',
  async run(s) {
    s.log.show(true);
  },
};
