// What acquireLock refuses before it writes a lock: a time to live that is not positive, a task not in the queue.
import * as assert from 'node:assert/strict';
import { FederationError } from '../../../src/core/errors';
import { Federation } from '../../../src/core/federation';
import { newFederation } from '../../helpers/federation';
import { FakeClock, useTempDir } from '../../helpers/tmp';

describe('Federation.acquireLock: its input', () => {
  const tmp = useTempDir();
  let fed: Federation;

  beforeEach(async () => {
    fed = newFederation(tmp.path, { clock: new FakeClock() });
    await fed.init();
    await fed.registerPersona({ id: 'devops', skills: ['ci'] });
  });

  for (const ttlMinutes of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
    it(`refuses a time to live of ${ttlMinutes} minutes (invalid-input), writing no lock`, async () => {
      await assert.rejects(fed.acquireLock('db', 'devops', { ttlMinutes }), (e: FederationError) => e.reason === 'invalid-input' && e.details['field'] === 'ttlMinutes');
      assert.deepEqual(await fed.listLocks(), []);
    });
  }

  it('refuses a task that is not in the queue (not-found, naming it), and takes one that is', async () => {
    await assert.rejects(fed.acquireLock('db', 'devops', { task: 'T99' }), (e: FederationError) => e.reason === 'not-found' && e.details['task'] === 'T99' && /T99/.test(e.message));
    assert.deepEqual(await fed.listLocks(), []);
    const task = await fed.addTask({ title: 'migrate' });
    assert.equal((await fed.acquireLock('db', 'devops', { task: task.id, ttlMinutes: 0.5 })).lock.task, task.id);
  });
});
