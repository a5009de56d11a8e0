// The shipped CLI (dist/cli.js, loading dist/nats.js) on a federation in NATS: the same commands as on files,
// credentials from the environment, exit 1 with backend-unavailable naming the servers when they are gone, and
// `federation migrate` both ways, refusing a target that holds anything and checking the copy.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';
import { NatsCluster, startNats } from '../helpers/natsServer';
import { uniqueFederation, writeNatsConfig } from '../helpers/natsFederation';

describe('CLI on the NATS backend', function () {
  this.timeout(60_000);
  let nats: NatsCluster;
  let secured: NatsCluster;
  const dirs: string[] = [];
  const workspace = (): string => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'fed-nats-cli-'));
    dirs.push(root);
    return root;
  };
  const cli = async (root: string, ...argv: string[]) => runCli(['--json', ...argv], { cwd: root, env: { FEDERATION_NATS_TOKEN: undefined } });
  const ok = async (root: string, ...argv: string[]) => {
    const r = await cli(root, ...argv);
    assert.equal(r.code, 0, `federation ${argv.join(' ')}: exit ${r.code}\n${r.err}`);
    return JSON.parse(r.out) as Record<string, unknown>;
  };

  before(async () => {
    nats = await startNats();
    secured = await startNats(['--auth', 's3cret-token']);
  });
  after(async () => {
    await nats?.dispose();
    await secured?.dispose();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('init, register, add, claim and a task\'s history, seen from a second workspace', async () => {
    const name = uniqueFederation('cli');
    const [a, b] = [workspace(), workspace()];
    writeNatsConfig(a, nats.servers, name);
    writeNatsConfig(b, nats.servers, name);
    const init = await ok(a, 'init');
    assert.ok((init['created'] as string[]).includes(`federation ${name}`));
    await ok(a, 'persona', 'register', 'alice', '--skills', 'docs');
    await ok(b, 'task', 'add', 'write', 'the', 'docs', '--skills', 'docs');
    const claimed = await ok(a, 'task', 'claim', '--persona', 'alice');
    assert.equal((claimed['task'] as { id: string }).id, 'T1');
    const history = await ok(b, 'task', 'history', 'T1');
    assert.deepEqual((history['commits'] as { status: string }[]).map((c) => c.status), ['queued', 'claimed']);
    assert.ok(!existsSync(path.join(a, '.federation', 'queue.json')));
  });

  it('exits 1 with backend-unavailable naming the servers when none answers', async () => {
    const root = workspace();
    writeNatsConfig(root, ['nats://127.0.0.1:1', 'nats://127.0.0.1:2'], 'gone');
    const r = await cli(root, 'task', 'list');
    assert.equal(r.code, 1);
    const error = (JSON.parse(r.err) as { error: { reason: string; message: string; details: { servers: string[] } } }).error;
    assert.equal(error.reason, 'backend-unavailable');
    assert.deepEqual(error.details.servers, ['nats://127.0.0.1:1', 'nats://127.0.0.1:2']);
    assert.match(error.message, /nats:\/\/127\.0\.0\.1:1, nats:\/\/127\.0\.0\.1:2/);
  });

  it('takes the token from FEDERATION_NATS_TOKEN, never from config.yaml', async () => {
    const root = workspace();
    writeNatsConfig(root, secured.servers, uniqueFederation('sec'));
    const refused = await cli(root, 'init');
    assert.equal(refused.code, 1);
    assert.equal((JSON.parse(refused.err) as { error: { reason: string } }).error.reason, 'backend-unavailable');
    const r = await runCli(['init'], { cwd: root, env: { FEDERATION_NATS_TOKEN: 's3cret-token' } });
    assert.equal(r.code, 0, r.err);
    // A token written into config.yaml is refused, not used.
    const file = path.join(root, '.federation', 'config.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('  replicas: 1', '  replicas: 1\n  token: s3cret-token'));
    const withToken = await cli(root, 'task', 'list');
    assert.equal(withToken.code, 1);
    assert.equal((JSON.parse(withToken.err) as { error: { reason: string; details: { field: string } } }).error.reason, 'state-corrupt');
  });

  it('migrate moves a federation to NATS and back, checked, and refuses a target that holds anything', async () => {
    const root = workspace();
    await ok(root, 'init');
    await ok(root, 'persona', 'register', 'alice', '--skills', 'docs');
    await ok(root, 'persona', 'register', 'bob', '--skills', 'docs');
    await ok(root, 'task', 'add', 'one', '--skills', 'docs');
    await ok(root, 'task', 'add', 'two', '--depends-on', 'T1');
    await ok(root, 'task', 'claim', '--persona', 'alice');
    await ok(root, 'task', 'handoff', 'T1', '--from', 'alice', '--to', 'bob', '--context', 'yours now');
    await ok(root, 'lock', 'acquire', 'db.schema', '--persona', 'bob');
    const name = uniqueFederation('mig');
    // config.yaml names the NATS federation while the state is still on files.
    const file = path.join(root, '.federation', 'config.yaml');
    writeFileSync(file, `${readFileSync(file, 'utf8')}backend:\n  kind: file # where the state is\n  servers: [${nats.servers[0]}]\n  federation: ${name}\n`);
    const moved = await ok(root, 'migrate', '--to', 'nats');
    assert.deepEqual(moved['moved'], { personas: 2, tasks: 2, calendars: 0, locks: 1, documents: 1 });
    assert.match(readFileSync(file, 'utf8'), /kind: nats # where the state is/);
    const tasks = (await ok(root, 'task', 'list'))['tasks'] as { id: string; status: string; assignee: string }[];
    assert.deepEqual(tasks.map((t) => [t.id, t.status, t.assignee]), [['T1', 'handed_off', 'bob'], ['T2', 'queued', null]]);
    // Back to files: the old files are still there, so the target is not empty and nothing is overwritten.
    const refused = await cli(root, 'migrate', '--to', 'file');
    assert.equal(refused.code, 1);
    assert.equal((JSON.parse(refused.err) as { error: { reason: string } }).error.reason, 'already-exists');
    assert.match(readFileSync(file, 'utf8'), /kind: nats/, 'config.yaml still names the source');
    // Changed on NATS since: bob claims T1 and releases the lock. --replace overwrites the old files with that.
    await ok(root, 'task', 'claim', '--persona', 'bob');
    await ok(root, 'lock', 'release', 'db.schema', '--persona', 'bob');
    const back = await ok(root, 'migrate', '--to', 'file', '--replace');
    assert.deepEqual(back['moved'], { personas: 2, tasks: 2, calendars: 0, locks: 0, documents: 1 });
    assert.ok(!existsSync(path.join(root, '.federation', 'locks', 'db.schema.lock')), 'the released lock is gone from the files');
    assert.match(readFileSync(file, 'utf8'), /kind: file/);
    const after = (await ok(root, 'task', 'list'))['tasks'] as { id: string; status: string; assignee: string }[];
    assert.deepEqual(after.map((t) => [t.id, t.status, t.assignee]), [['T1', 'claimed', 'bob'], ['T2', 'queued', null]]);
    assert.ok(existsSync(path.join(root, '.federation', 'queue.json')));
    // And NATS, which holds the federation still, is refused as a target.
    const again = await cli(root, 'migrate', '--to', 'nats');
    assert.equal((JSON.parse(again.err) as { error: { reason: string } }).error.reason, 'already-exists');
  });
});
