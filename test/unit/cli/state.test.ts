// The shared-state commands end to end (dist/cli.js): reads refuse a folder without a federation as writes do.
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
});
