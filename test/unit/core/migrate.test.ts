// Moving a federation between backends (core/federation/migrate.ts), here between two file backends in two
// folders: the same code moves files to NATS and back (test/nats/cli.test.ts runs that through the CLI).
import * as assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { isFederationError } from '../../../src/core/errors';
import type { Federation } from '../../../src/core/federation';
import { migrateState } from '../../../src/core/federation/migrate';
import type { StateBackend } from '../../../src/core/federation/state/backend';
import { newFederation } from '../../helpers/federation';
import { useTempDir } from '../../helpers/tmp';

describe('migrateState (federation migrate)', () => {
  const tmp = useTempDir('fed-migrate-');
  const names = { from: 'the source', to: 'the target' };
  const fedAt = async (name: string): Promise<Federation> => {
    const root = path.join(tmp.path, name);
    mkdirSync(root);
    const fed = newFederation(root);
    await fed.init();
    return fed;
  };

  /** A source with something of every kind: personas, tasks (one handed off), a calendar, a lock, a document. */
  async function filled(): Promise<Federation> {
    const fed = await fedAt('source');
    await fed.registerPersona({ id: 'alice', skills: ['docs'] });
    await fed.registerPersona({ id: 'bob', skills: ['docs'] });
    const t1 = await fed.addTask({ title: 'one', skills: ['docs'] });
    await fed.addTask({ title: 'two', dependsOn: [t1.id] });
    await fed.claimTask(t1.id, 'alice');
    await fed.handoff(t1.id, { from: 'alice', to: 'bob', context: 'yours now' });
    await fed.acquireLock('db.schema', 'bob', { ttlMinutes: 5 });
    // Last: a calendar that keeps alice unavailable most of the week would refuse her claim above.
    await fed.setCalendar('alice', { timezone: 'UTC', weekly: [{ days: ['mon'], start: '09:00', end: '17:00' }], exceptions: [] });
    return fed;
  }

  it('copies everything into an empty target, counts it, and leaves the source as it was', async () => {
    const source = await filled();
    const before = await source.store.read('queue');
    const target = await fedAt('target');
    const moved = await migrateState(source.store, target.store, names);
    assert.deepEqual(moved, { personas: 2, tasks: 2, calendars: 1, locks: 1, documents: 1 });
    assert.deepEqual(await target.listTasks(), await source.listTasks());
    assert.equal((await target.store.read('queue')).nextId, 3);
    assert.deepEqual((await target.listLocks()).map((l) => [l.resource, l.holder]), [['db.schema', 'bob']]);
    const [doc] = await target.store.listDir('handoffs');
    assert.match((await target.store.readText(`handoffs/${doc}`))!, /yours now/);
    assert.equal((await target.store.read('calendar')).calendars['alice']?.timezone, 'UTC');
    assert.deepEqual(await source.store.read('queue'), before);
  });

  it('refuses a target that holds anything, writing nothing; --replace overwrites it and removes what the source lacks', async () => {
    const source = await filled();
    const target = await fedAt('target');
    await target.registerPersona({ id: 'carol', skills: [] });
    await target.addTask({ title: 'only here' });
    await target.acquireLock('only.here', 'carol', { ttlMinutes: 5 });
    const queue = await target.store.read('queue');
    await assert.rejects(migrateState(source.store, target.store, names), (e: unknown) => isFederationError(e, 'already-exists') && e.details['tasks'] === 1 && /the target/.test(e.message));
    assert.deepEqual(await target.store.read('queue'), queue, 'nothing written');
    const moved = await migrateState(source.store, target.store, names, { replace: true });
    assert.equal(moved.tasks, 2);
    assert.deepEqual((await target.listPersonas()).map((p) => p.id), ['alice', 'bob']);
    assert.deepEqual((await target.listTasks()).map((t) => t.title), ['one', 'two']);
    assert.deepEqual((await target.listLocks()).map((l) => l.resource), ['db.schema']);
  });

  it('fails with source-changed when the source changes while it is copied', async () => {
    const source = await filled();
    const target = await fedAt('target');
    // Another writer adds a task once the copy has begun (when the target is being made ready).
    const racing: StateBackend = Object.assign(Object.create(target.store) as StateBackend, {
      init: async () => {
        await source.addTask({ title: 'added meanwhile' });
        return target.store.init();
      },
    });
    await assert.rejects(migrateState(source.store, racing, names), (e: unknown) => isFederationError(e, 'source-changed') && /the source changed/.test(e.message));
  });

  it('refuses a source with no federation', async () => {
    const empty = newFederation(path.join(tmp.path, 'nothing'));
    const target = await fedAt('target');
    await assert.rejects(migrateState(empty.store, target.store, names), (e: unknown) => isFederationError(e, 'not-initialized'));
  });
});
