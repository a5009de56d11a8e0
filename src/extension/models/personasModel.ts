// The Personas tree as plain data (no vscode import), so it is unit-tested and benchmarked without an editor.
import { describeCalendar } from '../../core/federation/calendar';
import { effectiveStatus } from '../../core/federation';
import { FederationSnapshot, valueOr } from '../../core/federation/snapshot';
import { Persona, ResourceLock } from '../../core/federation/state/schemas';

import type { IconSpec } from './node';

export type { IconSpec };

export interface PersonaNode {
  kind: 'persona';
  id: string;
  label: string;
  description: string;
  tooltip: string;
  contextValue: string;
  icon: IconSpec;
  status: Persona['status'];
  children: LockNode[];
}

export interface LockNode {
  kind: 'lock';
  id: string;
  resource: string;
  label: string;
  description: string;
  tooltip: string;
  contextValue: 'lock';
  icon: IconSpec;
  children: [];
}

export interface ErrorNode {
  kind: 'error';
  id: string;
  label: string;
  description: string;
  tooltip: string;
  file?: string;
  contextValue: 'error';
  icon: IconSpec;
  children: [];
}

export type PersonasTreeNode = PersonaNode | LockNode | ErrorNode;

const STATUS_ICON: Record<Persona['status'], IconSpec> = {
  active: { id: 'circle-filled', color: 'testing.iconPassed' },
  idle: { id: 'circle-outline', color: 'charts.yellow' },
  offline: { id: 'circle-slash', color: 'disabledForeground' },
};

export function errorNode(id: string, error: { message: string; file?: string }): ErrorNode {
  return {
    kind: 'error',
    id: `error:${id}`,
    label: error.file ? `Cannot read ${error.file.split(/[\\/]/).pop()}` : 'Cannot read federation state',
    description: error.message.length > 80 ? `${error.message.slice(0, 77)}…` : error.message,
    tooltip: error.message,
    ...(error.file ? { file: error.file } : {}),
    contextValue: 'error',
    icon: { id: 'error', color: 'errorForeground' },
    children: [],
  };
}

export function lockNode(lock: ResourceLock, now: Date): LockNode {
  const expired = Date.parse(lock.expiresAt) <= now.getTime();
  return {
    kind: 'lock',
    id: `lock:${lock.resource}`,
    resource: lock.resource,
    label: lock.resource,
    description: `${lock.task ? `${lock.task} · ` : ''}${expired ? 'expired' : `until ${lock.expiresAt.slice(11, 16)}`}`,
    tooltip: `Resource lock ${lock.resource}\nHolder: ${lock.holder}${lock.task ? ` (task ${lock.task})` : ''}\nTaken: ${lock.acquiredAt}\nExpires: ${lock.expiresAt}${expired ? ' (expired: anyone may take it)' : ''}\nBy: ${lock.host} pid ${lock.pid}`,
    contextValue: 'lock',
    icon: { id: expired ? 'unlock' : 'lock', ...(expired ? { color: 'disabledForeground' } : {}) },
    children: [],
  };
}

export function buildPersonasTree(
  snapshot: FederationSnapshot,
  options: { now: Date; offlineAfterMs: number; windowPersona?: string },
): PersonasTreeNode[] {
  const errors: ErrorNode[] = [];
  for (const [name, p] of [['personas', snapshot.personas], ['calendar', snapshot.calendar], ['locks', snapshot.locks], ['config', snapshot.config]] as const) {
    if (!p.ok) errors.push(errorNode(name, p.error));
  }
  for (const problem of snapshot.lockProblems ?? []) errors.push(errorNode(`lock:${problem.file}`, problem));
  const personas = valueOr(snapshot.personas, { version: 1 as const, revision: 0, personas: [] }).personas;
  const calendars = valueOr(snapshot.calendar, { version: 1 as const, revision: 0, calendars: {} }).calendars;
  const locks = valueOr(snapshot.locks, []);
  const tasks = valueOr(snapshot.queue, { version: 1 as const, revision: 0, nextId: 1, tasks: [] }).tasks;
  const openByPersona = new Map<string, number>();
  for (const t of tasks) {
    if (t.assignee && (t.status === 'claimed' || t.status === 'in_progress' || t.status === 'handed_off')) {
      openByPersona.set(t.assignee, (openByPersona.get(t.assignee) ?? 0) + 1);
    }
  }
  const nodes = personas.map((p): PersonaNode => {
    const status = effectiveStatus(p, options.now, options.offlineAfterMs);
    const held = locks.filter((l) => l.holder === p.id).map((l) => lockNode(l, options.now));
    const open = openByPersona.get(p.id) ?? 0;
    const isMe = options.windowPersona === p.id;
    return {
      kind: 'persona',
      id: `persona:${p.id}`,
      label: p.displayName,
      description: [isMe ? 'this window' : '', status, p.skills.join(', '), open ? `${open} open` : ''].filter(Boolean).join(' · '),
      tooltip: [
        `${p.displayName} (${p.id})${isMe ? ' — this window' : ''}`,
        `Status: ${status}${status !== p.status ? ` (file says ${p.status}; heartbeat is stale)` : ''}`,
        `Skills: ${p.skills.join(', ') || 'none'}`,
        `Runs in: ${p.runsIn}`,
        `Last heartbeat: ${p.lastHeartbeat ?? 'never'}`,
        `Calendar: ${describeCalendar(calendars[p.id])}`,
        `Open tasks: ${open}`,
        `Locks held: ${held.map((l) => l.resource).join(', ') || 'none'}`,
      ].join('\n'),
      contextValue: `persona:${status}${isMe ? ':me' : ''}`,
      icon: isMe ? { id: 'account', ...(STATUS_ICON[status].color ? { color: STATUS_ICON[status].color } : {}) } : STATUS_ICON[status],
      status,
      children: held,
    };
  });
  return [...errors, ...nodes];
}
