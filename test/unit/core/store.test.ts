import * as assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { FederationError, StateFileError } from '../../../src/core/errors';
import { Federation } from '../../../src/core/federation';
import { newFederation } from '../../helpers/federation';
import { JOURNAL_LIMITS } from '../../../src/core/federation/state/codec';
import { QueueFile } from '../../../src/core/federation/state/schemas';
import { LOCK_TIMINGS } from '../../../src/core/federation/state/store';
import { useTempDir } from '../../helpers/tmp';

describe('FederationStore', () => {
  const tmp = useTempDir();
  let fed: Federation;
  const file = (name: string) => path.join(tmp.path, '.federation', name);
  const read = (name: string) => (existsSync(file(name)) ? readFileSync(file(name), 'utf8') : undefined);
  /** The queue as stored: the file and its journal. */
  const queueOnDisk = () => `${read('queue.json')}\n--- journal ---\n${read('queue.journal') ?? '(none)'}`;

  beforeEach(async () => {
    fed = newFederation(tmp.path);
    await fed.init();
  });

  it('refuses to change state before init, naming the folder', async () => {
    const other = newFederation(path.join(tmp.path, 'nowhere'));
    await assert.rejects(other.addTask({ title: 'x' }), (e: FederationError) => e.reason === 'not-initialized' && e.message.includes('nowhere'));
  });

  it('bumps the revision on every write and leaves no temp files', async () => {
    const before = (await fed.store.read('queue')).revision;
    await fed.addTask({ title: 'a' });
    await fed.addTask({ title: 'b' });
    assert.equal((await fed.store.read('queue')).revision, before + 2);
    assert.deepEqual(readdirSync(path.join(tmp.path, '.federation')).filter((n) => n.endsWith('.tmp')), []);
    await fed.close(); // the lock may be kept a moment for a next change (stateLock.ts); closing lets it go
    assert.equal(existsSync(file('state.lock')), false, 'the lock is released');
  });

  it('writes nothing when the change throws part-way', async () => {
    await fed.addTask({ title: 'a' }); // so that there is a journal too
    const before = queueOnDisk();
    await assert.rejects(
      fed.store.transaction(async (tx) => {
        const q = await tx.get('queue');
        q.nextId = 99;
        tx.set('queue', q);
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(queueOnDisk(), before);
  });

  for (const [name, content, field] of [
    ['truncated JSON', '{"version": 1, "revision": 3, "nextId": 2, "tas', ''],
    ['an empty file', '', ''],
    ['a schema violation', JSON.stringify({ version: 1, revision: 1, nextId: 2, tasks: [{ id: 'T1', title: 'x', description: '', priority: 'high' }] }), 'tasks.0.priority'],
  ] as const) {
    it(`never overwrites ${name}: names the file and field, keeps a copy, refuses changes`, async () => {
      writeFileSync(file('queue.json'), content);
      const err = await fed.addTask({ title: 'new' }).then(
        () => assert.fail('should refuse'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof StateFileError);
      assert.equal(err.reason, 'state-corrupt');
      assert.equal(err.file, file('queue.json'));
      assert.equal(err.field, field || '');
      assert.ok(err.message.includes('queue.json'));
      assert.equal(readFileSync(file('queue.json'), 'utf8'), content, 'the bad file is untouched');
      assert.ok(err.keptCopy && readFileSync(err.keptCopy, 'utf8') === content, 'a copy is kept aside');
      // The rest of the federation is still usable.
      await fed.registerPersona({ id: 'research', skills: ['research'] });
      assert.equal((await fed.listPersonas()).length, 1);
    });
  }

  it('keeps one copy per distinct bad content', async () => {
    writeFileSync(file('personas.json'), '{oops');
    await assert.rejects(fed.listPersonas());
    await assert.rejects(fed.listPersonas());
    assert.equal(readdirSync(file('corrupt')).length, 1);
  });

  it('refuses to write when the lock was compromised while held', async function () {
    this.timeout(LOCK_TIMINGS.updateMs * 4 + 5000);
    await fed.addTask({ title: 'a' });
    const before = queueOnDisk();
    await assert.rejects(
      fed.store.transaction(async (tx) => {
        const q = await tx.get('queue');
        q.nextId = 42;
        tx.set('queue', q);
        // Another process "takes over" the lock: remove it and wait for the holder's refresh to notice.
        rmSync(file('state.lock'), { recursive: true, force: true });
        await new Promise((r) => setTimeout(r, LOCK_TIMINGS.updateMs * 2 + 200));
      }),
      (e: FederationError) => e.reason === 'lock-compromised',
    );
    assert.equal(queueOnDisk(), before);
  });

  describe('queue journal', () => {
    const baseQueue = () => JSON.parse(readFileSync(file('queue.json'), 'utf8')) as QueueFile;
    const journalLines = () => (read('queue.journal') ?? '').split('\n').filter(Boolean);

    it('appends one line per change with only the tasks it touched, and reads back the same state', async () => {
      await fed.registerPersona({ id: 'dev', skills: ['ci'] });
      for (const title of ['a', 'b', 'c']) await fed.addTask({ title, skills: ['ci'] });
      const baseBefore = read('queue.json');
      await fed.claimNext('dev');
      assert.equal(read('queue.json'), baseBefore, 'the queue file itself is not rewritten');
      const last = JSON.parse(journalLines().at(-1)!) as { revision: number; header: { nextId: number }; items: { id: string; status: string }[] };
      assert.deepEqual(last.items.map((t) => [t.id, t.status]), [['T1', 'claimed']]);
      assert.equal(last.header.nextId, 4);
      const q = await fed.store.read('queue');
      assert.equal(q.revision, last.revision);
      assert.deepEqual(q.tasks.map((t) => [t.id, t.status]), [['T1', 'claimed'], ['T2', 'queued'], ['T3', 'queued']]);
      // A fresh process (no caches) sees the same.
      const fresh = JSON.parse(JSON.stringify(q));
      assert.deepEqual(await newFederation(tmp.path).store.read('queue'), fresh);
    });

    it(`folds the journal into queue.json after ${JOURNAL_LIMITS.maxRecords} changes`, async function () {
      this.timeout(60_000);
      for (let i = 0; i < JOURNAL_LIMITS.maxRecords + 1; i++) await fed.addTask({ title: `t${i}` });
      assert.ok(journalLines().length <= 1, `the journal was compacted (${journalLines().length} lines left)`);
      const q = await fed.store.read('queue');
      assert.equal(q.tasks.length, JOURNAL_LIMITS.maxRecords + 1);
      assert.equal(baseQueue().tasks.length + journalLines().length, JOURNAL_LIMITS.maxRecords + 1);
    });

    it('ignores a torn last line (a writer died mid-append) and the next change rewrites the file', async () => {
      await fed.addTask({ title: 'a' });
      appendFileSync(file('queue.journal'), '{"revision":99,"header":{"vers');
      assert.deepEqual((await fed.listTasks()).map((t) => t.title), ['a']);
      await fed.addTask({ title: 'b' });
      assert.equal(existsSync(file('queue.journal')), false, 'compacted');
      assert.deepEqual(baseQueue().tasks.map((t) => t.title), ['a', 'b']);
    });

    it('skips records already in the file (a compaction that stopped before removing the journal)', async () => {
      await fed.addTask({ title: 'a' });
      await fed.addTask({ title: 'b' });
      const journal = read('queue.journal')!;
      await fed.files.compact();
      assert.equal(existsSync(file('queue.journal')), false);
      writeFileSync(file('queue.journal'), journal); // as if the process died between the rename and the removal
      const q = await fed.store.read('queue');
      assert.deepEqual(q.tasks.map((t) => t.title), ['a', 'b']);
      assert.equal(q.revision, baseQueue().revision);
      await fed.addTask({ title: 'c' });
      assert.deepEqual((await fed.listTasks()).map((t) => t.title), ['a', 'b', 'c']);
      assert.equal(existsSync(file('queue.journal')), false, 'the stale journal was folded away');
    });

    it('replays by id on top of a hand-edited queue.json', async () => {
      await fed.addTask({ title: 'a' });
      await fed.files.compact();
      await fed.addTask({ title: 'b' });
      const base = baseQueue();
      base.tasks[0]!.title = 'a, edited by hand';
      writeFileSync(file('queue.json'), JSON.stringify(base, null, 2));
      assert.deepEqual((await fed.listTasks()).map((t) => t.title), ['a, edited by hand', 'b']);
    });

    it('a cached queue.json is never served stale or shared: same-size hand edits are seen, changes to what was read are not kept', async () => {
      const store = fed.files;
      await fed.addTask({ title: 'aaaa' });
      await store.compact();
      const first = await store.read('queue');
      first.tasks[0]!.title = 'changed in memory only';
      assert.equal((await store.read('queue')).tasks[0]!.title, 'aaaa', 'the cache holds its own copy');
      writeFileSync(file('queue.json'), read('queue.json')!.replace('"aaaa"', '"bbbb"')); // same size
      assert.equal((await store.read('queue')).tasks[0]!.title, 'bbbb');
    });

    it('with an id twice in queue.json (a hand edit, a merge), a change rewrites the file instead of replaying by id', async () => {
      await fed.registerPersona({ id: 'dev', skills: ['ci'] });
      await fed.addTask({ title: 'first', skills: ['ci'] });
      await fed.addTask({ title: 'second', skills: ['ci'] });
      await fed.files.compact();
      const base = baseQueue();
      base.tasks[1]!.id = 'T1';
      writeFileSync(file('queue.json'), JSON.stringify(base, null, 2));
      await fed.claimNext('dev');
      assert.equal(existsSync(file('queue.journal')), false, 'no journal line: the file was rewritten');
      const q = await newFederation(tmp.path).store.read('queue');
      assert.deepEqual(q.tasks.map((t) => [t.id, t.title, t.status]), [['T1', 'first', 'claimed'], ['T1', 'second', 'queued']]);
    });

    it('skips a second record with an applied revision (a writer that lost the lock while stalled) and folds it away', async () => {
      await fed.addTask({ title: 'a' });
      await fed.addTask({ title: 'b' });
      const lines = journalLines();
      const late = JSON.parse(lines[1]!) as { items: { title: string }[] };
      late.items[0]!.title = 'from a writer that lost the lock';
      appendFileSync(file('queue.journal'), JSON.stringify(late) + '\n');
      assert.deepEqual((await fed.listTasks()).map((t) => t.title), ['a', 'b']);
      await fed.addTask({ title: 'c' });
      assert.equal(existsSync(file('queue.journal')), false, 'folded');
      assert.deepEqual(baseQueue().tasks.map((t) => t.title), ['a', 'b', 'c']);
    });

    it('a hand edit that shifts the lines (a blank line) never lets an invalid task through a cached line', async () => {
      for (const title of ['a', 'b', 'c']) await fed.addTask({ title });
      await fed.files.compact();
      await fed.listTasks(); // this process now knows every line as valid
      const lines = read('queue.json')!.split('\n');
      const bad = JSON.parse(lines[2]!.replace(/,$/, '')) as Record<string, unknown>;
      bad['priority'] = 'urgent';
      lines.splice(1, 0, ''); // a blank line after the header: every item line moves down by one
      lines[3] = JSON.stringify(bad) + ',';
      writeFileSync(file('queue.json'), lines.join('\n'));
      const err = await fed.listTasks().then(() => assert.fail('should refuse'), (e: unknown) => e);
      assert.ok(err instanceof StateFileError, String(err));
      assert.equal(err.field, 'tasks.1.priority');
    });

    for (const [what, line, field] of [
      ['a line that is not JSON', '{"revision": 3, oops', 'line 2'],
      ['a revision gap', '{"revision":7,"header":{"version":1,"nextId":3},"items":[]}', 'line 2.revision'],
      ['an invalid task', '{"revision":3,"header":{"version":1,"nextId":3},"items":[{"id":"T2","title":"x","priority":"high"}]}', 'line 2.items.0.'],
    ] as const) {
      it(`names the journal and the line for ${what}, keeps a copy and refuses changes`, async () => {
        await fed.addTask({ title: 'a' });
        const rev = (await fed.store.read('queue')).revision;
        const bad = line.replace('"revision":3', `"revision":${rev + 1}`).replace('"revision":7', `"revision":${rev + 5}`);
        appendFileSync(file('queue.journal'), bad + '\n');
        const before = queueOnDisk();
        const err = await fed.addTask({ title: 'b' }).then(() => assert.fail('should refuse'), (e: unknown) => e);
        assert.ok(err instanceof StateFileError, String(err));
        assert.equal(err.file, file('queue.journal'));
        assert.ok(err.field.startsWith(field), `${err.field} starts with ${field}`);
        assert.equal(queueOnDisk(), before, 'nothing was written');
        assert.ok(err.keptCopy && readFileSync(err.keptCopy, 'utf8') === read('queue.journal'), 'a copy is kept aside');
      });
    }
  });
});
