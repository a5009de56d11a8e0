import * as assert from 'node:assert/strict';
import { Persona, Task } from '../../../src/core/federation/state/schemas';
import { snapshotOf } from '../../helpers/snapshot';
import { buildPersonasTree } from '../../../src/extension/models/personasModel';
import { GroupNode, TaskNode, WorktreeStatuses, buildTaskTree } from '../../../src/extension/models/taskQueueModel';

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

describe('Task Queue model: task worktrees', () => {
  const wt = (id: number, over: Partial<NonNullable<Task['worktree']>> = {}): NonNullable<Task['worktree']> => ({
    path: `/w.worktrees/T${id}-x`, branch: `federation/T${id}-x`, base: 'main', createdAt: now.toISOString(), ...over,
  });
  const nodes = (tree: ReturnType<typeof buildTaskTree>) => (tree as GroupNode[]).flatMap((g) => g.children);
  const byId = (tree: ReturnType<typeof buildTaskTree>, id: string) => nodes(tree).find((n) => n.taskId === id)!;

  it('shows a live worktree\'s branch, then what git read of it: +ahead −behind and the uncommitted count', () => {
    const tasks = [task(1, { status: 'in_progress', assignee: 'dev', worktree: wt(1, { portBase: 4100 }) })];
    const before = byId(buildTaskTree(snapshotOf(tasks)), 'T1');
    assert.match(before.description, /federation\/T1-x$/);
    assert.match(before.tooltip, /Worktree: \/w\.worktrees\/T1-x\nBranch: federation\/T1-x \(from main\)\nPorts from: 4100 \(FEDERATION_PORT_BASE\)\nGit: not read yet/);
    assert.equal(before.contextValue, 'task:in_progress:worktree');
    const statuses: WorktreeStatuses = new Map([['T1', { branch: 'federation/T1-x', state: { exists: true, ahead: 2, behind: 1, dirtyCount: 3 } }]]);
    const after = byId(buildTaskTree(snapshotOf(tasks), statuses), 'T1');
    assert.match(after.description, /federation\/T1-x \+2 −1 · 3 uncommitted$/);
    assert.match(after.tooltip, /Git: 2 commits ahead of main, 1 behind; 3 uncommitted changes/);
  });

  it('ignores a status read for another branch (an older worktree of the task) and says when git has no such worktree', () => {
    const tasks = [task(1, { status: 'claimed', assignee: 'dev', worktree: wt(1) }), task(2, { status: 'claimed', assignee: 'dev', worktree: wt(2) })];
    const statuses: WorktreeStatuses = new Map([
      ['T1', { branch: 'federation/T1-old', state: { exists: true, ahead: 5, behind: 0, dirtyCount: 0 } }],
      ['T2', { branch: 'federation/T2-x', state: { exists: false, ahead: 0, behind: 0, dirtyCount: 0 } }],
    ]);
    const tree = buildTaskTree(snapshotOf(tasks), statuses);
    assert.doesNotMatch(byId(tree, 'T1').description, /\+5/);
    assert.match(byId(tree, 'T1').tooltip, /Git: not read yet/);
    assert.match(byId(tree, 'T2').description, /federation\/T2-x missing$/);
  });

  it('puts a done task with an unmerged branch in its own group, awaiting review, with its own icon and context value', () => {
    const tree = buildTaskTree(snapshotOf([
      task(1, { status: 'done', assignee: 'dev', worktree: wt(1) }),
      task(2, { status: 'done', assignee: 'dev', worktree: wt(2, { mergedAt: now.toISOString(), mergeCommit: 'abcdef1234567890' }) }),
      task(3, { status: 'done' }),
      task(4, { dependsOn: ['T1'] }),
    ])) as GroupNode[];
    assert.deepEqual(tree.map((g) => g.status), ['awaiting_review', 'queued', 'done']);
    const review = tree[0]!;
    assert.equal(review.label, 'Awaiting review');
    assert.equal(review.expanded, true, 'not folded away with the done tasks');
    const [t1] = review.children;
    assert.equal(t1!.contextValue, 'task:awaiting_review:worktree');
    assert.match(t1!.description, /^T1 · awaiting review · /);
    assert.match(t1!.tooltip, /Awaiting review: done, its branch is not merged into main yet/);
    const done = tree[2]!.children;
    assert.notDeepEqual(t1!.icon, done[0]!.icon);
    // A merged worktree is history: no worktree actions, the merge in the tooltip.
    const t2 = done.find((n) => n.taskId === 'T2')!;
    assert.equal(t2.contextValue, 'task:done');
    assert.match(t2.tooltip, /Merged: federation\/T2-x into main at abcdef123456/);
    assert.match(byId(tree, 'T4').description, /blocked by T1/, 'its dependent waits for the review');
  });

  it('offers worktree actions only while the worktree exists', () => {
    const tree = buildTaskTree(snapshotOf([task(1, { status: 'failed', worktree: wt(1, { removedAt: now.toISOString() }) }), task(2, { status: 'failed', worktree: wt(2) })]));
    assert.equal(byId(tree, 'T1').contextValue, 'task:failed');
    assert.equal(byId(tree, 'T2').contextValue, 'task:failed:worktree');
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
