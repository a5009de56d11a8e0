// The Task Queue's worktree git state (src/extension/worktrees/status.ts) without an editor or git: a fake state
// source and a fake WorktreeService.list() that answers when the test says so.
import * as assert from 'node:assert/strict';
import type { FederationSnapshot } from '../../../src/core/federation/snapshot';
import type { Task } from '../../../src/core/federation/state/schemas';
import { silentLogger } from '../../../src/core/ports';
import type { TaskWorktreeInfo } from '../../../src/core/worktrees/service';
import { WorktreeStatusCache } from '../../../src/extension/worktrees/status';
import { snapshotOf } from '../../helpers/snapshot';

const at = '2026-11-23T10:00:00Z';

function task(id: number, over: Partial<Task> = {}): Task {
  return { id: `T${id}`, title: `task ${id}`, description: '', priority: 3, skills: [], status: 'claimed', assignee: 'dev', createdAt: at, updatedAt: at, createdBy: 'test', history: [], ...over };
}

const withWorktree = (id: number, over: Partial<NonNullable<Task['worktree']>> = {}) =>
  task(id, { worktree: { path: `/wt/T${id}`, branch: `federation/T${id}`, base: 'main', createdAt: at, ...over } });

function info(t: Task, ahead: number, dirtyCount = 0): TaskWorktreeInfo {
  return { task: t, worktree: t.worktree!, status: { exists: true, dirty: [], dirtyCount, ahead, behind: 0, branchExists: true }, awaitingReview: false };
}

/** A state source whose changes the test fires, and a list() whose answers the test gives, one per call. */
function harness(first: FederationSnapshot, opts: { trusted?: boolean } = {}) {
  const listeners: ((s: FederationSnapshot) => void)[] = [];
  const source = {
    snapshot: async () => first,
    onDidChange: (l: (s: FederationSnapshot) => void) => {
      listeners.push(l);
      return { dispose: () => listeners.splice(listeners.indexOf(l), 1) };
    },
  };
  const calls: { resolve: (w: TaskWorktreeInfo[]) => void; reject: (e: Error) => void }[] = [];
  const list = () => new Promise<{ worktrees: TaskWorktreeInfo[] }>((resolve, reject) => calls.push({ resolve: (worktrees) => resolve({ worktrees }), reject }));
  const warnings: string[] = [];
  const cache = new WorktreeStatusCache(source as never, { list }, { enabled: () => opts.trusted !== false, logger: { ...silentLogger, warn: (m) => warnings.push(m) } });
  let changes = 0;
  cache.onDidChange(() => changes++);
  const fire = (s: FederationSnapshot) => listeners.forEach((l) => l(s));
  return { cache, calls, fire, warnings, changes: () => changes };
}

/** Lets the promise callbacks run (the cache's work is promise chains, no timers). */
const settle = () => new Promise((r) => setImmediate(r));

describe('worktree git state for the Task Queue (src/extension/worktrees/status.ts)', () => {
  it('runs no git for a queue without live worktrees (merged or removed ones do not count)', async () => {
    const h = harness(snapshotOf([task(1), withWorktree(2, { mergedAt: at }), withWorktree(3, { removedAt: at })]));
    await settle();
    assert.equal(h.calls.length, 0);
    assert.equal(h.cache.statuses.size, 0);
  });

  it('reads the live worktrees after the first snapshot and after each change, firing only when the answer differs', async () => {
    const t1 = withWorktree(1);
    const h = harness(snapshotOf([t1, task(2)]));
    await settle();
    assert.equal(h.calls.length, 1);
    h.calls[0]!.resolve([info(t1, 2, 1)]);
    await settle();
    assert.deepEqual(h.cache.statuses.get('T1'), { branch: 'federation/T1', state: { exists: true, ahead: 2, behind: 0, dirtyCount: 1 } });
    assert.equal(h.changes(), 1);
    h.fire(snapshotOf([t1, task(2)]));
    await settle();
    h.calls[1]!.resolve([info(t1, 2, 1)]);
    await settle();
    assert.equal(h.changes(), 1, 'the same answer is no change');
    h.fire(snapshotOf([t1]));
    await settle();
    h.calls[2]!.resolve([info(t1, 3)]);
    await settle();
    assert.equal(h.changes(), 2);
    assert.equal(h.cache.statuses.get('T1')!.state.ahead, 3);
  });

  it('folds the changes that come during a read into one more read, of the latest snapshot', async () => {
    const t1 = withWorktree(1);
    const h = harness(snapshotOf([t1]));
    await settle();
    for (let i = 0; i < 5; i++) h.fire(snapshotOf([t1]));
    await settle();
    assert.equal(h.calls.length, 1, 'nothing more while the first read runs');
    const done = h.cache.refresh(snapshotOf([])); // the latest: no live worktree any more
    h.calls[0]!.resolve([info(t1, 1)]);
    await done;
    assert.equal(h.calls.length, 1, 'the last snapshot has no worktree: no second read');
    assert.equal(h.cache.statuses.size, 0);
  });

  it('reads nothing in an untrusted workspace', async () => {
    const h = harness(snapshotOf([withWorktree(1)]), { trusted: false });
    await settle();
    assert.equal(h.calls.length, 0);
  });

  it('says a failure once, shows no state meanwhile, and recovers', async () => {
    const t1 = withWorktree(1);
    const h = harness(snapshotOf([t1]));
    await settle();
    h.calls[0]!.resolve([info(t1, 1)]);
    await settle();
    for (const i of [1, 2]) {
      h.fire(snapshotOf([t1]));
      await settle();
      h.calls[i]!.reject(new Error('not a git repository'));
      await settle();
    }
    assert.equal(h.warnings.length, 1);
    assert.match(h.warnings[0]!, /not a git repository/);
    assert.equal(h.cache.statuses.size, 0);
    h.fire(snapshotOf([t1]));
    await settle();
    h.calls[3]!.resolve([info(t1, 4)]);
    await settle();
    assert.equal(h.cache.statuses.get('T1')!.state.ahead, 4);
  });
});
