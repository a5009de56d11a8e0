// The stress and corruption suite both state backends must pass, one definition run on each: the file backend's
// in the unit suite (test/unit/core/stress.test.ts), the NATS backend's in the NATS suite (test/nats/stress.test.ts,
// it needs nats-server). What is true of one backend only (the file lock's takeover and stale window) stays in
// that backend's file.
import * as assert from 'node:assert/strict';
import type { Federation } from '../../src/core/federation';
import { isFederationError, isStateFileError } from '../../src/core/errors';
import type { Task } from '../../src/core/federation/state/schemas';
import { useTempDir } from '../helpers/tmp';
import { type RunningWorker, type StressBackend, runWorker, startWorker } from './run';

export interface BackendUnderTest {
  name: StressBackend;
  /** Once before the suite and after it (the NATS one starts and stops its server). */
  before?(): Promise<void>;
  after?(): Promise<void>;
  /** A new federation in the workspace `root` with personas w0…w{n-1}; the suite closes it. */
  setup(root: string, personas: number): Promise<Federation>;
  /** Another handle on the same workspace's federation, as a view or another process opens it. */
  open(root: string): Federation;
  /** What a reader without any lock also checks on each read (the file backend: queue.json parses alone). */
  rawCheck?(root: string): void;
  /**
   * Puts a task whose priority breaks the schema into the stored queue, as a hand edit or a foreign writer
   * would; what a read then names: the place (file or item) and the field.
   */
  corruptTask(root: string, fed: Federation): Promise<{ where: string; field: string }>;
  /** The queue as stored, to show nothing was written over it (file contents, or the stream's last sequence). */
  stored(root: string, fed: Federation): Promise<string>;
  /**
   * The revision the queue's next changes count from. By default the queue's own (the file backend counts the
   * queue's writes); a NATS revision is the stream's sequence, which every commit moves (a persona's too).
   */
  revisionBefore?(root: string, fed: Federation): Promise<number>;
}

