// The file backend's changes: the queue a change reads (kept between changes and brought up to date from the
// journal) and the state lock kept for a next change (stateLock.ts). Frozen shared tasks: test/stress/suite.ts.
import * as assert from 'node:assert/strict';
import { type FSWatcher, existsSync, readFileSync, watch, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Federation } from '../../../src/core/federation';
import { JOURNAL_LIMITS } from '../../../src/core/federation/state/codec';
import { LEASE } from '../../../src/core/federation/state/stateLock';
import { newFederation, newStore } from '../../helpers/federation';
import { useTempDir } from '../../helpers/tmp';

describe('file backend changes', () => {
  const tmp = useTempDir('fed-changes-');
  const file = (name: string) => path.join(tmp.path, '.federation', name);
  let feds: Federation[] = [];
  const fed = () => {
    const f = newFederation(tmp.path);
    feds.push(f);
    return f;
  };
  afterEach(async () => {
    for (const f of feds) await f.close();
    feds = [];
  });

  /** Whether `p` goes away within `ms`: woken by its removal (a file event), not by polling. */
  function goneWithin(p: string, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      let watcher: FSWatcher | undefined;
      const done = (gone: boolean) => {
        clearTimeout(timer);
        watcher?.close();
        resolve(gone);
      };
      const timer = setTimeout(() => done(!existsSync(p)), ms);
      try {
        watcher = watch(p, () => !existsSync(p) && done(true));
      } catch {
        done(!existsSync(p)); // gone before the watch began
        return;
      }
      if (!existsSync(p)) done(true);
    });
  }

  /** What a change reads now (inside the lock), as plain JSON. */
  async function readInChange(f: Federation) {
    return f.store.transaction(async (tx) => JSON.parse(JSON.stringify(await tx.get('queue'))) as unknown);
  }

  it('a change reads what is on disk, with what other processes appended and folded meanwhile, and a hand edit', async function () {
    this.timeout(60_000);
    const a = fed();
    await a.init();
    await a.registerPersona({ id: 'dev', skills: [] });
    const b = fed();
    // Across more than one fold, b's kept queue must match a fresh read (no cache) after each of a's changes.
    for (let i = 0; i < JOURNAL_LIMITS.maxRecords + 10; i++) {
      await a.addTask({ title: `t${i}` });
      if (i % 3 === 0) await b.claimNext('dev');
      if (i % 7 === 0) assert.deepEqual(await readInChange(b), await newStore(tmp.path).read('queue'), `after change ${i}`);
    }
    // A hand edit of queue.json of the same length: seen, though the journal did not move.
    await newStore(tmp.path).compact();
    const before = readFileSync(file('queue.json'), 'utf8');
    writeFileSync(file('queue.json'), before.replace('"title":"t1"', '"title":"T!"'));
    const q = (await readInChange(b)) as { tasks: { title: string }[] };
    assert.ok(q.tasks.some((t) => t.title === 'T!'), 'the hand edit is read');
    assert.deepEqual(q, await newStore(tmp.path).read('queue'));
  });

  it('the lock is kept a moment after a change, then let go without a next one; close lets go at once', async () => {
    const a = fed();
    await a.init();
    await a.addTask({ title: 'a' });
    assert.ok(existsSync(file('state.lock')), 'kept for a next change');
    assert.equal(await goneWithin(file('state.lock'), 2_000), true, `let go within ${LEASE.lingerMs} ms of not being used (waited up to 2 s)`);
    await a.addTask({ title: 'b' });
    await a.close();
    assert.equal(existsSync(file('state.lock')), false, 'close lets go');
    await a.addTask({ title: 'c' });
    assert.equal(existsSync(file('state.lock')), false, 'a closed store keeps none');
  });

  it(`a kept lock serves at most ${LEASE.uses} changes; another store waiting is served next, in turn`, async () => {
    const a = fed();
    await a.init();
    const b = fed();
    const order: string[] = [];
    // a changes back to back while b waits: b gets its turn after at most LEASE.uses of a's.
    await a.addTask({ title: 'first' });
    const bChange = b.addTask({ title: 'b' }).then(() => order.push('b'));
    for (let i = 0; i < LEASE.uses * 3; i++) {
      await a.addTask({ title: `a${i}` });
      order.push(`a${i}`);
    }
    await bChange;
    assert.ok(order.indexOf('b') <= LEASE.uses, `b waited for ${order.indexOf('b')} of a's changes: ${order.join(' ')}`);
  });

  it('changes of one process at once all land, in turn, without waiting for the kept lock to lapse', async () => {
    const a = fed();
    await a.init();
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 20 }, (_, i) => a.addTask({ title: `p${i}` })));
    assert.equal((await a.listTasks()).length, 20);
    assert.ok(Date.now() - t0 < 5_000, 'no change waited for a timer');
  });
});
