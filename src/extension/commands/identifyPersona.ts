import * as vscode from 'vscode';
import { pickPersona, tasks } from './common';
import { personaOf } from './args';
import { defineCommand } from './registry';

/** "I am research": this window acts as the persona; the queue tells it what it has. */
export const identifyPersona = defineCommand({
  id: 'agentFederation.identifyPersona',
  needs: ['fed', 'state', 'persona'],
  args: personaOf,
  async run(s, given) {
    const id = given ?? (await pickPersona(s, "I am … (choose this window's persona)"));
    if (!id) return undefined;
    await s.fed.heartbeat(id, 'active');
    await s.persona.set(id);
    const mine = (await tasks(s)).filter((t) => t.assignee === id && ['claimed', 'in_progress', 'handed_off'].includes(t.status));
    void vscode.window.showInformationMessage(
      mine.length ? `You are ${id}. You have ${mine.length} task${mine.length > 1 ? 's' : ''}: ${mine.map((t) => t.title).join('; ')}` : `You are ${id}. No open tasks; claim the next one when ready.`,
    );
    return id;
  },
});
