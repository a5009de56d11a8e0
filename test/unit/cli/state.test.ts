// The shared-state commands end to end (dist/cli.js): reads refuse a folder without a federation as writes do;
// lock acquire refuses a time to live that is not positive and a task not in the queue.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { cliIn } from '../../helpers/cli';
import { useTempDir } from '../../helpers/tmp';

describe('federation CLI: shared state', () => {
  const tmp = useTempDir();
  const run = cliIn(() => tmp.path);

  describe('without a federation', () => {
    for (const read of [['persona', 'list'], ['task', 'list'], ['lock', 'list']]) {
      it(`${read.join(' ')} fails with not-initialized (JSON on stderr), and lists nothing`, async () => {
        const nope = path.join(tmp.path, 'nope');
        const json = await run('--root', nope, ...read, '--json');
        assert.equal(json.code, 1, json.err);
        assert.equal(json.out, '');
        assert.equal(JSON.parse(json.err).error.reason, 'not-initialized');
        const text = await run(...read);
        assert.equal(text.code, 1);
        assert.equal(text.out, '');
        assert.match(text.err, /No federation in .*: run "federation init" first/);
        assert.ok(!existsSync(path.join(tmp.path, '.federation')) && !existsSync(nope));
      });
    }
  });

  describe('lock acquire', () => {
    beforeEach(async () => {
      assert.equal((await run('init')).code, 0);
      assert.equal((await run('persona', 'register', 'devops', '--skills', 'ci')).code, 0);
    });

    for (const ttl of ['0', '-5']) {
      it(`--ttl ${ttl} is invalid-input (exit 1, as --priority and --copies out of range), and nothing is locked`, async () => {
        const r = await run('lock', 'acquire', 'db', '--persona', 'devops', '--ttl', ttl, '--json');
        assert.equal(r.code, 1, r.err);
        const { error } = JSON.parse(r.err);
        assert.deepEqual([error.reason, error.details.field], ['invalid-input', 'ttlMinutes']);
        assert.deepEqual(JSON.parse((await run('lock', 'list', '--json')).out).locks, []);
      });
    }

    it('--task of a task that does not exist is not-found, naming it, and nothing is locked', async () => {
      const r = await run('lock', 'acquire', 'db', '--persona', 'devops', '--task', 'T99', '--json');
      assert.equal(r.code, 1, r.err);
      const { error } = JSON.parse(r.err);
      assert.deepEqual([error.reason, error.details.task], ['not-found', 'T99']);
      assert.match(error.message, /T99/);
      assert.deepEqual(JSON.parse((await run('lock', 'list', '--json')).out).locks, []);
    });
  });
});
