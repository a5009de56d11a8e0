// What every command gets, and the helpers they share: argument shapes from menus, tests and the palette,
// pickers that only ask for what is missing, and one error path (typed errors -> a clear message).
import * as vscode from 'vscode';
import { describeError, isFederationError } from '../../core/errors';
import { Federation } from '../../core/federation';
import { valueOr } from '../../core/snapshot';
import { Persona, Task, TaskStatus } from '../../core/state/schemas';
import { FederationState } from '../federationState';
import { BriefDiagnostics } from '../brief/diagnostics';
import type { RunsController } from '../matrix/runs';
import { showCommandError } from '../trust';
import { WindowPersona } from '../windowPersona';

export interface Services {
  state: FederationState;
  fed: Federation;
  persona: WindowPersona;
  log: vscode.LogOutputChannel;
  /** Brief diagnostics (absent when no folder is open). */
  briefs?: BriefDiagnostics;
  /** Matrix runs of this workspace. */
  runs?: RunsController;
  refreshViews(): void;
}

export interface CommandDef {
  id: string;
  run(s: Services, ...args: unknown[]): Promise<unknown>;
}

export function register(context: vscode.ExtensionContext, services: Services, defs: CommandDef[]): void {
  for (const def of defs) {
    context.subscriptions.push(
      vscode.commands.registerCommand(def.id, async (...args: unknown[]) => {
        try {
          const result = await def.run(services, ...args);
          await services.state.reload();
          return result;
        } catch (e) {
          services.log.error(`${def.id}: ${isFederationError(e) ? `[${e.reason}] ` : ''}${e instanceof Error && !isFederationError(e) ? e.stack : describeError(e)}`);
          showCommandError(def.id, e, describeError(e), services.log);
          // Callers such as tests get the typed error too.
          throw e;
        }
      }),
    );
  }
}

/** Reads a field from an argument that may be a tree node, a plain object from a test, or a string. */
export function argField(arg: unknown, ...names: string[]): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object') {
    for (const n of names) {
      const v = (arg as Record<string, unknown>)[n];
      if (typeof v === 'string' && v) return v;
    }
  }
  return undefined;
}

export function isPlainArgs(arg: unknown): arg is Record<string, unknown> {
  return !!arg && typeof arg === 'object' && !('kind' in arg);
}

export async function personas(s: Services): Promise<Persona[]> {
  return valueOr((await s.state.snapshot()).personas, { version: 1, revision: 0, personas: [] }).personas;
}

export async function tasks(s: Services): Promise<Task[]> {
  return valueOr((await s.state.snapshot()).queue, { version: 1, revision: 0, nextId: 1, tasks: [] }).tasks;
}

export async function pickPersona(s: Services, placeHolder: string, exclude?: string): Promise<string | undefined> {
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
export async function actingPersona(s: Services, explicit?: string): Promise<string | undefined> {
  if (explicit) return explicit;
  if (s.persona.id) return s.persona.id;
  const picked = await pickPersona(s, 'Which persona is this window? ("I am …")');
  if (picked) await s.persona.set(picked);
  return picked;
}

export async function pickTask(s: Services, statuses: TaskStatus[], placeHolder: string, assignee?: string): Promise<string | undefined> {
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

/** The task and acting persona for start/complete/fail: from a tree node or script args, else asked. */
export async function taskTarget(s: Services, arg: unknown, statuses: TaskStatus[], verb: string): Promise<{ taskId: string; persona: string } | undefined> {
  const persona = await actingPersona(s, argField(arg, 'persona'));
  if (!persona) return undefined;
  const taskId = argField(arg, 'taskId') ?? (await pickTask(s, statuses, `Task to ${verb}`, persona));
  return taskId ? { taskId, persona } : undefined;
}

/** A click in a tree or the palette deserves a confirmation; a script passing plain args does not. */
export function isFromUi(arg: unknown): boolean {
  return arg === undefined || (!!arg && typeof arg === 'object' && 'kind' in arg);
}

/** A persona named by script args ({ persona }) or by a Personas tree node (id "persona:<id>"). */
export function personaFromArg(arg: unknown): string | undefined {
  if (arg && typeof arg === 'object' && (arg as { kind?: unknown }).kind === 'persona') return argField(arg, 'id')?.replace(/^persona:/, '');
  return argField(arg, 'persona');
}

// Every entry point that runs something calls requireTrust (see ../trust).
export { UntrustedWorkspaceError, requireTrust } from '../trust';
