import * as vscode from 'vscode';
import { CommandDef, personaFromArg, pickPersona, tasks } from './common';

/** "I am research": this window acts as the persona; the queue tells it what it has. */
export const identifyPersona: CommandDef = {
  id: 'agentFederation.identifyPersona',
  async run(s, arg) {
    const id = personaFromArg(arg) ?? (await pickPersona(s, "I am … (choose this window's persona)"));
    if (!id) return undefined;
    await s.fed.heartbeat(id, 'active');
    await s.persona.set(id);
    const mine = (await tasks(s)).filter((t) => t.assignee === id && ['claimed', 'in_progress', 'handed_off'].includes(t.status));
    void vscode.window.showInformationMessage(
      mine.length ? `You are ${id}. You have ${mine.length} task${mine.length > 1 ? 's' : ''}: ${mine.map((t) => t.title).join('; ')}` : `You are ${id}. No open tasks; claim the next one when ready.`,
    );
    return id;
  },
};
