// The helpers commands share: pickers that only ask for what the arguments left out. (Arguments: ./args; the
// registry, services and error path: ./registry.)
import * as vscode from 'vscode';
import { valueOr } from '../../core/federation/snapshot';
import { Persona, Task, TaskStatus } from '../../core/federation/state/schemas';
import type { CommandId } from './ids';
import type { Services } from './registry';

/** Runs one of the extension's own commands: the id is checked against the registry's list when compiling. */
export function runCommand(id: CommandId, ...args: unknown[]): Thenable<unknown> {
  return vscode.commands.executeCommand(id, ...args);
}

type State = Pick<Services, 'state'>;
type Acting = Pick<Services, 'state' | 'persona'>;

export async function personas(s: State): Promise<Persona[]> {
  return valueOr((await s.state.snapshot()).personas, { version: 1, revision: 0, personas: [] }).personas;
}

export async function tasks(s: State): Promise<Task[]> {
  return valueOr((await s.state.snapshot()).queue, { version: 1, revision: 0, nextId: 1, tasks: [] }).tasks;
}

export async function pickPersona(s: State, placeHolder: string, exclude?: string): Promise<string | undefined> {
  const list = (await personas(s)).filter((p) => p.id !== exclude);
  if (list.length === 0) {
    const pick = await vscode.window.showWarningMessage('No personas are registered yet.', 'Register Persona');
    if (pick) await vscode.commands.executeCommand('agentFederation.registerPersona');
    return undefined;
  }
  const item = await vscode.window.showQuickPick(
    list.map((p) => ({ label: p.id, description: p.displayName, detail: `skills: ${p.skills.join(', ') || 'none'}` })),
    { placeHolder },
  );
  return item?.label;
}

/** The acting persona: given explicitly, else this window's, else asked for (and remembered for the window). */
export async function actingPersona(s: Acting, explicit?: string): Promise<string | undefined> {
  if (explicit) return explicit;
  if (s.persona.id) return s.persona.id;
  const picked = await pickPersona(s, 'Which persona is this window? ("I am …")');
  if (picked) await s.persona.set(picked);
  return picked;
}

export async function pickTask(s: State, statuses: TaskStatus[], placeHolder: string, assignee?: string): Promise<string | undefined> {
  const list = (await tasks(s)).filter((t) => statuses.includes(t.status) && (!assignee || t.assignee === assignee));
  if (list.length === 0) {
    void vscode.window.showInformationMessage(`No ${statuses.join(' or ').replace(/_/g, ' ')} task${assignee ? ` for ${assignee}` : ''}.`);
    return undefined;
  }
  const item = await vscode.window.showQuickPick(
    list.map((t) => ({ label: t.id, description: t.title, detail: `P${t.priority} · ${t.status}${t.assignee ? ` · @${t.assignee}` : ''}` })),
    { placeHolder },
  );
  return item?.label;
}

export function parseSkills(text: string): string[] {
  return text.split(/[,\s]+/).map((x) => x.trim()).filter(Boolean);
}

/** The task and acting persona for start/complete/fail: as given (a tree node, a script's object), else asked. */
export async function taskTarget(s: Acting, given: { taskId?: string | undefined; persona?: string | undefined }, statuses: TaskStatus[], verb: string): Promise<{ taskId: string; persona: string } | undefined> {
  const persona = await actingPersona(s, given.persona);
  if (!persona) return undefined;
  const taskId = given.taskId ?? (await pickTask(s, statuses, `Task to ${verb}`, persona));
  return taskId ? { taskId, persona } : undefined;
}
