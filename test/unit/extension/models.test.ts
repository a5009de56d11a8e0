import * as assert from 'node:assert/strict';
import { FederationSnapshot } from '../../../src/core/federation/snapshot';
import { Persona, Task } from '../../../src/core/federation/state/schemas';
import { buildPersonasTree } from '../../../src/extension/models/personasModel';
import { GroupNode, TaskNode, buildTaskTree } from '../../../src/extension/models/taskQueueModel';

const now = new Date('2026-11-23T10:00:00Z');

function task(id: number, over: Partial<Task> = {}): Task {
  return {
    id: `T${id}`, title: `task ${id}`, description: '', priority: 3, skills: [], status: 'queued', assignee: null,
    createdAt: now.toISOString(), updatedAt: now.toISOString(), createdBy: 'test', history: [], ...over,
  };
}

function persona(id: string, over: Partial<Persona> = {}): Persona {
  return { id, displayName: id.toUpperCase(), skills: ['x'], status: 'active', runsIn: 'terminal', lastHeartbeat: now.toISOString(), registeredAt: now.toISOString(), ...over };
}

export function snapshotOf(tasks: Task[], personas: Persona[] = []): FederationSnapshot {
  return {
    root: '/w', initialized: true, loadedAt: now,
    personas: { ok: true, value: { version: 1, revision: 1, personas } },
    queue: { ok: true, value: { version: 1, revision: 1, nextId: tasks.length + 1, tasks } },
    calendar: { ok: true, value: { version: 1, revision: 1, calendars: {} } },
    locks: { ok: true, value: [] },
    config: { ok: true, value: { version: 1, heartbeat: { offlineAfterSeconds: 120 }, locks: { resourceTtlMinutes: 30 }, artifacts: { rules: [] }, worktrees: { enabled: false, copy: [] }, backend: { kind: 'file', replicas: 1 } } },
  };
}

describe('Task Queue model', () => {
  it('groups by status in working order, most urgent first, done collapsed', () => {
    const tree = buildTaskTree(snapshotOf([
      task(1, { status: 'done' }),
      task(2, { priority: 2 }),
      task(3, { priority: 1 }),
      task(4, { status: 'in_progress', assignee: 'a' }),
      task(10, { priority: 1 }),
    ])) as GroupNode[];
    assert.deepEqual(tree.map((g) => g.status), ['in_progress', 'queued', 'done']);
    assert.deepEqual(tree[1]!.children.map((t) => t.taskId), ['T3', 'T10', 'T2']);
    assert.equal(tree[1]!.description, '3');
    assert.equal(tree[2]!.expanded, false);
    assert.equal(tree[0]!.children[0]!.contextValue, 'task:in_progress');
    assert.match(tree[0]!.children[0]!.description, /@a/);
  });

  it('marks tasks with a handoff so the inline action shows', () => {
    const t = task(5, { status: 'handed_off', assignee: 'b', handoff: { from: 'a', to: 'b', document: 'handoffs/x.md', at: now.toISOString(), acknowledgedAt: null } });
    const node = (buildTaskTree(snapshotOf([t]))[0] as GroupNode).children[0] as TaskNode;
    assert.equal(node.contextValue, 'task:handed_off:handoff');
    assert.equal(node.handoffDocument, 'handoffs/x.md');
    assert.match(node.tooltip, /not yet acknowledged/);
  });

  it('shows a queued task whose dependencies are not done as blocked, naming its blockers; a ready one as before', () => {
    const tree = buildTaskTree(snapshotOf([
      task(1, { status: 'done' }),
      task(2, { status: 'failed', assignee: 'a' }),
      task(3),
      task(4, { dependsOn: ['T1'] }),
      task(5, { dependsOn: ['T1', 'T2', 'T3'], priority: 1 }),
    ])) as GroupNode[];
    const queued = tree.find((g) => g.status === 'queued')!.children;
    const [blocked, plain, ready] = [queued.find((n) => n.taskId === 'T5')!, queued.find((n) => n.taskId === 'T3')!, queued.find((n) => n.taskId === 'T4')!];
    assert.match(blocked.description, /^T5 · blocked by T2, T3 · P1/);
    assert.match(blocked.tooltip, /Depends on: T1, T2, T3\nBlocked by: T2 \(failed\), T3 \(queued\)/);
    assert.equal(blocked.contextValue, 'task:queued:blocked');
    assert.notDeepEqual(blocked.icon, plain.icon, 'a distinct icon');
    assert.doesNotMatch(ready.description, /blocked/, 'its only dependency is done');
    assert.equal(ready.contextValue, 'task:queued');
    assert.deepEqual(ready.icon, plain.icon);
    assert.match(ready.tooltip, /Depends on: T1/);
    assert.doesNotMatch(ready.tooltip, /Blocked by/);
  });

  it('shows an unreadable queue as one error item naming the file', () => {
    const snap = snapshotOf([]);
    snap.queue = { ok: false, error: { reason: 'state-corrupt', message: '/w/.federation/queue.json: not valid JSON', file: '/w/.federation/queue.json' } };
    const [node] = buildTaskTree(snap);
    assert.equal(node!.kind, 'error');
    assert.equal(node!.label, 'Cannot read queue.json');
  });
});

describe('Personas model', () => {
  it('derives offline from a stale heartbeat and marks this window', () => {
    const snap = snapshotOf([task(1, { status: 'claimed', assignee: 'a' })], [persona('a'), persona('b', { lastHeartbeat: '2026-11-23T09:00:00Z' })]);
    snap.locks = { ok: true, value: [{ resource: 'db', holder: 'a', task: 'T1', host: 'h', pid: 1, acquiredAt: now.toISOString(), expiresAt: '2026-11-23T11:00:00Z' }] };
    const [a, b] = buildPersonasTree(snap, { now, offlineAfterMs: 120_000, windowPersona: 'a' });
    assert.equal(a!.kind, 'persona');
    assert.match(a!.description, /this window · active · x · 1 open/);
    assert.equal(a!.children.length, 1);
    assert.equal(a!.children[0]!.label, 'db');
    assert.match(a!.tooltip, /Locks held: db/);
    assert.equal(b!.kind === 'persona' && b!.status, 'offline');
  });

  it('lists errors first and still shows the personas it could read', () => {
    const snap = snapshotOf([], [persona('a')]);
    snap.calendar = { ok: false, error: { reason: 'state-corrupt', message: 'calendar.json: bad', file: '/w/.federation/calendar.json' } };
    const nodes = buildPersonasTree(snap, { now, offlineAfterMs: 120_000 });
    assert.deepEqual(nodes.map((n) => n.kind), ['error', 'persona']);
  });
});
