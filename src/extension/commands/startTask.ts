import { taskTarget } from './common';
import { taskIdOf } from './args';
import { defineCommand } from './registry';

/** From a Task Queue node, or args from tests/scripts: { taskId, persona? }. */
export const startTask = defineCommand({
  id: 'agentFederation.startTask',
  needs: ['fed', 'state', 'persona'],
  args: (a) => ({ taskId: taskIdOf(a), persona: a.options()?.string('persona') }),
  async run(s, given) {
    const t = await taskTarget(s, given, ['claimed'], 'start');
    return t && s.fed.startTask(t.taskId, t.persona);
  },
});
