import { pickTask } from './common';
import { taskIdOf } from './args';
import { defineCommand } from './registry';

/** From a Task Queue node, or args from tests/scripts: { taskId, note? }. */
export const requeueTask = defineCommand({
  id: 'agentFederation.requeueTask',
  needs: ['fed', 'state', 'persona'],
  args: (a) => ({ taskId: taskIdOf(a), note: a.options()?.string('note') }),
  async run(s, given) {
    const taskId = given.taskId ?? (await pickTask(s, ['failed', 'cancelled'], 'Task to put back in the queue'));
    if (!taskId) return undefined;
    return s.fed.requeueTask(taskId, s.persona.id ?? 'editor', given.note);
  },
});
