import { CommandDef, taskTarget } from './common';

export const startTask: CommandDef = {
  id: 'agentFederation.startTask',
  async run(s, arg) {
    const t = await taskTarget(s, arg, ['claimed'], 'start');
    return t && s.fed.startTask(t.taskId, t.persona);
  },
};
