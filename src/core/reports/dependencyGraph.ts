// The dashboard's dependency chain: the tasks that take part in a dependency edge, laid out in columns (a task's
// column is the longest path to it from a task that waits for nothing), with each edge marked satisfied or not.
// Pure: the page only places what this computes. The queue may be large and a hand-edited file may hold a cycle
// (refused when edges are made, not when the file is read), so everything here is linear and loop-free.
import { blockersOf, readinessOf, statusIndex, type StatusIndex } from '../federation/dependencies';
import type { Task, TaskStatus } from '../federation/state/schemas';
import type { DependencyGraphModel, DependencyNodeModel, DependencyReadiness } from './protocol';

/** More cards than this make the panel slow and the chain unreadable; the rest is counted, not drawn. */
export const DEPENDENCY_NODE_CAP = 200;

// Every status but queued (which becomes ready or blocked) is a readiness of its own.
const _statusesFit: Exclude<TaskStatus, 'queued'> extends DependencyReadiness ? true : never = true;
void _statusesFit;

// One collator: localeCompare with options makes one per call, which dominates sorting a large queue.
const byNumericId = new Intl.Collator('en', { numeric: true }).compare;

/** A queued task is ready or blocked (as the claim path decides); any other, its readiness status. */
function readiness(task: Task, blocked: boolean): DependencyReadiness {
  if (task.status === 'queued') return blocked ? 'blocked' : 'ready';
  return readinessOf(task) as DependencyReadiness;
}

/**
 * Columns by Kahn's algorithm over the edges between `ids`: each task goes one column right of its rightmost
 * dependency. Tasks never freed are on a cycle (or wait for one): they go one column right of what was placed and
 * are returned as `cyclic`, so a corrupt file still renders and says what is wrong.
 */
