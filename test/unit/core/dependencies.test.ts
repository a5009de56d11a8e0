// Task dependencies: edges checked when made (unknown ids, self, cycles), readiness (every dependency done), fail
// closed (a failed or cancelled dependency blocks until requeued and done, or the edge removed), and the claims.
import * as assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { FederationError } from '../../../src/core/errors';
import { Federation, blockersOf, isReady, statusIndex } from '../../../src/core/federation';
import { checkDependencies } from '../../../src/core/federation/dependencies';
import { Task } from '../../../src/core/federation/state/schemas';
import { newFederation } from '../../helpers/federation';
import { FakeClock, useTempDir } from '../../helpers/tmp';

const refused = (reason: string, check: (e: FederationError) => void = () => {}) => (e: FederationError) => {
  assert.equal(e.reason, reason, e.message);
  check(e);
  return true;
};

describe('Task dependencies', () => {
  const tmp = useTempDir();
  let fed: Federation;
  let clock: FakeClock;

  beforeEach(async () => {
    clock = new FakeClock();
    fed = newFederation(tmp.path, { clock });
    await fed.init();
    await fed.registerPersona({ id: 'dev', skills: ['code'] });
  });

  /** Completes a task as dev (claimed directly, so its own dependencies must be done). */
  async function finish(id: string): Promise<void> {
    await fed.claimTask(id, 'dev');
    await fed.completeTask(id, 'dev');
  }

  describe('making an edge', () => {
    it('records dependsOn on a new task, deduplicated, and leaves it out when there are none', async () => {
      const a = await fed.addTask({ title: 'a' });
      const b = await fed.addTask({ title: 'b' });
      const c = await fed.addTask({ title: 'c', dependsOn: [a.id, ` ${b.id} `, a.id] });
      assert.deepEqual(c.dependsOn, ['T1', 'T2']);
      assert.equal('dependsOn' in a, false);
      // Read back from disk (queue.json and its journal) by another Federation, through the schema.
      const reread = await newFederation(tmp.path, { clock }).getTask('T3');
      assert.deepEqual(reread.dependsOn, ['T1', 'T2']);
    });

    it('refuses an unknown id, naming it, and adds nothing', async () => {
      await fed.addTask({ title: 'a' });
      await assert.rejects(
        fed.addTask({ title: 'b', dependsOn: ['T1', 'T7', 'T9'] }),
        refused('invalid-input', (e) => {
          assert.deepEqual(e.details['unknown'], ['T7', 'T9']);
          assert.match(e.message, /T7, T9/);
        }),
      );
      assert.deepEqual((await fed.listTasks()).map((t) => t.id), ['T1']);
    });

    it('refuses what is not a task id', async () => {
      await assert.rejects(fed.addTask({ title: 'b', dependsOn: ['first'] }), refused('invalid-input', (e) => assert.deepEqual(e.details['invalid'], ['first'])));
    });

    it('refuses a task depending on itself', async () => {
      const a = await fed.addTask({ title: 'a' });
      await assert.rejects(fed.setDependencies(a.id, [a.id], 'cli'), refused('invalid-input', (e) => assert.deepEqual(e.details['cycle'], ['T1', 'T1'])));
    });

    it('refuses an edge that closes a cycle, with the path, and changes nothing', async () => {
      const a = await fed.addTask({ title: 'a' });
      const b = await fed.addTask({ title: 'b', dependsOn: [a.id] });
      const c = await fed.addTask({ title: 'c', dependsOn: [b.id] });
      await assert.rejects(
        fed.setDependencies(a.id, [c.id], 'cli'),
        refused('invalid-input', (e) => {
          assert.deepEqual(e.details['cycle'], ['T1', 'T3', 'T2', 'T1']);
          assert.match(e.message, /T1 → T3 → T2 → T1/);
        }),
      );
      assert.equal((await fed.getTask(a.id)).dependsOn, undefined);
    });

    it('allows a diamond (two paths to one task are not a cycle)', async () => {
      const a = await fed.addTask({ title: 'a' });
      const b = await fed.addTask({ title: 'b', dependsOn: [a.id] });
      const c = await fed.addTask({ title: 'c', dependsOn: [a.id] });
      const d = await fed.addTask({ title: 'd', dependsOn: [b.id, c.id] });
      assert.deepEqual(d.dependsOn, ['T2', 'T3']);
    });

    it('setDependencies replaces the edges, an empty list removes them, each change in the history', async () => {
      const a = await fed.addTask({ title: 'a' });
      const b = await fed.addTask({ title: 'b' });
      const c = await fed.addTask({ title: 'c', dependsOn: [a.id] });
      assert.deepEqual((await fed.setDependencies(c.id, [b.id], 'lead')).dependsOn, ['T2']);
      const cleared = await fed.setDependencies(c.id, [], 'lead');
      assert.equal(cleared.dependsOn, undefined);
      assert.deepEqual(cleared.history.map((h) => [h.action, h.by, h.note]), [
        ['created', 'cli', undefined],
        ['dependencies', 'lead', 'depends on T2'],
        ['dependencies', 'lead', 'no dependencies (was T2)'],
      ]);
      await assert.rejects(fed.setDependencies('T99', [], 'lead'), refused('not-found'));
    });

    it('refuses to change the dependencies of a done task', async () => {
      const a = await fed.addTask({ title: 'a' });
      const b = await fed.addTask({ title: 'b' });
      await finish(a.id);
      await assert.rejects(fed.setDependencies(a.id, [b.id], 'cli'), refused('invalid-transition'));
    });

    it('checkDependencies alone: unknown ids before cycles, given order kept', () => {
      const task = (id: string, dependsOn?: string[]): Task => ({
        id, title: id, description: '', priority: 3, skills: [], status: 'queued', assignee: null,
        createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', createdBy: 't', history: [],
        ...(dependsOn ? { dependsOn } : {}),
      });
      const tasks = [task('T1', ['T2']), task('T2'), task('T3')];
      assert.deepEqual(checkDependencies(tasks, 'T2', ['T3']), ['T3']);
      assert.throws(() => checkDependencies(tasks, 'T2', ['T1', 'T8']), (e: FederationError) => e.details['unknown'] !== undefined);
      assert.throws(() => checkDependencies(tasks, 'T2', ['T3', 'T1']), (e: FederationError) => String(e.details['cycle']) === 'T2,T1,T2');
    });
  });

  describe('readiness', () => {
    it('a task is ready only when every dependency is done', async () => {
      const a = await fed.addTask({ title: 'a' });
      const b = await fed.addTask({ title: 'b' });
      const c = await fed.addTask({ title: 'c', dependsOn: [a.id, b.id] });
      const at = async () => statusIndex(await fed.listTasks());
      assert.equal(isReady(c, await at()), false);
      assert.deepEqual(blockersOf(c, await at()), [{ task: 'T1', status: 'queued' }, { task: 'T2', status: 'queued' }]);
      await finish(a.id);
      await fed.claimTask(b.id, 'dev');
      assert.deepEqual(blockersOf(c, await at()), [{ task: 'T2', status: 'claimed' }]);
      await fed.completeTask(b.id, 'dev');
      assert.equal(isReady(c, await at()), true);
      assert.equal(isReady(a, await at()), true, 'no dependencies: ready');
    });

    it('fails closed: a failed or cancelled dependency blocks until requeued and done', async () => {
      const a = await fed.addTask({ title: 'a' });
      const b = await fed.addTask({ title: 'b' });
      const c = await fed.addTask({ title: 'c', dependsOn: [a.id, b.id] });
      await fed.claimTask(a.id, 'dev');
      await fed.failTask(a.id, 'dev', 'broke');
      await fed.cancelTask(b.id, 'lead');
      await assert.rejects(fed.claimTask(c.id, 'dev'), refused('blocked', (e) => assert.deepEqual(e.details['blockers'], [{ task: 'T1', status: 'failed' }, { task: 'T2', status: 'cancelled' }])));
      await fed.requeueTask(a.id, 'lead');
      await fed.requeueTask(b.id, 'lead');
      await assert.rejects(fed.claimTask(c.id, 'dev'), refused('blocked'), 'requeued is not done yet');
      await finish(a.id);
      await finish(b.id);
      assert.equal((await fed.claimTask(c.id, 'dev')).status, 'claimed');
    });

    it('removing the edge to a failed dependency unblocks the task', async () => {
      const a = await fed.addTask({ title: 'a' });
      const c = await fed.addTask({ title: 'c', dependsOn: [a.id] });
      await fed.claimTask(a.id, 'dev');
      await fed.failTask(a.id, 'dev', 'broke');
      assert.equal((await fed.claimNext('dev')).task, null);
      await fed.setDependencies(c.id, [], 'lead');
      assert.equal((await fed.claimNext('dev')).task?.id, c.id);
    });
  });

  describe('claims', () => {
    it('claimNext takes the most urgent ready task, passing over a more urgent blocked one', async () => {
      const a = await fed.addTask({ title: 'a', priority: 5 });
      await fed.addTask({ title: 'urgent but waits', priority: 1, dependsOn: [a.id] });
      const first = await fed.claimNext('dev');
      assert.equal(first.task?.id, a.id);
      await fed.completeTask(a.id, 'dev');
      assert.equal((await fed.claimNext('dev')).task?.id, 'T2');
    });

    it('claimNext explains which dependency blocks the most urgent blocked task', async () => {
      const a = await fed.addTask({ title: 'a', skills: ['other'] });
      const b = await fed.addTask({ title: 'b', skills: ['other'] });
      await fed.addTask({ title: 'low', priority: 7, dependsOn: [a.id] });
      clock.advance(1000);
      await fed.addTask({ title: 'high', priority: 2, dependsOn: [a.id, b.id] });
      const none = await fed.claimNext('dev');
      assert.equal(none.task, null);
      assert.match(none.explanation!, /2 blocked/);
      assert.match(none.explanation!, /the most urgent, T4 \(P2\), is blocked by T1 \(queued\), T2 \(queued\)/);
    });

    it('claimTask of a blocked task is refused with its blockers; the task stays queued', async () => {
      const a = await fed.addTask({ title: 'a' });
      const c = await fed.addTask({ title: 'c', dependsOn: [a.id] });
      await assert.rejects(
        fed.claimTask(c.id, 'dev'),
        refused('blocked', (e) => {
          assert.equal(e.details['task'], 'T2');
          assert.deepEqual(e.details['blockers'], [{ task: 'T1', status: 'queued' }]);
          assert.match(e.message, /T2 is blocked by T1 \(queued\)/);
        }),
      );
      const after = await fed.getTask(c.id);
      assert.equal(after.status, 'queued');
      assert.equal(after.assignee, null);
    });

    it('a queue file written before dependencies (no dependsOn) still loads and claims as before', async () => {
      const at = '2026-01-01T00:00:00.000Z';
      const old = { id: 'T1', title: 'old', description: '', priority: 3, skills: [], status: 'queued', assignee: null, createdAt: at, updatedAt: at, createdBy: 'cli', history: [{ at, by: 'cli', action: 'created', from: null, to: 'queued' }] };
      rmSync(path.join(tmp.path, '.federation', 'queue.journal'), { force: true });
      writeFileSync(path.join(tmp.path, '.federation', 'queue.json'), JSON.stringify({ version: 1, revision: 1, nextId: 2, tasks: [old] }, null, 2));
      assert.equal((await newFederation(tmp.path, { clock }).claimNext('dev')).task?.id, 'T1');
    });
  });
});
