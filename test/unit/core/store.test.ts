import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { FederationError, StateFileError } from '../../../src/core/errors';
import { Federation } from '../../../src/core/federation';
import { LOCK_TIMINGS } from '../../../src/core/state/store';
import { useTempDir } from '../../helpers/tmp';

describe('FederationStore', () => {
  const tmp = useTempDir();
  let fed: Federation;
  const file = (name: string) => path.join(tmp.path, '.federation', name);

  beforeEach(async () => {
    fed = new Federation(tmp.path);
    await fed.init();
  });

  it('refuses to change state before init, naming the folder', async () => {
    const other = new Federation(path.join(tmp.path, 'nowhere'));
    await assert.rejects(other.addTask({ title: 'x' }), (e: FederationError) => e.reason === 'not-initialized' && e.message.includes('nowhere'));
  });

  it('bumps the revision on every write and leaves no temp files', async () => {
    const before = JSON.parse(readFileSync(file('queue.json'), 'utf8')).revision;
    await fed.addTask({ title: 'a' });
    await fed.addTask({ title: 'b' });
    assert.equal(JSON.parse(readFileSync(file('queue.json'), 'utf8')).revision, before + 2);
    assert.deepEqual(readdirSync(path.join(tmp.path, '.federation')).filter((n) => n.endsWith('.tmp')), []);
    assert.equal(existsSync(file('state.lock')), false, 'the lock is released');
  });

  it('writes nothing when the change throws part-way', async () => {
    const before = readFileSync(file('queue.json'), 'utf8');
    await assert.rejects(
      fed.store.transaction(async (tx) => {
        const q = await tx.get('queue');
        q.nextId = 99;
        tx.set('queue', q);
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(readFileSync(file('queue.json'), 'utf8'), before);
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
    const before = readFileSync(file('queue.json'), 'utf8');
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
    assert.equal(readFileSync(file('queue.json'), 'utf8'), before);
  });
});
