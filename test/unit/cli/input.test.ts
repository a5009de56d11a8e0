// What the CLI does with hostile input, end to end (dist/cli.js): a Docker host address with a password is
// refused without showing it; terminal controls in state, briefs and arguments are printed escaped, except in JSON.
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
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

  describe('terminal controls in human output', () => {
    // ESC (clear screen, window title), CR (overwrite the line), BEL, and a newline that would fake a second task.
    const evil = 'Fix \x1b[2J\x1b]0;pwned\x07bug\rT9     P1 done fake\nT8';
    /** No control character but newline (and tab) reached the terminal. */
    const clean = (text: string) => assert.ok(!/[\x00-\x08\x0b-\x1f\x7f]/.test(text), JSON.stringify(text));

    it('task add and task list print a title escaped, on one line; --json keeps it exact', async () => {
      const added = await run('task', 'add', evil);
      assert.equal(added.code, 0, added.err);
      clean(added.out);
      const list = await run('task', 'list');
      clean(list.out);
      assert.equal(list.out.trim().split('\n').length, 1, list.out);
      assert.ok(list.out.includes('Fix \\x1b[2J\\x1b]0;pwned\\x07bug\\rT9     P1 done fake\\nT8'), list.out);
      assert.equal(JSON.parse((await run('task', 'list', '--json')).out).tasks[0].title, evil);
    });

    it('lock list prints a lock file\'s fields escaped', async () => {
      assert.equal((await run('persona', 'register', 'devops', '--skills', 'ci')).code, 0);
      assert.equal((await run('lock', 'acquire', 'db', '--persona', 'devops')).code, 0);
      const file = path.join(tmp.path, '.federation', 'locks', 'db.lock');
      const lock = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, JSON.stringify({ ...lock, host: 'box\x1b]0;pwned\x07' }));
      const list = await run('lock', 'list');
      assert.equal(list.code, 0, list.err);
      clean(list.out);
      assert.match(list.out, /box\\x1b\]0;pwned\\x07\//);
      assert.equal(JSON.parse((await run('lock', 'list', '--json')).out).locks[0].host, 'box\x1b]0;pwned\x07');
    });

    it('brief validate prints a file name escaped; --format json keeps it exact', async () => {
      const name = 'a\x1b[2Jb.brief.md';
      mkdirSync(path.join(tmp.path, 'briefs'));
      writeFileSync(path.join(tmp.path, 'briefs', name), '# Mission\n');
      const text = await run('brief', 'validate', `briefs/${name}`);
      clean(text.out + text.err);
      assert.ok(text.out.includes('briefs/a\\x1b[2Jb.brief.md'), text.out);
      const json = JSON.parse((await run('brief', 'validate', `briefs/${name}`, '--format', 'json')).out);
      assert.equal(json.files[0].file, `briefs/${name}`);
    });

    it('error and usage messages echo arguments escaped; the JSON error keeps them exact', async () => {
      assert.equal((await run('persona', 'register', 'nobody', '--skills', 'x')).code, 0);
      const notFound = await run('task', 'start', 'T1\x1b[2J', '--persona', 'nobody');
      assert.equal(notFound.code, 1);
      clean(notFound.err);
      assert.match(notFound.err, /\\x1b\[2J/);
      const usage = await run('task', 'list', '--st\x1b[2Jatus', 'queued');
      assert.equal(usage.code, 2);
      clean(usage.err);
      assert.match(usage.err, /unknown flag --st\\x1b\[2Jatus/);
      const unknown = await run('ta\rsk');
      assert.equal(unknown.code, 2);
      clean(unknown.err);
      const json = await run('task', 'start', 'T1\x1b[2J', '--persona', 'nobody', '--json');
      assert.match(JSON.stringify(JSON.parse(json.err)), /T1\\u001b\[2J/);
    });
  });
});
