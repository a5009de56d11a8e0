// The dashboard's dependency graph model: which tasks take part, their columns (longest path from a root) and rows,
// satisfied edges (a done task with an unmerged worktree does not satisfy one), the node cap, and a corrupt file's
// cycle, which must neither hang nor hide the tasks on it.
import * as assert from 'node:assert/strict';
import type { Task } from '../../../src/core/federation/state/schemas';
import { DEPENDENCY_NODE_CAP, dependencyGraph } from '../../../src/core/reports/dependencyGraph';
import { dashboardModel } from '../../../src/core/reports/models';
import type { DependencyGraphModel } from '../../../src/core/reports/protocol';
import type { FederationSnapshot } from '../../../src/core/federation/snapshot';

const now = '2026-11-23T10:00:00.000Z';

function task(id: number, over: Partial<Task> = {}): Task {
  return {
    id: `T${id}`, title: `task ${id}`, description: '', priority: 3, skills: [], status: 'queued', assignee: null,
    createdAt: now, updatedAt: now, createdBy: 'test', history: [], ...over,
  };
}

function snapshotOf(tasks: Task[]): FederationSnapshot {
  return {
    root: '/w', initialized: true, loadedAt: new Date(now),
    personas: { ok: true, value: { version: 1, revision: 1, personas: [] } },
    queue: { ok: true, value: { version: 1, revision: 1, nextId: tasks.length + 1, tasks } },
    calendar: { ok: true, value: { version: 1, revision: 1, calendars: {} } },
    locks: { ok: true, value: [] },
    config: { ok: true, value: { version: 1, heartbeat: { offlineAfterSeconds: 120 }, locks: { resourceTtlMinutes: 30 }, artifacts: { rules: [] }, worktrees: { enabled: false, copy: [] }, backend: { kind: 'file', replicas: 1 } } },
  };
}

const after = (...ids: number[]) => ({ dependsOn: ids.map((i) => `T${i}`) });
const worktree = (merged: boolean): Task['worktree'] => ({ path: '/w/wt', branch: 'federation/x', base: 'main', createdAt: now, ...(merged ? { mergedAt: now } : {}) });
const places = (g: DependencyGraphModel) => g.nodes.map((n) => `${n.id}@${n.column}.${n.row}`);
const edges = (g: DependencyGraphModel) => g.edges.map((e) => `${e.from}>${e.to}${e.satisfied ? '' : ' x'}`).sort();

