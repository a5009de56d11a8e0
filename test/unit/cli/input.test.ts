// What the CLI does with hostile input, end to end (dist/cli.js): a Docker host address with a password is
// refused without showing it.
import * as assert from 'node:assert/strict';
import { cliIn } from '../../helpers/cli';
import { useTempDir } from '../../helpers/tmp';

describe('federation CLI: hostile input', () => {
  const tmp = useTempDir();
  const run = cliIn(() => tmp.path, { DOCKER_HOST: undefined });

  beforeEach(async () => {
    assert.equal((await run('init')).code, 0);
  });

  describe('--host with credentials', () => {
    for (const argv of [
      ['agent', 'list', '--host', 'tcp://me:hunter2@127.0.0.1:9'],
      ['agent', 'list', '--host', 'me:hunter2@127.0.0.1:9'],
      ['agent', 'deploy', 'none.brief.md', '--host', 'tcp://me:hunter2@127.0.0.1:9'],
    ]) {
      it(`${argv.slice(0, 2).join(' ')} --host ${argv[argv.length - 1]!.replace('hunter2', '***')}: invalid-input, the password not shown`, async () => {
        const json = await run(...argv, '--json');
        assert.equal(json.code, 1, json.err);
        assert.equal(json.out, '');
        const { error } = JSON.parse(json.err);
        assert.equal(error.reason, 'invalid-input');
        assert.ok(!json.err.includes('hunter2'), json.err);
        const text = await run(...argv);
        assert.equal(text.code, 1);
        assert.match(text.err, /no user or password in a tcp:\/\/ address/);
        assert.ok(!(text.out + text.err).includes('hunter2'), text.err);
      });
    }
  });
});
