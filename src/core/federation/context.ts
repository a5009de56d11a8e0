// What the parts of the federation share: the workspace, its state backend and the outside world. The Federation
// facade (service.ts) makes one FederationContext and hands it to personas, tasks, handoffs, locks, calendars and
// routing, which are plain functions of it.
import { FederationError } from '../errors';
import type { Clock, FileSystem, Logger, ProcessIdentity } from '../ports';
import type { StateBackend } from './state/backend';
import { editable } from './state/frozen';
import type { ConfigFile, Persona, Task } from './state/schemas';

export interface FederationContext {
  /** The workspace root (the folder holding .federation/). */
  readonly root: string;
  /** The shared state: every change is one store.transaction. */
  readonly store: StateBackend;
  /** The workspace's own files (artifact routing); the state goes through `store`. */
  readonly fs: FileSystem;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Written into the resource locks this process takes. */
  readonly identity: ProcessIdentity;
  /** .federation/config.yaml, read afresh. */
  config(): Promise<ConfigFile>;
}

export function requirePersona(personas: Persona[], id: string): Persona {
  const p = personas.find((x) => x.id === id);
  if (!p) {
    throw new FederationError('not-found', `No persona "${id}" is registered. Known: ${personas.map((x) => x.id).join(', ') || 'none'}.`, { persona: id });
  }
  return p;
}

export function requireTask(tasks: Task[], id: string): Task {
  const t = tasks.find((x) => x.id === id);
  if (!t) throw new FederationError('not-found', `No task "${id}" in the queue.`, { task: id });
  return t;
}

/** The task to change, inside a transaction: an editable copy put in `tasks` in its place (state/frozen.ts). */
export function editTask(tasks: Task[], id: string): Task {
  return editable(tasks, requireTask(tasks, id));
}
