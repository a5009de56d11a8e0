import { CommandDef, argField, pickTask } from './common';

export const requeueTask: CommandDef = {
  id: 'agentFederation.requeueTask',
  async run(s, arg) {
    const taskId = argField(arg, 'taskId') ?? (await pickTask(s, ['failed', 'cancelled'], 'Task to put back in the queue'));
    if (!taskId) return undefined;
    return s.fed.requeueTask(taskId, s.persona.id ?? 'editor', argField(arg, 'note'));
  },
};
