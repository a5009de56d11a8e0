// "What we ship is what we test", part 4, through the shipped CLI (dist/cli.js as a process).
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { cliIn, hasStack } from '../../helpers/cli';
import { useTempDir } from '../../helpers/tmp';

describe('federation CLI hardening', () => {
  const tmp = useTempDir();
  const run = cliIn(() => tmp.path);
  const fedDir = () => path.join(tmp.path, '.federation');

  beforeEach(async () => {
    assert.equal((await run('init')).code, 0);
  });

  describe('a corrupt lock file', () => {
    beforeEach(async () => {
      assert.equal((await run('persona', 'register', 'devops', '--skills', 'ci')).code, 0);
      assert.equal((await run('lock', 'acquire', 'db', '--persona', 'devops')).code, 0);
      writeFileSync(path.join(fedDir(), 'locks', 'broken.lock'), '{"resource": "broken", ');
    });

    it('lock list lists the valid locks and names the bad file, in text and --json', async () => {
      const json = await run('lock', 'list', '--json');
      assert.equal(json.code, 0, json.err);
      const out = JSON.parse(json.out) as { locks: { resource: string }[]; problems: { file: string; field: string; reason: string }[] };
      assert.deepEqual(out.locks.map((l) => l.resource), ['db']);
      assert.deepEqual(out.problems.map((p) => [p.file, p.field, p.reason]), [[path.join(fedDir(), 'locks', 'broken.lock'), '', 'state-corrupt']]);
      const text = await run('lock', 'list');
      assert.equal(text.code, 0, text.err);
      assert.match(text.out, /^db\s+devops/m);
      assert.match(text.out, /broken\.lock/);
      assert.match(text.out, /--force/);
    });

    it('lock release NAME --force removes it, keeping a copy in corrupt/; without --force it is refused', async () => {
      const file = path.join(fedDir(), 'locks', 'broken.lock');
      const refused = await run('lock', 'release', 'broken', '--persona', 'devops', '--json');
      assert.equal(refused.code, 1);
      assert.ok(!hasStack(refused.err), refused.err);
      assert.equal(JSON.parse(refused.err).error.reason, 'state-corrupt');
      assert.ok(existsSync(file));
      const forced = await run('lock', 'release', 'broken', '--persona', 'devops', '--force', '--json');
      assert.equal(forced.code, 0, forced.err);
      const released = JSON.parse(forced.out).released as { resource: string; corrupt: boolean; keptCopy: string };
      assert.equal(released.resource, 'broken');
      assert.equal(released.corrupt, true);
      assert.ok(!existsSync(file), 'the lock file is gone');
      assert.equal(path.dirname(released.keptCopy), path.join(fedDir(), 'corrupt'));
      assert.equal(readFileSync(released.keptCopy, 'utf8'), '{"resource": "broken", ');
      const after = JSON.parse((await run('lock', 'list', '--json')).out);
      assert.deepEqual(after.problems, []);
      assert.deepEqual(after.locks.map((l: { resource: string }) => l.resource), ['db']);
    });
  });

  describe('artifact route', () => {
    const outside = useTempDir('fed-outside-');

    it('refuses a routing folder that is a link out of the workspace (outside-workspace), moving nothing', async () => {
      mkdirSync(path.join(tmp.path, 'notes'));
      writeFileSync(path.join(tmp.path, 'notes', 'idea.zettel.md'), 'idea');
      symlinkSync(outside.path, path.join(tmp.path, 'Zettelkasten'), 'dir');
      const r = await run('artifact', 'route', 'notes/idea.zettel.md', '--json');
      assert.equal(r.code, 1);
      assert.ok(!hasStack(r.err), r.err);
      const error = JSON.parse(r.err).error as { reason: string; details: { destination: string } };
      assert.equal(error.reason, 'outside-workspace');
      assert.equal(error.details.destination, 'Zettelkasten/idea.zettel.md');
      assert.equal(readFileSync(path.join(tmp.path, 'notes', 'idea.zettel.md'), 'utf8'), 'idea');
      assert.deepEqual(readdirSync(outside.path), []);
    });
  });

  it('task claim with an unknown time zone in calendar.json reports state-corrupt naming the field, no crash', async () => {
    assert.equal((await run('persona', 'register', 'research', '--skills', 'research')).code, 0);
    assert.equal((await run('task', 'add', 'read')).code, 0);
    writeFileSync(
      path.join(fedDir(), 'calendar.json'),
      JSON.stringify({ version: 1, revision: 1, calendars: { research: { timezone: 'Europe/Atlantis', weekly: [{ days: ['mon'], start: '09:00', end: '17:00' }] } } }),
    );
    const r = await run('task', 'claim', '--persona', 'research', '--json');
    assert.equal(r.code, 1);
    assert.ok(!hasStack(r.err), r.err);
    const error = JSON.parse(r.err).error as { reason: string; details: { file: string; field: string } };
    assert.equal(error.reason, 'state-corrupt');
    assert.deepEqual([error.details.file, error.details.field], [path.join(fedDir(), 'calendar.json'), 'calendars.research.timezone']);
    const text = await run('task', 'claim', '--persona', 'research');
    assert.match(text.err, /calendar\.json: field "calendars\.research\.timezone"/);
  });

  it('task handoff --from a persona that does not hold the task is refused with not-assignee', async () => {
    for (const id of ['a', 'b']) assert.equal((await run('persona', 'register', id, '--skills', 'x')).code, 0);
    assert.equal((await run('task', 'add', 'T', '--skills', 'x')).code, 0);
    const r = await run('task', 'handoff', 'T1', '--from', 'a', '--to', 'b', '--json');
    assert.equal(r.code, 1);
    assert.ok(!hasStack(r.err), r.err);
    assert.equal(JSON.parse(r.err).error.reason, 'not-assignee');
    assert.deepEqual(readdirSync(path.join(fedDir(), 'handoffs')), []);
    assert.equal(JSON.parse((await run('task', 'list', '--json')).out).tasks[0].status, 'queued');
  });
});
