import { noArgs } from './args';
import { defineCommand } from './registry';

export const showLog = defineCommand({
  id: 'agentFederation.showLog',
  needs: [],
  args: noArgs,
  async run(s) {
    s.log.show(true);
  },
});