export function defineStressSuite(backend: BackendUnderTest, timeoutMs = 180_000): void {
  describe(`shared state under concurrent processes (${backend.name} backend)`, function () {
    this.timeout(timeoutMs);
    const tmp = useTempDir(`fed-stress-${backend.name}-`);
    const open: Federation[] = [];
    const running: RunningWorker[] = [];
    before(async () => backend.before?.());
    after(async () => backend.after?.());
    afterEach(async () => {
      for (const w of running.splice(0)) w.child.kill('SIGKILL');
      await Promise.all(open.splice(0).map((f) => f.close()));
    });
    const setup = async (n: number) => {
      const fed = await backend.setup(tmp.path, n);
      open.push(fed);
      return fed;
    };
    const reopen = () => {
      const fed = backend.open(tmp.path);
      open.push(fed);
      return fed;
    };

    it('8 processes x 250 mutations: exactly 2000 applied, none lost, none claimed twice, never unreadable', async () => {
      const fed = await setup(8);
      const reader = reopen();
      const startRevision = backend.revisionBefore ? await backend.revisionBefore(tmp.path, fed) : (await reader.store.read('queue')).revision;

      // The reader does what the extension's views do: read the queue without any lock. It must never fail,
      // and never see the revision go back.
      let reads = 0;
      const badReads: string[] = [];
      let reading = true;
      let lastRevision = -1;
      const polling = (async () => {
        while (reading) {
          try {
            backend.rawCheck?.(tmp.path);
            const q = await reader.store.read('queue');
            if (q.revision < lastRevision) badReads.push(`revision went back from ${lastRevision} to ${q.revision}`);
            lastRevision = q.revision;
            reads++;
          } catch (e) {
            badReads.push(String(e));
          }
          await new Promise((r) => setImmediate(r));
        }
      })();

      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => runWorker(tmp.path, `w${i}`, 250, 'mixed', backend.name)));
      reading = false;
      await polling;

      const queue = await reader.store.read('queue');
      const claimed = results.flatMap((r) => r.claimed);
      const added = results.reduce((n, r) => n + r.added, 0);
      assert.equal(added + claimed.length, 2000);
      assert.equal(queue.revision - startRevision, 2000, 'every mutation wrote exactly one queue revision');
      assert.equal(queue.tasks.length, 1000, 'no add was lost');
      assert.equal(new Set(queue.tasks.map((t) => t.id)).size, 1000, 'ids are unique');
      assert.equal(new Set(claimed).size, claimed.length, 'no task claimed twice');
      assert.equal(claimed.length, 1000);
      for (const t of queue.tasks) {
        assert.equal(t.status, 'claimed', `${t.id} is claimed`);
        assert.equal(t.history.filter((h) => h.action === 'claimed').length, 1, `${t.id} claimed once`);
      }
      const byWorker = new Map(results.map((r, i) => [`w${i}`, new Set(r.claimed)]));
      for (const t of queue.tasks) assert.ok(byWorker.get(t.assignee!)?.has(t.id), `${t.id}'s assignee is the worker that claimed it`);
      assert.deepEqual(badReads.slice(0, 3), [], `a reader failed ${badReads.length} times in ${reads} reads`);
      assert.ok(reads > 100, `the reader polled throughout (${reads} reads)`);
    });

    it('a writer killed with SIGKILL in the middle of its changes leaves none half-applied, and the others go on', async () => {
      const fed = await setup(5);
      // The victim changes without pause; killed once it is well under way, it is almost surely in one change
      // (on files: holding the lock, mid-write; on NATS: between deciding and the stream's answer).
      const victim = startWorker(tmp.path, 'w4', 100_000, 'mixed', backend.name, true);
      running.push(victim);
      const others = Array.from({ length: 4 }, (_, i) => runWorker(tmp.path, `w${i}`, 100, 'mixed', backend.name));
      await victim.progressed(40);
      victim.child.kill('SIGKILL');
      await assert.rejects(victim.done, /SIGKILL/);
      const results = await Promise.all(others);

      const tasks = await reopen().listTasks();
      const byId = new Map(tasks.map((t) => [t.id, t]));
      assert.equal(byId.size, tasks.length, 'ids are unique');
      for (const [i, r] of results.entries()) {
        for (const id of r.claimed) assert.equal(byId.get(id)?.assignee, `w${i}`, `${id} is w${i}'s, as w${i} was told`);
      }
      const claimedByOthers = results.flatMap((r) => r.claimed);
      assert.equal(new Set(claimedByOthers).size, claimedByOthers.length, 'no task claimed twice');
      assert.ok(tasks.length >= 200 + 20, `the others' 200 adds and the victim's first ones are there (${tasks.length})`);
      for (const t of tasks) assertWhole(t);
      // The federation goes on: a change after the kill lands and is seen.
      const after = await fed.addTask({ title: 'after the kill' });
      assert.ok((await reopen().listTasks()).some((t) => t.id === after.id));
    });

    it('a change reads the shared tasks, frozen: one changed in place is refused and nothing is written; results are the caller\'s own', async () => {
      const fed = await setup(1);
      await fed.addTask({ title: 'a' });
      const before = await backend.stored(tmp.path, fed);
      await assert.rejects(
        fed.store.transaction(async (tx) => {
          const q = await tx.get('queue');
          q.tasks[0]!.title = 'changed in place';
          tx.set('queue', q);
        }),
        TypeError,
      );
      assert.equal(await backend.stored(tmp.path, fed), before, 'nothing was written');
      const got = await fed.store.transaction(async (tx) => (await tx.get('queue')).tasks);
      got[0]!.title = 'mine to change';
      assert.equal((await fed.listTasks())[0]!.title, 'a');
    });

    it('a task that breaks the schema is named with its field; changes to the queue are refused, nothing is written over it, the rest goes on', async () => {
      const fed = await setup(1);
      await fed.addTask({ title: 'good one' });
      const { where, field } = await backend.corruptTask(tmp.path, fed);
      const before = await backend.stored(tmp.path, fed);
      const err = await fed.addTask({ title: 'new' }).then(
        () => assert.fail('should refuse'),
        (e: unknown) => e,
      );
      assert.ok(isStateFileError(err), String(err));
      assert.equal(err.reason, 'state-corrupt');
      assert.equal(err.file, where);
      assert.equal(err.field, field);
      // Another handle reads the same: the bad item is refused there too, not half-read.
      await assert.rejects(reopen().listTasks(), (e: unknown) => isFederationError(e, 'state-corrupt'));
      assert.equal(await backend.stored(tmp.path, fed), before, 'what is stored is untouched');
      // The rest of the federation is still usable.
      await fed.registerPersona({ id: 'research', skills: ['research'] });
      assert.deepEqual((await fed.listPersonas()).map((p) => p.id).sort(), ['research', 'w0']);
    });
  });
}

/** A task is whole: created once, claimed at most once, its status the last step of its history. */
function assertWhole(t: Task): void {
  assert.equal(t.history.filter((h) => h.action === 'created').length, 1, `${t.id} created once`);
  assert.ok(t.history.filter((h) => h.action === 'claimed').length <= 1, `${t.id} claimed at most once`);
  assert.equal(t.history.at(-1)!.to, t.status, `${t.id}'s status is its history's last step`);
  if (t.status === 'claimed') assert.equal(t.assignee, t.history.at(-1)!.by, `${t.id}'s assignee is who claimed it`);
}
