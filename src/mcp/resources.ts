// What an agent can read without a tool call: its tasks, the handoff documents addressed to it, and its
// bootstrap package (BOOTSTRAP.md and the files it carries), built at the operator's level like `federation
// package build --consumer parallel-terminal`.
import * as path from 'node:path';
import { FederationError } from '../core/errors';
import { isReady, statusIndex, type Federation } from '../core/federation';
import type { Task } from '../core/federation/state/schemas';
import { buildPackage, type OperatorLevel } from '../core/packages';
import type { FileSystem } from '../core/ports';

export const TASKS_URI = 'federation://tasks';
export const HANDOFF_PREFIX = 'federation://handoffs/';
export const BOOTSTRAP_PREFIX = 'federation://bootstrap/';

export interface ResourceContext {
  root: string;
  fed: Federation;
  fs: FileSystem;
  persona: string;
  operatorLevel: OperatorLevel;
}

export interface ResourceEntry {
  uri: string;
  name: string;
  title: string;
  mimeType: string;
  description?: string;
}

const OPEN = new Set(['claimed', 'in_progress', 'handed_off']);

/** This persona's tasks: those assigned to it and still open, then the ready queued ones it has the skills for. */
export async function personaTasks(ctx: ResourceContext): Promise<{ assigned: Task[]; claimable: Task[] }> {
  const [tasks, personas] = await Promise.all([ctx.fed.listTasks(), ctx.fed.listPersonas()]);
  const me = personas.find((p) => p.id === ctx.persona);
  const skills = new Set(me?.skills ?? []);
  const index = statusIndex(tasks);
  return {
    assigned: tasks.filter((t) => t.assignee === ctx.persona && OPEN.has(t.status)),
    // A blocked task is not claimable: claim_task would refuse it (blocked).
    claimable: tasks.filter((t) => t.status === 'queued' && t.skills.every((s) => skills.has(s)) && isReady(t, index)),
  };
}

/** Handoff documents addressed to this persona whose task it has not finished (the document name, under .federation/). */
export async function openHandoffs(ctx: ResourceContext): Promise<{ task: string; document: string; from: string }[]> {
  const tasks = await ctx.fed.listTasks();
  return tasks
    .filter((t) => t.handoff && t.handoff.to === ctx.persona && OPEN.has(t.status))
    .map((t) => ({ task: t.id, document: t.handoff!.document, from: t.handoff!.from }));
}

export async function listResources(ctx: ResourceContext): Promise<ResourceEntry[]> {
  const handoffs = await openHandoffs(ctx);
  const pkg = await buildPackage({ consumer: 'parallel-terminal', persona: ctx.persona, operatorLevel: ctx.operatorLevel, root: ctx.root, disk: ctx.fs });
  return [
    { uri: TASKS_URI, name: 'tasks', title: `Tasks of ${ctx.persona}`, mimeType: 'application/json', description: 'Open tasks assigned to this persona and the queued tasks it may claim.' },
    ...handoffs.map((h) => ({
      uri: HANDOFF_PREFIX + encodeURIComponent(path.posix.basename(h.document)),
      name: path.posix.basename(h.document),
      title: `Handoff of ${h.task} from ${h.from}`,
      mimeType: 'text/markdown',
    })),
    ...pkg.files.map((f) => ({
      uri: BOOTSTRAP_PREFIX + f.path.split('/').map(encodeURIComponent).join('/'),
      name: f.path,
      title: f.path === 'BOOTSTRAP.md' ? `Bootstrap package of ${ctx.persona}` : f.path,
      mimeType: f.path.endsWith('.md') ? 'text/markdown' : f.path.endsWith('.json') ? 'application/json' : 'text/plain',
    })),
  ];
}

export async function readResource(ctx: ResourceContext, uri: string): Promise<{ mimeType: string; text: string }> {
  if (uri === TASKS_URI) return { mimeType: 'application/json', text: JSON.stringify(await personaTasks(ctx), null, 2) };
  if (uri.startsWith(HANDOFF_PREFIX)) {
    const name = decodeURIComponent(uri.slice(HANDOFF_PREFIX.length));
    // Only a document addressed to this persona, by the name the queue records: never a path of the caller's.
    const open = (await openHandoffs(ctx)).find((h) => path.posix.basename(h.document) === name);
    if (!open) throw new FederationError('not-found', `No open handoff ${name} is addressed to ${ctx.persona}.`, { uri });
    // Through the backend: on NATS the document is in the federation, not in this workspace's files.
    const text = await ctx.fed.store.readText(open.document);
    if (text === undefined) throw new FederationError('not-found', `The handoff document ${name} is missing.`, { uri });
    return { mimeType: 'text/markdown', text };
  }
  if (uri.startsWith(BOOTSTRAP_PREFIX)) {
    const rel = uri.slice(BOOTSTRAP_PREFIX.length).split('/').map(decodeURIComponent).join('/');
    const pkg = await buildPackage({ consumer: 'parallel-terminal', persona: ctx.persona, operatorLevel: ctx.operatorLevel, root: ctx.root, disk: ctx.fs });
    const file = pkg.files.find((f) => f.path === rel);
    if (!file) throw new FederationError('not-found', `The bootstrap package of ${ctx.persona} has no file ${rel}.`, { uri });
    return { mimeType: rel.endsWith('.md') ? 'text/markdown' : 'text/plain', text: file.content };
  }
  throw new FederationError('not-found', `No resource ${uri}.`, { uri });
}
