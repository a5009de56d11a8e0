// Handoffs: a task handed from the persona holding it to another, with a Markdown document a person or an agent
// can read, written from one template so that the receiving persona always finds the same sections. The receiver
// acknowledges it by claiming the task (tasks.ts).
import { FederationError } from '../errors';
import { FederationContext, editTask, requirePersona } from './context';
import { requireScope } from './personas';
import { Task } from './state/schemas';
import { canTransition, transition, transitionError } from './taskTransitions';

export interface HandoffInput {
  from: string;
  to: string;
  context?: string;
  done?: string[];
  nextSteps?: string[];
  files?: string[];
}

export function handoffFileName(task: Task, from: string, to: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `handoffs/${task.id}-${from}-to-${to}-${stamp}.md`;
}

function list(items: string[] | undefined, empty: string): string {
  return items && items.length > 0 ? items.map((i) => `- ${i}`).join('\n') : `- ${empty}`;
}

export function renderHandoff(task: Task, input: HandoffInput, at: Date): string {
  return [
    `# Handoff: ${task.title}`,
    '',
    `- **Task:** ${task.id} (priority ${task.priority}${task.skills.length ? `, skills: ${task.skills.join(', ')}` : ''})`,
    `- **From:** ${input.from}`,
    `- **To:** ${input.to}`,
    `- **At:** ${at.toISOString()}`,
    ...(task.worktree && !task.worktree.mergedAt && !task.worktree.removedAt
      ? [`- **Worktree:** \`${task.worktree.path}\` on branch \`${task.worktree.branch}\` (continue there; claiming the task opens it)`]
      : []),
    '',
    '## Context',
    '',
    input.context?.trim() || task.description || '_No context given._',
    '',
    '## What is done',
    '',
    list(input.done, '_Nothing recorded yet._'),
    '',
    '## Next steps',
    '',
    list(input.nextSteps, '_Claim the task and decide._'),
    '',
    '## Files touched',
    '',
    list(input.files?.map((f) => `\`${f}\``), '_None._'),
    '',
    '## Acknowledgement',
    '',
    '_Not yet acknowledged._',
    '',
  ].join('\n');
}

export function acknowledgeHandoff(markdown: string, persona: string, at: Date): string {
  const line = `Acknowledged by **${persona}** at ${at.toISOString()} on claiming the task.`;
  return markdown.includes('_Not yet acknowledged._')
    ? markdown.replace('_Not yet acknowledged._', line)
    : `${markdown.trimEnd()}\n\n${line}\n`;
}

/** Hands a task to another persona with a Markdown handoff document; the receiver acknowledges by claiming it. */
export async function handOff(ctx: FederationContext, taskId: string, input: HandoffInput): Promise<{ task: Task; document: string }> {
  return ctx.store.transaction(async (tx) => {
    const personas = await tx.get('personas');
    requirePersona(personas.personas, input.from);
    const receiver = requirePersona(personas.personas, input.to);
    if (input.from === input.to) throw new FederationError('invalid-input', 'A task cannot be handed off to the persona that holds it.', { field: 'to' });
    const queue = await tx.get('queue');
    const task = editTask(queue.tasks, taskId);
    // Only the persona holding the task hands it off: a queued task is held by nobody (claim it first), and
    // the sender of an earlier handoff no longer holds it. Checked before the status, as for start/complete.
    if (task.assignee !== input.from) {
      throw new FederationError(
        'not-assignee',
        task.assignee
          ? `${taskId} is assigned to ${task.assignee}, not ${input.from}; only its assignee can hand it off.`
          : `${taskId} is ${task.status} and held by nobody, so ${input.from} cannot hand it off; claim it first.`,
        { task: taskId, assignee: task.assignee, persona: input.from },
      );
    }
    if (!canTransition('handoff', task.status)) throw transitionError(task, 'handed_off');
    requireScope(receiver, task, 'receive');
    const now = ctx.clock.now();
    const document = handoffFileName(task, input.from, input.to, now);
    tx.writeText(document, renderHandoff(task, input, now), { exclusive: true });
    task.handoff = { from: input.from, to: input.to, document, at: now.toISOString(), acknowledgedAt: null };
    transition(task, 'handed_off', input.from, 'handed_off', now.toISOString(), `to ${input.to}`);
    task.assignee = input.to;
    tx.set('queue', queue);
    return { task, document };
  });
}