describe('dashboard dependency graph', () => {
  it('takes the tasks on an edge only, and lays a chain out one column per step', () => {
    const g = dependencyGraph([
      task(1, { status: 'done' }),
      task(2, { status: 'in_progress', assignee: 'a', ...after(1) }),
      task(3, after(2)),
      task(4),
      task(5, { status: 'done' }),
    ]);
    assert.deepEqual(places(g), ['T1@0.0', 'T2@1.0', 'T3@2.0'], 'T4 and T5 have no edge');
    assert.deepEqual(edges(g), ['T1>T2', 'T2>T3 x']);
    assert.deepEqual(g.nodes.map((n) => n.readiness), ['done', 'in_progress', 'blocked']);
    assert.deepEqual(g.nodes[2]!.blockers, [{ task: 'T2', status: 'in_progress' }]);
    assert.deepEqual([g.columns, g.total, g.more, g.cyclic], [3, 3, 0, []]);
    assert.deepEqual(g.counts, { ready: 0, blocked: 1, awaitingReview: 0 });
  });

  it('puts a task one column right of its longest chain of dependencies, not its shortest', () => {
    // T4 waits for T1 directly and through T2 → T3; T5 only for T1.
    const g = dependencyGraph([task(1), task(2, after(1)), task(3, after(2)), task(4, after(1, 3)), task(5, after(1))]);
    assert.deepEqual(g.nodes.map((n) => [n.id, n.column]).sort(), [['T1', 0], ['T2', 1], ['T3', 2], ['T4', 3], ['T5', 1]]);
    assert.equal(g.columns, 4);
    assert.equal(g.edges.length, 5, 'the direct edge T1 → T4 is drawn too');
  });

  it('orders a column near the rows of each task’s dependencies, and keeps each chain together', () => {
    const g = dependencyGraph([
      task(1), task(2), task(3, after(2)), task(4, after(1)), task(5, after(1, 2)),
      // A second chain, whose lower ids would sort it into the middle of the first by id alone.
      task(10), task(11, after(10)),
    ]);
    assert.deepEqual(places(g), ['T1@0.0', 'T2@0.1', 'T10@0.2', 'T4@1.0', 'T5@1.1', 'T3@1.2', 'T11@1.3']);
  });

  it('counts a done task whose worktree is not merged as awaiting review: its edges are not satisfied', () => {
    const tasks = [task(1, { status: 'done', worktree: worktree(false) }), task(2, after(1)), task(3, { status: 'done', worktree: worktree(true) }), task(4, after(3))];
    const g = dependencyGraph(tasks);
    assert.deepEqual(g.nodes.map((n) => [n.id, n.readiness]), [['T1', 'awaiting_review'], ['T3', 'done'], ['T2', 'blocked'], ['T4', 'ready']]);
    assert.deepEqual(edges(g), ['T1>T2 x', 'T3>T4']);
    assert.deepEqual(g.nodes.find((n) => n.id === 'T2')!.blockers, [{ task: 'T1', status: 'awaiting_review' }]);
    assert.deepEqual(g.counts, { ready: 1, blocked: 1, awaitingReview: 1 });
    // Merged, the same task frees its dependent.
    tasks[0]!.worktree = worktree(true);
    const merged = dependencyGraph(tasks);
    assert.deepEqual(edges(merged), ['T1>T2', 'T3>T4']);
    assert.deepEqual(merged.counts, { ready: 2, blocked: 0, awaitingReview: 0 });
  });

  it('fails closed: a failed, cancelled or missing dependency blocks; only queued tasks say ready or blocked', () => {
    const g = dependencyGraph([
      task(1, { status: 'failed' }), task(2, { status: 'cancelled' }), task(3, after(1, 2, 9)),
      task(4, { status: 'claimed', assignee: 'a', ...after(1) }),
    ]);
    const t3 = g.nodes.find((n) => n.id === 'T3')!;
    assert.equal(t3.readiness, 'blocked');
    assert.deepEqual(t3.blockers, [{ task: 'T1', status: 'failed' }, { task: 'T2', status: 'cancelled' }, { task: 'T9', status: 'missing' }]);
    assert.deepEqual(edges(g), ['T1>T3 x', 'T1>T4 x', 'T2>T3 x'], 'no edge and no card for a task that is gone');
    assert.deepEqual(g.nodes.find((n) => n.id === 'T4')!, { id: 'T4', title: 'task 4', status: 'claimed', readiness: 'claimed', blockers: [], column: 1, row: 0 }, 'T4 waits for T1 only: above T3, which waits for T1 and T2');
  });

  it('draws at most the cap, chains with work left first, and never a task without its dependencies', () => {
    // 120 finished chains of two (T1 → T2, …) then 60 open ones: 360 tasks in the graph.
    const tasks: Task[] = [];
    for (let i = 0; i < 180; i++) {
      const open = i >= 120;
      tasks.push(task(2 * i + 1, { status: 'done' }), task(2 * i + 2, { status: open ? 'queued' : 'done', ...after(2 * i + 1) }));
    }
    const g = dependencyGraph(tasks);
    assert.equal(DEPENDENCY_NODE_CAP, 200);
    assert.deepEqual([g.nodes.length, g.total, g.more], [200, 360, 160]);
    const shown = new Set(g.nodes.map((n) => n.id));
    for (let i = 120; i < 180; i++) assert.ok(shown.has(`T${2 * i + 2}`), `open chain ${i} is shown`);
    for (const n of g.nodes) for (const d of tasks.find((t) => t.id === n.id)!.dependsOn ?? []) assert.ok(shown.has(d), `${n.id}'s dependency ${d} is shown`);
    assert.ok(g.edges.every((e) => shown.has(e.from) && shown.has(e.to)));
    assert.equal(g.edges.length, 100);
    assert.equal(g.counts.ready, 60, 'the counts cover the tasks not drawn too');
  });

  it('cuts one long chain by column, and lays out 20,000 tasks without recursion', () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => task(i + 1, i ? after(i) : {}));
    const t0 = Date.now();
    const g = dependencyGraph(chain, 50);
    const ms = Date.now() - t0;
    assert.deepEqual(g.nodes.map((n) => n.id), Array.from({ length: 50 }, (_, i) => `T${i + 1}`));
    assert.deepEqual([g.columns, g.more, g.edges.length], [50, 19_950, 49]);
    // Linear work takes milliseconds; anything quadratic in 20,000 tasks takes far longer.
    assert.ok(ms < 3000, `${ms} ms`);
  });

  it('ends on a cycle in a hand-edited file, naming the tasks on it and placing them in a last column', () => {
    const g = dependencyGraph([
      task(1), task(2, after(1, 4)), task(3, after(2)), task(4, after(3)), task(5, after(4)), task(6, after(6)), task(7, after(1, 1)),
    ]);
    assert.deepEqual(g.cyclic, ['T2', 'T3', 'T4', 'T5', 'T6']);
    assert.deepEqual(g.nodes.filter((n) => g.cyclic.includes(n.id)).map((n) => n.column), [2, 2, 2, 2, 2]);
    assert.deepEqual(g.nodes.filter((n) => !g.cyclic.includes(n.id)).map((n) => `${n.id}@${n.column}`), ['T1@0', 'T7@1']);
    assert.equal(g.edges.filter((e) => e.from === 'T1' && e.to === 'T7').length, 1, 'a repeated edge is drawn once');
  });

  it('is part of the dashboard model, and empty for a queue without dependencies', () => {
    const d = dashboardModel({ snapshot: snapshotOf([task(1, { status: 'done' }), task(2, after(1))]), root: '/w', records: [] });
    assert.deepEqual(places(d.dependencies), ['T1@0.0', 'T2@1.0']);
    const none = dashboardModel({ snapshot: snapshotOf([task(1), task(2)]), root: '/w', records: [] });
    assert.deepEqual(none.dependencies, { nodes: [], edges: [], columns: 0, total: 0, more: 0, counts: { ready: 0, blocked: 0, awaitingReview: 0 }, cyclic: [] });
  });
});