function layer(ids: readonly string[], deps: ReadonlyMap<string, readonly string[]>, dependents: ReadonlyMap<string, readonly string[]>): { column: Map<string, number>; cyclic: string[] } {
  const waiting = new Map<string, number>();
  for (const id of ids) waiting.set(id, deps.get(id)?.length ?? 0);
  const column = new Map<string, number>();
  const ready = ids.filter((id) => waiting.get(id) === 0);
  for (const id of ready) column.set(id, 0);
  // Each task enters `ready` once (when its count reaches 0), so this ends after |ids| + |edges| steps.
  for (let i = 0; i < ready.length; i++) {
    const id = ready[i]!;
    for (const next of dependents.get(id) ?? []) {
      column.set(next, Math.max(column.get(next) ?? 0, column.get(id)! + 1));
      const left = waiting.get(next)! - 1;
      waiting.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  const cyclic = ids.filter((id) => waiting.get(id)! > 0).sort(byNumericId);
  if (cyclic.length) {
    const last = Math.max(-1, ...ready.map((id) => column.get(id)!)) + 1;
    for (const id of cyclic) column.set(id, last);
  }
  return { column, cyclic };
}

/** Weakly connected components as a representative id per task (union-find with path halving). */
function components(ids: readonly string[], deps: ReadonlyMap<string, readonly string[]>): Map<string, string> {
  const parent = new Map(ids.map((id) => [id, id]));
  const find = (x: string): string => {
    while (parent.get(x) !== x) {
      parent.set(x, parent.get(parent.get(x)!)!);
      x = parent.get(x)!;
    }
    return x;
  };
  for (const id of ids) for (const d of deps.get(id) ?? []) parent.set(find(id), find(d));
  return new Map(ids.map((id) => [id, find(id)]));
}

/**
 * The dependency graph of the queue for the dashboard. Chains with work still to do come first, then finished ones
 * (oldest first within each); whole chains are kept while they fit under `cap`, and a chain that does not fit is cut
 * by column, so every shown task's dependencies are shown too.
 */
export function dependencyGraph(tasks: readonly Task[], cap = DEPENDENCY_NODE_CAP, index: StatusIndex = statusIndex(tasks)): DependencyGraphModel {
  const byId = new Map<string, Task>();
  for (const t of tasks) byId.set(t.id, t);
  // Edges between tasks that exist, once each (a hand-edited file may repeat one or name a removed task).
  const deps = new Map<string, string[]>();
  const dependents = new Map<string, string[]>();
  for (const t of byId.values()) {
    const own = [...new Set(t.dependsOn ?? [])].filter((d) => byId.has(d));
    if (own.length) deps.set(t.id, own);
    for (const d of own) {
      const list = dependents.get(d);
      if (list) list.push(t.id);
      else dependents.set(d, [t.id]);
    }
  }
  const ids = [...byId.values()].filter((t) => t.dependsOn?.length || dependents.has(t.id)).map((t) => t.id).sort(byNumericId);
  const { column, cyclic } = layer(ids, deps, dependents);
  const comp = components(ids, deps);

  const nodes = new Map<string, DependencyNodeModel>();
  const counts = { ready: 0, blocked: 0, awaitingReview: 0 };
  for (const id of ids) {
    const t = byId.get(id)!;
    const blockers = t.status === 'queued' ? blockersOf(t, index) : [];
    const r = readiness(t, blockers.length > 0);
    if (r === 'ready') counts.ready++;
    else if (r === 'blocked') counts.blocked++;
    else if (r === 'awaiting_review') counts.awaitingReview++;
    nodes.set(id, { id, title: t.title, status: t.status, readiness: r, blockers, column: column.get(id)!, row: 0 });
  }

  // Chains in order: any task not done or cancelled puts its chain first; then the chain's lowest id.
  const members = new Map<string, string[]>();
  for (const id of ids) {
    const list = members.get(comp.get(id)!);
    if (list) list.push(id);
    else members.set(comp.get(id)!, [id]);
  }
  const finished = (id: string) => nodes.get(id)!.readiness === 'done' || nodes.get(id)!.readiness === 'cancelled';
  const chains = [...members.values()].map((m) => ({ m, active: !m.every(finished) }))
    .sort((a, b) => Number(b.active) - Number(a.active) || byNumericId(a.m[0]!, b.m[0]!));
  const rank = new Map<string, number>();
  const shown: DependencyNodeModel[] = [];
  chains.forEach(({ m }, i) => {
    for (const id of m) rank.set(id, i);
    if (shown.length >= cap) return;
    const inOrder = [...m].sort((a, b) => nodes.get(a)!.column - nodes.get(b)!.column || byNumericId(a, b));
    for (const id of inOrder.slice(0, cap - shown.length)) shown.push(nodes.get(id)!);
  });

  // Rows: column by column, a chain's tasks together, each near the mean row of its dependencies (fewer crossings).
  const visible = new Set(shown.map((n) => n.id));
  const columns = shown.reduce((n, x) => Math.max(n, x.column + 1), 0);
  const rowOf = new Map<string, number>();
  const laidOut: DependencyNodeModel[] = [];
  for (let c = 0; c < columns; c++) {
    const here = shown.filter((n) => n.column === c).map((n) => {
      const placed = (deps.get(n.id) ?? []).filter((d) => rowOf.has(d)).map((d) => rowOf.get(d)!);
      return { n, at: placed.length ? placed.reduce((a, b) => a + b, 0) / placed.length : -1 };
    });
    here.sort((a, b) => rank.get(a.n.id)! - rank.get(b.n.id)! || a.at - b.at || byNumericId(a.n.id, b.n.id));
    here.forEach(({ n }, row) => {
      rowOf.set(n.id, row);
      laidOut.push({ ...n, row });
    });
  }

  const edges = laidOut.flatMap((n) => (deps.get(n.id) ?? []).filter((d) => visible.has(d)).map((d) => ({ from: d, to: n.id, satisfied: index.get(d) === 'done' })));
  return { nodes: laidOut, edges, columns, total: ids.length, more: ids.length - laidOut.length, counts, cyclic };
}
