// The NATS backend against a real nats-server: the federation's operations as on files, shared by two
// workspaces that share no file, each change one commit, whole or not at all.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { Federation } from '../../src/core/federation';
import { isFederationError } from '../../src/core/errors';
import type { DeferredBackend } from '../../src/core/federation/state/deferred';
import { readAll } from '../../src/node/nats/history';
import { federationNames } from '../../src/node/nats/names';
import type { Commit } from '../../src/node/nats/view';
import { NatsCluster, startNats } from '../helpers/natsServer';
import { natsFederation, uniqueFederation, writeNatsConfig } from '../helpers/natsFederation';

describe('NATS backend (one node)', function () {
  this.timeout(30_000);
  let nats: NatsCluster;
  const dirs: string[] = [];
  const feds: Federation[] = [];
  const workspace = (federation: string, options: Parameters<typeof natsFederation>[1] = {}): Federation => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'fed-nats-ws-'));
    dirs.push(root);
    writeNatsConfig(root, nats.servers, federation);
    const fed = natsFederation(root, options);
    feds.push(fed);
    return fed;
  };
  const commits = async (federation: string): Promise<{ seq: number; subject: string; commit: Commit }[]> => {
    const nc = await connect({ servers: nats.servers });
    try {
      const names = federationNames(federation);
      return (await readAll(jetstream(nc), names.stream, names.subjects)).map((m) => ({ seq: m.seq, subject: m.subject, commit: m.json<Commit>() }));
    } finally {
      await nc.close();
    }
  };

  before(async () => {
    nats = await startNats();
  });
  after(async () => {
    await nats?.dispose();
  });
  afterEach(async () => {
    await Promise.all(feds.splice(0).map((f) => f.close()));
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('two workspaces that share no file share one federation: a persona registered in one is seen in the other', async () => {
    const name = uniqueFederation();
    const a = workspace(name);
    const b = workspace(name);
    assert.equal(await a.isInitialized(), false);
    const created = await a.init();
    assert.ok(created.includes(`stream ${name}_events`), created.join(', '));
    assert.deepEqual((await b.init()).filter((c) => !c.startsWith('.gitignore')), [], 'the second init makes nothing');
    await a.registerPersona({ id: 'alice', skills: ['docs'] });
    assert.deepEqual((await b.listPersonas()).map((p) => p.id), ['alice']);
    assert.equal((a.store as DeferredBackend).kind, 'nats');
    // No state file in either workspace: the state is in NATS.
    for (const fed of [a, b]) assert.ok(!existsSync(path.join(fed.root, '.federation', 'personas.json')));
  });

  it('a claim is one commit that writes the task and the persona; the task\'s history is in the stream', async () => {
    const name = uniqueFederation();
    const a = workspace(name);
    await a.init();
    await a.registerPersona({ id: 'alice', skills: [] });
    const added = await a.addTask({ title: 'write it', by: 'alice' });
    const b = workspace(name);
    const claimed = await b.claimNext('alice');
    assert.equal(claimed.task?.id, added.id);
    const log = await commits(name);
    const claim = log.at(-1)!;
    assert.deepEqual(claim.commit.w.map(([bucket, key]) => `${bucket}/${key}`).sort(), [`personas/alice`, `tasks/${added.id}`]);
    assert.equal(claim.subject, `${name}.events.tasks.${added.id}`);
    const history = await a.store.taskHistory!(added.id);
    assert.deepEqual(history.map((h) => h.task?.status), ['queued', 'claimed']);
    assert.deepEqual((await a.getTask(added.id)).history.map((e) => e.action), ['created', 'claimed']);
  });

  it('a handoff writes the task and its document in one commit; the other workspace reads the document and acknowledges it', async () => {
    const name = uniqueFederation();
    const a = workspace(name);
    const b = workspace(name, { nats: { mirrorDocs: true } });
    await a.init();
    await a.registerPersona({ id: 'alice', skills: [] });
    await a.registerPersona({ id: 'bob', skills: [] });
    const t = await a.addTask({ title: 'pass it on' });
    await a.claimTask(t.id, 'alice');
    const { document } = await a.handoff(t.id, { from: 'alice', to: 'bob', context: 'over to you' });
    const last = (await commits(name)).at(-1)!;
    assert.deepEqual(last.commit.w.map(([bucket]) => bucket).sort(), ['docs', 'tasks']);
    assert.match((await b.store.readText(document))!, /over to you/);
    await b.claimNext('bob');
    assert.match((await a.store.readText(document))!, /Acknowledged by \*\*bob\*\*/);
    // b keeps a copy where the editor opens it.
    await b.listTasks();
    const copy = b.store.pathOf(document);
    assert.ok(copy.startsWith(b.root));
  });

  it('a change that fails decides nothing: an exclusive document that exists, a claim out of scope', async () => {
    const name = uniqueFederation();
    const a = workspace(name);
    await a.init();
    await a.registerPersona({ id: 'alice', skills: ['go'] });
    const t = await a.addTask({ title: 'rust work', skills: ['rust'] });
    const before = (await commits(name)).length;
    await assert.rejects(a.claimTask(t.id, 'alice'), (e: unknown) => isFederationError(e, 'skill-scope'));
    await assert.rejects(
      a.store.transaction((tx) => {
        tx.writeText('handoffs/x.md', 'one');
        tx.writeText('handoffs/x.md', 'two', { exclusive: true });
      }),
      (e: unknown) => isFederationError(e, 'already-exists'),
    );
    assert.equal((await commits(name)).length, before, 'no commit');
  });

  it('locks carry a fencing number that grows with each new holder and stays with renewals', async () => {
    const name = uniqueFederation();
    const a = workspace(name);
    await a.init();
    await a.registerPersona({ id: 'alice', skills: [] });
    await a.registerPersona({ id: 'bob', skills: [] });
    const first = await a.acquireLock('db.schema', 'alice', { ttlMinutes: 1 });
    assert.ok(first.lock.fence! > 0);
    const renewed = await a.acquireLock('db.schema', 'alice', { ttlMinutes: 1 });
    assert.equal(renewed.lock.fence, first.lock.fence);
    await a.releaseLock('db.schema', 'alice');
    const second = await a.acquireLock('db.schema', 'bob', { ttlMinutes: 1 });
    assert.ok(second.lock.fence! > first.lock.fence!);
    assert.deepEqual((await a.listLocks()).map((l) => l.resource), ['db.schema']);
    assert.equal(a.store.pathOf('locks/db.schema.lock'), `nats://${name}/locks/db=schema`);
  });

  it('calendars and dependencies round-trip', async () => {
    const name = uniqueFederation();
    const a = workspace(name);
    await a.init();
    await a.registerPersona({ id: 'alice', skills: [] });
    await a.setCalendar('alice', { timezone: 'UTC', weekly: [{ days: ['mon'], start: '09:00', end: '17:00' }], exceptions: [] });
    const t1 = await a.addTask({ title: 'one' });
    const t2 = await a.addTask({ title: 'two', dependsOn: [t1.id] });
    const b = workspace(name);
    assert.equal((await b.store.read('calendar')).calendars['alice']?.timezone, 'UTC');
    assert.deepEqual((await b.getTask(t2.id)).dependsOn, [t1.id]);
    assert.equal((await b.store.read('queue')).nextId, 3);
  });

  it('a change refused on a view behind the stream asks the stream first: a task added elsewhere a moment ago is found', async () => {
    const name = uniqueFederation();
    const a = workspace(name);
    const b = workspace(name);
    await a.init();
    await a.registerPersona({ id: 'alice', skills: [] });
    await b.listTasks(); // b's view is open and follows the stream from here on
    const before = (b.store as DeferredBackend).current() as unknown as { stats: { commits: number } };
    for (let i = 0; i < 30; i++) {
      const t = await a.addTask({ title: `task ${i}` });
      // At once, before b's view may have had a's commit: a claim that finds no such task would be wrong.
      assert.equal((await b.claimTask(t.id, 'alice')).assignee, 'alice');
    }
    assert.equal(before.stats.commits, 30);
  });

  it('a workspace with no federation in NATS says so', async () => {
    const a = workspace(uniqueFederation());
    assert.equal(await a.isInitialized(), false);
    assert.deepEqual(await a.listTasks(), []);
    await assert.rejects(a.addTask({ title: 'x' }), (e: unknown) => isFederationError(e, 'not-initialized'));
  });

  it('servers that cannot be reached give backend-unavailable, naming them', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'fed-nats-ws-'));
    dirs.push(root);
    writeNatsConfig(root, ['nats://127.0.0.1:1'], 'nowhere');
    const fed = natsFederation(root);
    feds.push(fed);
    await assert.rejects(fed.listTasks(), (e: unknown) => isFederationError(e, 'backend-unavailable') && /nats:\/\/127\.0\.0\.1:1/.test(e.message));
    assert.ok(readFileSync(path.join(root, '.federation', 'config.yaml'), 'utf8').includes('nowhere'));
  });
});
