// Task dependencies through the shipped CLI (dist/cli.js): task add --depends-on, task depend, a blocked task in
// task list, task claim passing it over with the reason, and the refusals (unknown id, cycle) as typed errors.
import * as assert from 'node:assert/strict';
import { cliIn } from '../../helpers/cli';
import { useTempDir } from '../../helpers/tmp';

interface JsonTask {
  id: string;
  status: string;
  dependsOn: string[];
  blockedBy?: { task: string; status: string }[];
}

describe('federation CLI: task dependencies (as shipped)', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  const run = cliIn(() => tmp.path);
  const ok = async (...argv: string[]) => {
    const r = await run(...argv);
    assert.equal(r.code, 0, `${argv.join(' ')}: ${r.err}`);
    return r;
  };
  const refusal = async (...argv: string[]) => {
    const r = await run(...argv, '--json');
    assert.equal(r.code, 1, `${argv.join(' ')}: exit ${r.code}\n${r.out}${r.err}`);
    return JSON.parse(r.err).error as { reason: string; message: string; details: Record<string, unknown> };
  };

  beforeEach(async () => {
    await ok('init');
    await ok('persona', 'register', 'dev', '--skills', 'code');
    await ok('task', 'add', 'Schema', '--priority', '5');
    await ok('task', 'add', 'Migration', '--priority', '5');
  });

  it('task add --depends-on records the edges; --json task output always has dependsOn', async () => {
    const added = JSON.parse((await ok('task', 'add', 'API', '--priority', '1', '--depends-on', 'T1,T2', '--json')).out).task as JsonTask;
    assert.deepEqual([added.id, added.dependsOn], ['T3', ['T1', 'T2']]);
    const plain = JSON.parse((await ok('task', 'add', 'Docs', '--json')).out).task as JsonTask;
    assert.deepEqual(plain.dependsOn, []);
  });

  it('task list shows a blocked task and its blockers, in text and in --json', async () => {
    await ok('task', 'add', 'API', '--depends-on', 'T1,T2');
    const text = (await ok('task', 'list')).out;
    assert.match(text, /T3 .*API.*\(blocked by T1 \(queued\), T2 \(queued\)\)/);
    assert.doesNotMatch(text.split('\n').find((l) => l.startsWith('T1'))!, /blocked/);
    const tasks = JSON.parse((await ok('task', 'list', '--json')).out).tasks as JsonTask[];
    assert.deepEqual(tasks.find((t) => t.id === 'T3')?.blockedBy, [{ task: 'T1', status: 'queued' }, { task: 'T2', status: 'queued' }]);
    assert.equal(tasks.find((t) => t.id === 'T1')?.blockedBy, undefined);
  });

  it('task claim passes over a blocked task, and explains when only blocked ones are left', async () => {
    await ok('task', 'add', 'API', '--priority', '1', '--depends-on', 'T1');
    const first = JSON.parse((await ok('task', 'claim', '--persona', 'dev', '--json')).out).task as JsonTask;
    assert.equal(first.id, 'T1', 'the urgent T3 waits for T1');
    await ok('task', 'claim', '--persona', 'dev');
    const none = await run('task', 'claim', '--persona', 'dev');
    assert.equal(none.code, 3, none.err);
    assert.match(none.out, /T3 \(P1\), is blocked by T1 \(claimed\)/);
    await ok('task', 'complete', 'T1', '--persona', 'dev');
    const next = JSON.parse((await ok('task', 'claim', '--persona', 'dev', '--json')).out).task as JsonTask;
    assert.equal(next.id, 'T3');
  });

  it('a failed dependency blocks until requeued and done (fail closed); task depend --on "" removes the edge', async () => {
    await ok('task', 'add', 'API', '--depends-on', 'T1');
    await ok('task', 'claim', '--persona', 'dev');
    await ok('task', 'fail', 'T1', '--persona', 'dev', '--reason', 'broke');
    assert.match((await ok('task', 'list')).out, /API.*blocked by T1 \(failed\)/);
    const cleared = JSON.parse((await ok('task', 'depend', 'T3', '--on', '', '--json')).out).task as JsonTask;
    assert.deepEqual(cleared.dependsOn, []);
    assert.doesNotMatch((await ok('task', 'list')).out, /blocked/);
  });

  it('refuses an unknown id and a cycle with invalid-input, naming them, and changes nothing', async () => {
    const unknown = await refusal('task', 'add', 'API', '--depends-on', 'T1,T42');
    assert.equal(unknown.reason, 'invalid-input');
    assert.deepEqual(unknown.details['unknown'], ['T42']);
    await ok('task', 'depend', 'T2', '--on', 'T1');
    const cycle = await refusal('task', 'depend', 'T1', '--on', 'T2');
    assert.equal(cycle.reason, 'invalid-input');
    assert.deepEqual(cycle.details['cycle'], ['T1', 'T2', 'T1']);
    const self = await refusal('task', 'depend', 'T1', '--on', 'T1');
    assert.deepEqual(self.details['cycle'], ['T1', 'T1']);
    const tasks = JSON.parse((await ok('task', 'list', '--json')).out).tasks as JsonTask[];
    assert.deepEqual(tasks.map((t) => [t.id, t.dependsOn]), [['T1', []], ['T2', ['T1']]]);
  });
});
