// Handoff documents: Markdown a person or an agent can read, written from one template so that the receiving
// persona always finds the same sections.
import { Task } from './state/schemas';

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
