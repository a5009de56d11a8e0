import * as assert from 'node:assert/strict';
import { cliIn } from '../../helpers/cli';
import { useTempDir } from '../../helpers/tmp';

describe('federation CLI', () => {
  const tmp = useTempDir();

  const run = cliIn(() => tmp.path);

  beforeEach(async () => {
    assert.equal((await run('init')).code, 0);
  });

  it('accepts --json and --root before or after the subcommand, with stable JSON', async () => {
    await run('persona', 'register', 'research', '--skills', 'research,writing');
    const a = await run('--json', 'persona', 'list');
    const b = await run('persona', 'list', '--json', '--root', tmp.path);
    assert.equal(a.code, 0);
    assert.deepEqual(JSON.parse(a.out).personas.map((p: { id: string }) => p.id), ['research']);
    assert.deepEqual(JSON.parse(a.out), JSON.parse(b.out));
  });

  it('task add / claim / complete, with exit 3 when nothing fits', async () => {
    await run('persona', 'register', 'research', '--skills', 'research');
    const added = JSON.parse((await run('task', 'add', 'Read', 'papers', '--priority', '1', '--skills', 'research', '--json')).out).task;
    assert.equal(added.title, 'Read papers');
    const claim = await run('task', 'claim', '--persona', 'research', '--json');
    assert.equal(claim.code, 0);
    assert.equal(JSON.parse(claim.out).task.id, added.id);
    const none = await run('task', 'claim', '--persona', 'research', '--json');
    assert.equal(none.code, 3);
    assert.equal(JSON.parse(none.out).task, null);
    assert.equal((await run('task', 'complete', added.id, '--persona', 'research')).code, 0);
  });

  it('exits 1 with a typed error on stderr, and 2 on usage errors', async () => {
    const refused = await run('task', 'complete', 'T9', '--persona', 'ghost', '--json');
    assert.equal(refused.code, 1);
    assert.equal(JSON.parse(refused.err).error.reason, 'not-found');
    const usage = await run('task', 'claim');
    assert.equal(usage.code, 2);
    assert.match(usage.err, /--persona is required/);
    assert.equal((await run('bogus')).code, 2);
    assert.equal((await run('task', 'add', 'x', '--priority', 'high')).code, 2);
  });

  it('locks: acquire, list, release', async () => {
    await run('persona', 'register', 'devops', '--skills', 'ci');
    await run('task', 'add', 'migrate'); // T1: a lock may only name a task of the queue
    assert.equal((await run('lock', 'acquire', 'db', '--persona', 'devops', '--task', 'T1')).code, 0);
    const list = JSON.parse((await run('lock', 'list', '--json')).out);
    assert.equal(list.locks[0].holder, 'devops');
    assert.equal(list.locks[0].expired, false);
    assert.equal((await run('lock', 'release', 'db', '--persona', 'devops')).code, 0);
    assert.deepEqual(JSON.parse((await run('lock', 'list', '--json')).out).locks, []);
  });

  it('handoff writes the document and prints its path', async () => {
    await run('persona', 'register', 'a', '--skills', 'x');
    await run('persona', 'register', 'b', '--skills', 'x');
    await run('task', 'add', 'T', '--skills', 'x');
    await run('task', 'claim', '--persona', 'a');
    const r = JSON.parse((await run('task', 'handoff', 'T1', '--from', 'a', '--to', 'b', '--next', 'step one, then two', '--json')).out);
    assert.equal(r.task.status, 'handed_off');
    assert.match(r.document, /^handoffs\/T1-a-to-b-/);
  });
});
