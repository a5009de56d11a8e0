// Scheduling from history (history.ts): runs leave durations.json, the next run of a wave starts its units
// longest-expected-first; `order: config` keeps the written order.
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DURATIONS_FILE, expectedDurations, orderWave, type DurationsFile } from '../../../src/core/matrix/history';
import { planMatrix, type MatrixPlan } from '../../../src/core/matrix/plan';
import { runMatrix, type RunOptions } from '../../../src/core/matrix/runner';
import { nodeFileSystem } from '../../../src/node/fs';
import { FakeClock } from '../../helpers/fakeClock';
import { useTempDir } from '../../helpers/tmp';
import { FakeRunner, noLocalProcesses } from './fakeRunner';
import { config, matrixCli, simpleConfig } from './helpers';

describe('matrix scheduling from history', function () {
  this.timeout(20_000);
  const tmp = useTempDir('fed-hist-');
  let clock: FakeClock;
  beforeEach(() => {
    clock = new FakeClock();
  });
  const run = (opts: Pick<RunOptions, 'plan'> & Partial<RunOptions>) =>
    clock.run(runMatrix({ root: tmp.path, processRunnerFactory: noLocalProcesses, fs: nodeFileSystem, env: process.env, clock, timers: clock, ...opts }));

  // Five 100 ms units and one 300 ms unit written last, on two agents: the written order ends with the long one
  // alone (500 ms); longest first meets the bound max(800 / 2, 300) = 400 ms.
  const ids = ['a', 'b', 'c', 'd', 'e', 'long'];
  const text = simpleConfig([ids], { extraTop: 'scaling:\n  default_agents: 2\n' });
  const script = Object.fromEntries(ids.map((id) => [id, [{ ms: id === 'long' ? 300 : 100 }]]));

  it('the second run starts the longest unit first and meets the lower bound; order config keeps the written order', async () => {
    const plan = planMatrix(config(text));
    const first = await run({ plan, isolation: new FakeRunner(script, clock), runId: 'r1', order: 'history' });
    assert.equal(first.summary.executionMs, 500, 'no history: the written order');
    assert.equal(first.summary.criticalPathMs, 400);
    const durations = JSON.parse(readFileSync(path.join(first.dir, DURATIONS_FILE), 'utf8')) as DurationsFile;
    assert.deepEqual(durations.units['long'], { command: 'true', status: 'passed', durationMs: 300 });

    const fake = new FakeRunner(script, clock);
    const second = await run({ plan, isolation: fake, runId: 'r2', order: 'history' });
    assert.equal(second.summary.executionMs, 400, 'longest first');
    assert.equal(fake.calls.find((c) => c.unit === 'long')!.start, Math.min(...fake.calls.map((c) => c.start)));
    const saved = JSON.parse(readFileSync(path.join(second.dir, 'plan.json'), 'utf8')) as MatrixPlan;
    assert.deepEqual(saved.waves[0]!.units.map((u) => u.id), ['long', 'a', 'b', 'c', 'd', 'e'], 'plan.json shows the run order');

    const written = await run({ plan, isolation: new FakeRunner(script, clock), runId: 'r3', order: 'config' });
    assert.equal(written.summary.executionMs, 500, 'order config: as written');
    assert.deepEqual(written.summary.plan.waves[0]!.units.map((u) => u.id), ids);
  });

  /** A run folder holding only durations.json, `age` seconds old (newer runs have smaller ages). */
  function pastRun(runId: string, age: number, units: DurationsFile['units']): void {
    const dir = path.join(tmp.path, '.federation', 'runs', runId);
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, DURATIONS_FILE);
    writeFileSync(file, JSON.stringify({ version: 1, units } satisfies DurationsFile));
    const t = Date.now() / 1000 - age;
    utimesSync(file, t, t);
  }

  it('expected = the median of the last five runs with the same command; another command is no evidence', async () => {
    const plan = planMatrix(config(simpleConfig([['x', 'y', 'z']], { command: (id) => (id === 'z' ? 'npm test' : 'true') })));
    const x = (ms: number) => ({ x: { command: 'true', status: 'passed' as const, durationMs: ms } });
    // Newest first: 50, 60, 70, 80, 90 are the last five of x; 1000 and 2000 are older.
    [50, 60, 70, 80, 90, 1000, 2000].forEach((ms, i) => pastRun(`run${i}`, 100 + i * 10, x(ms)));
    pastRun('newest', 10, { y: { command: 'true', status: 'failed', durationMs: 40 }, z: { command: 'npm run test:old', status: 'passed', durationMs: 9999 } });
    pastRun('current', 1, x(5));
    const expected = await expectedDurations(nodeFileSystem, tmp.path, plan, 'current');
    assert.deepEqual([...expected].sort(), [['x', 70], ['y', 40]], 'x: median of its five newest; y: a failure still took its time; z: ran another command');
  });

  it('an unknown unit counts as the wave median; equal expectations keep the written order', () => {
    const plan = planMatrix(config(simpleConfig([['p', 'q', 'r', 's', 't']], { extraTop: 'scaling:\n  default_agents: 2\n' })));
    const ordered = orderWave(plan.waves[0]!, new Map([['p', 10], ['r', 30], ['t', 20]]));
    // q and s unknown → 20 (the median of 10, 20, 30): after r, with t, in written order.
    assert.deepEqual(ordered.units.map((u) => u.id), ['r', 'q', 's', 't', 'p']);
    assert.deepEqual(ordered.assignment, [['r', 's', 'p'], ['q', 't']]);
    assert.equal(orderWave(plan.waves[0]!, new Map()), plan.waves[0], 'no history: the wave as written');
  });

  it('matrix run --order takes history or config only', async () => {
    const r = await matrixCli(tmp.path, 'run', '--order', 'shortest');
    assert.equal(r.code, 2);
    assert.match(r.err, /--order is one of history, config/);
  });
});
