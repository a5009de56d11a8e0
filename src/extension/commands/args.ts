// How a command's arguments are read. They arrive as VS Code hands them over: a tree node from a view's menu, a URI
// (and the whole selection) from the Explorer or a CodeLens, nothing from the palette or a view's title bar, a
// plain object from a test or a script, or a string naming the one thing the command is about. A command's `args`
// turns them (as CommandArgs) into its typed input with the readers here; its body never sees them raw. The
// editor's Uri class comes in from the registry's host, so this module needs no editor (unit tests).
import type * as vscode from 'vscode';
import { FederationError } from '../../core/errors';
import type { AgentNode } from '../agents/model';
import type { RunNode, UnitNode } from '../matrix/runsModel';
import type { LockNode, PersonaNode } from '../models/personasModel';
import type { TaskNode } from '../models/taskQueueModel';

/** The tree nodes commands are given, by kind. */
interface Nodes {
  persona: PersonaNode;
  lock: LockNode;
  task: TaskNode;
  run: RunNode;
  unit: UnitNode;
  agent: AgentNode;
}
export type NodeKind = keyof Nodes;

function isNode(v: unknown): v is { kind: string } {
  return !!v && typeof v === 'object' && typeof (v as { kind?: unknown }).kind === 'string';
}

/** A test's or a script's object: its fields, typed. A field of the wrong type reads as absent, except lists. */
export class Options {
  constructor(private readonly fields: Readonly<Record<string, unknown>>) {}

  string(name: string): string | undefined {
    const v = this.fields[name];
    return typeof v === 'string' ? v : undefined;
  }

  /** The first of these fields that is a non-empty string. */
  oneOf(...names: string[]): string | undefined {
    for (const n of names) {
      const v = this.fields[n];
      if (typeof v === 'string' && v) return v;
    }
    return undefined;
  }

  number(name: string): number | undefined {
    const v = this.fields[name];
    return typeof v === 'number' ? v : undefined;
  }

  boolean(name: string): boolean | undefined {
    const v = this.fields[name];
    return typeof v === 'boolean' ? v : undefined;
  }

  /** A list of strings; anything else but absence is refused (invalid-input). */
  strings(name: string): string[] | undefined {
    const v = this.fields[name];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new FederationError('invalid-input', `"${name}" must be a list of strings`, { field: name });
    return v as string[];
  }
}

/** The editor's Uri class (vscode.Uri), for instanceof. */
export type UriClass = Function & { readonly prototype: vscode.Uri };

export class CommandArgs {
  constructor(private readonly raw: readonly unknown[], private readonly uriClass: UriClass) {}

  private isUri(v: unknown): v is vscode.Uri {
    return v instanceof this.uriClass;
  }

  private get first(): unknown {
    return this.raw[0];
  }

  /** No argument at all (the palette, a view's title bar). */
  get empty(): boolean {
    return this.first === undefined;
  }

  /** Invoked from a menu or the palette (nothing, or a tree node): that deserves a confirmation, a script does not. */
  get fromUi(): boolean {
    return this.first === undefined || isNode(this.first);
  }

  /** The first argument when it is a tree node of that kind. */
  node<K extends NodeKind>(kind: K): Nodes[K] | undefined {
    return isNode(this.first) && this.first.kind === kind ? (this.first as Nodes[K]) : undefined;
  }

  /** The first argument when it is a non-empty string. */
  get text(): string | undefined {
    return typeof this.first === 'string' && this.first ? this.first : undefined;
  }

  /** The first argument when it is a URI. */
  get uri(): vscode.Uri | undefined {
    return this.isUri(this.first) ? this.first : undefined;
  }

  /** An Explorer selection: every selected file (the second argument), else the one clicked (the first). */
  get uris(): vscode.Uri[] {
    const [one, all] = this.raw;
    const list: unknown[] = Array.isArray(all) ? all : this.isUri(one) ? [one] : Array.isArray(one) ? one : [];
    return list.filter((u): u is vscode.Uri => this.isUri(u));
  }

  /** The argument at `index` (the first by default) when it is a plain object: not a node, a URI or a list. */
  options(index = 0): Options | undefined {
    const v = this.raw[index];
    if (!v || typeof v !== 'object' || Array.isArray(v) || this.isUri(v) || isNode(v)) return undefined;
    return new Options(v as Record<string, unknown>);
  }
}

/** For commands that take no argument (a menu's node, if any, is ignored). */
export function noArgs(): void {
  return undefined;
}

/** A persona: a Personas tree node, a string, or { persona }. */
export function personaOf(a: CommandArgs): string | undefined {
  return a.node('persona')?.id.replace(/^persona:/, '') ?? a.text ?? a.options()?.string('persona');
}

/** A task: a Task Queue node, a string, or { taskId }. */
export function taskIdOf(a: CommandArgs): string | undefined {
  return a.node('task')?.taskId ?? a.text ?? a.options()?.string('taskId');
}

/** A matrix run: a Runs node (a run or one of its tasks), a string, or { runId }. */
export function runIdOf(a: CommandArgs): string | undefined {
  return a.node('run')?.runId ?? a.node('unit')?.runId ?? a.text ?? a.options()?.string('runId');
}

/** An agent: an Agents node, a string, or { agentId } or { id }. */
export function agentIdOf(a: CommandArgs): string | undefined {
  const o = a.options();
  const id = a.node('agent')?.agentId ?? a.text ?? o?.string('agentId') ?? o?.string('id');
  // A node id of another view ("persona:x") names no agent.
  return id && !id.includes(':') ? id : undefined;
}
