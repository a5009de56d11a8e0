// The matrix runner over a scripted process runner: wave order, parallelism, failures, retries, fail_fast,
// allowed failures, cancellation, events and the files of a run.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { planMatrix } from '../../../src/core/matrix/plan';
import { listRuns, readRun, RunSummary, TaskResult } from '../../../src/core/matrix/results';
import type { ProcessRunner } from '../../../src/core/matrix/processPort';
import { MatrixEvent, runMatrix, type RunOptions } from '../../../src/core/matrix/runner';
import { nodeFileSystem } from '../../../src/node/fs';
import { FakeClock } from '../../helpers/fakeClock';
import { useTempDir } from '../../helpers/tmp';
import { FakeRunner, noLocalProcesses } from './fakeRunner';
import { config, simpleConfig } from './helpers';

describe('matrix runner (scripted processes)', function () {
  this.timeout(20_000);
  const tmp = useTempDir('fed-run-');
  // Every run here takes its time from this clock, and its scripted processes and retry waits take theirs on it:
  // durations and waits are asserted exactly, and no test waits for real time to pass.
  let clock: FakeClock;
  beforeEach(() => {
    clock = new FakeClock();
  });
  const elapsed = (since: number) => clock.now().getTime() - since;
  const run = (opts: Pick<RunOptions, 'plan'> & Partial<RunOptions>) =>
    clock.run(runMatrix({ root: tmp.path, processRunnerFactory: noLocalProcesses, fs: nodeFileSystem, env: process.env, clock, timers: clock, ...opts }));
  const fakeRunner = (script: ConstructorParameters<typeof FakeRunner>[0] = {}) => new FakeRunner(script, clock);

  const byUnit = (rs: TaskResult[]) => Object.fromEntries(rs.map((r) => [r.unit, r]));

  it('runs the waves in order, each at most `agents` at a time, and writes every result file', async () => {
    const ids = Array.from({ length: 7 }, (_, i) => `t${i}`);
    const plan = planMatrix(config(simpleConfig([ids, ['u1', 'u2']], { extraTop: 'scaling:\n  default_agents: 3\n' })));
    const fake = fakeRunner(Object.fromEntries(ids.map((id) => [id, [{ ms: 40 }]])));
    const events: MatrixEvent[] = [];
    const out = await run({ plan, isolation: fake, runId: 'r1', onEvent: (e) => events.push(e) });
    assert.equal(fake.maxRunning, 3);
    const lastOfWave1 = Math.max(...fake.calls.filter((c) => c.unit.startsWith('t')).map((c) => c.end));
    const firstOfWave2 = Math.min(...fake.calls.filter((c) => c.unit.startsWith('u')).map((c) => c.start));
    assert.ok(firstOfWave2 >= lastOfWave1, 'wave 2 starts after wave 1 ends');
    assert.equal(out.summary.status, 'passed');
    assert.equal(out.summary.counts.passed, 9);
    const dir = path.join(tmp.path, '.federation', 'runs', 'r1');
    const t3 = JSON.parse(readFileSync(path.join(dir, 'tasks', 't3.json'), 'utf8')) as TaskResult;
    assert.equal(t3.status, 'passed');
    assert.equal(t3.exitCode, 0);
    assert.equal(t3.attempts, 1);
    assert.equal(t3.log, path.join('.federation', 'runs', 'r1', 'logs', 't3.log'));
    assert.equal(t3.durationMs, 40);
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as RunSummary;
    assert.equal(summary.plan.unitCount, 9);
    assert.equal(summary.waves.length, 2);
    assert.equal(fake.calls[0]!.env['FEDERATION_RUN_ID'], 'r1');
    assert.equal(fake.calls[0]!.cwd, tmp.path);
    const types = events.map((e) => e.type);
    assert.equal(types[0], 'run-started');
    assert.equal(types.at(-1), 'run-finished');
    assert.deepEqual(types.filter((t) => t.startsWith('wave')), ['wave-started', 'wave-finished', 'wave-started', 'wave-finished']);
    assert.equal(types.filter((t) => t === 'task-started').length, 9);
    assert.equal(types.filter((t) => t === 'task-finished').length, 9);
  });

  it('a failed task stops neither its wave nor the next one; the run fails (blocking)', async () => {
    const plan = planMatrix(config(simpleConfig([['bad', 'ok1', 'ok2'], ['next']], { extraTop: 'scaling:\n  default_agents: 1\n' })));
    const fake = fakeRunner({ bad: [{ ms: 5, exit: 2 }] });
    const out = await run({ plan, isolation: fake });
    const r = byUnit(out.results);
    assert.deepEqual([r['bad']!.status, r['ok1']!.status, r['ok2']!.status, r['next']!.status], ['failed', 'passed', 'passed', 'passed']);
    assert.equal(r['bad']!.exitCode, 2);
    assert.equal(r['bad']!.blocking, true);
    assert.equal(out.summary.status, 'failed');
    assert.equal(out.summary.counts.blockingFailures, 1);
  });

  it('retries with backoff until it passes; attempts and waits are recorded', async () => {
    const text = simpleConfig([['flaky', 'stubborn']], { extraTop: 'failure_handling:\n  retry:\n    enabled: true\n    max_attempts: 3\n    backoff: exponential\n    initial_delay: 0.1\n' });
    const fake = fakeRunner({ flaky: [{ ms: 5, exit: 1 }, { ms: 5, timeout: true }, { ms: 5, exit: 0 }], stubborn: [{ ms: 5, exit: 1 }] });
    const events: MatrixEvent[] = [];
    const out = await run({ plan: planMatrix(config(text)), isolation: fake, onEvent: (e) => events.push(e) });
    const r = byUnit(out.results);
    assert.equal(r['flaky']!.status, 'passed');
    assert.equal(r['flaky']!.attempts, 3);
    assert.deepEqual(r['flaky']!.attemptDetails.map((a) => [a.exitCode, a.timedOut]), [[1, false], [null, true], [0, false]]);
    const starts = fake.calls.filter((c) => c.unit === 'flaky').map((c) => c.start);
    // Each attempt takes 5 ms: the first retry starts 5 + 100 ms after the first attempt, the second 5 + 200 after it.
    assert.equal(starts[1]! - starts[0]!, 105, 'first retry waits 0.1 s');
    assert.equal(starts[2]! - starts[1]!, 205, 'second retry waits 0.2 s');
    assert.equal(r['flaky']!.durationMs, 315, 'duration includes the waits');
    assert.equal(r['stubborn']!.status, 'failed');
    assert.equal(r['stubborn']!.attempts, 3);
    const retrying = events.filter((e): e is Extract<MatrixEvent, { type: 'task-retrying' }> => e.type === 'task-retrying' && e.unit === 'flaky');
    assert.deepEqual(retrying.map((e) => [e.nextAttempt, e.delayMs, e.previous]), [[2, 100, 'failed'], [3, 200, 'timed_out']]);
  });

  it('a timeout is its own status', async () => {
    const fake = fakeRunner({ slow: [{ ms: 5, timeout: true }] });
    const out = await run({ plan: planMatrix(config(simpleConfig([['slow']]))), isolation: fake });
    assert.equal(out.results[0]!.status, 'timed_out');
    assert.equal(out.results[0]!.blocking, true);
    assert.equal(out.summary.counts.timedOut, 1);
  });

  it('allow_warnings and continue_on_error: failures shown as allowed, the run passes', async () => {
    const warn = simpleConfig([['lint', 'ok']]).replace('  lint:\n', '  lint:\n    allow_warnings: true\n');
    let out = await run({ plan: planMatrix(config(warn)), isolation: fakeRunner({ lint: [{ ms: 5, exit: 1 }] }) });
    assert.deepEqual([out.results.find((r) => r.unit === 'lint')!.status, out.results.find((r) => r.unit === 'lint')!.allowed], ['failed', 'allow_warnings']);
    assert.equal(out.summary.status, 'passed');
    assert.equal(out.summary.counts.allowedFailures, 1);
    const coe = simpleConfig([['a'], ['b']], { extraTop: 'failure_handling:\n  continue_on_error: true\n' });
    out = await run({ plan: planMatrix(config(coe)), isolation: fakeRunner({ a: [{ ms: 5, timeout: true }] }) });
    const a = byUnit(out.results)['a']!;
    assert.deepEqual([a.status, a.allowed, a.blocking], ['timed_out', 'continue_on_error', false]);
    assert.equal(byUnit(out.results)['b']!.status, 'passed');
    assert.equal(out.summary.status, 'passed');
  });

  it('fail_fast stops its wave (running cancelled, waiting skipped) and skips every later wave', async () => {
    const text = simpleConfig([['boom', 'long', 'later1', 'later2'], ['never']], { extraTop: 'scaling:\n  default_agents: 2\n', extraPriority: (i) => (i === 0 ? '    fail_fast: true\n' : '') });
    const fake = fakeRunner({ boom: [{ ms: 20, exit: 1 }], long: [{ ms: 5000 }] });
    const t0 = clock.now().getTime();
    const out = await run({ plan: planMatrix(config(text)), isolation: fake });
    assert.equal(elapsed(t0), 20, 'the long task was stopped when boom failed, not waited for');
    assert.equal(fake.calls.find((c) => c.unit === 'long')!.end - t0, 20);
    const r = byUnit(out.results);
    assert.deepEqual(
      ['boom', 'long', 'later1', 'later2', 'never'].map((u) => r[u]!.status),
      ['failed', 'cancelled', 'skipped', 'skipped', 'skipped'],
    );
    assert.match(r['never']!.reason!, /fail_fast: boom failed in priority_1/);
    assert.equal(out.summary.waves[0]!.stopped, true);
    assert.equal(out.summary.status, 'failed');
  });

  it('without fail_fast nothing is stopped (the default)', async () => {
    const text = simpleConfig([['boom', 'x'], ['y']]);
    const out = await run({ plan: planMatrix(config(text)), isolation: fakeRunner({ boom: [{ ms: 5, exit: 1 }] }) });
    assert.deepEqual(out.results.map((r) => r.status).sort(), ['failed', 'passed', 'passed']);
  });

  it('AbortSignal: running units cancelled, the rest never started, run status cancelled', async () => {
    const text = simpleConfig([['a', 'b', 'c'], ['d']], { extraTop: 'scaling:\n  default_agents: 2\n' });
    const fake = fakeRunner({ a: [{ ms: 10_000 }], b: [{ ms: 10_000 }] });
    const ac = new AbortController();
    // Aborted as soon as b is running (a started before it), not after a guessed delay.
    const abortOnceBRuns: ProcessRunner = {
      run: (spec) => {
        const running = fake.run(spec);
        if (spec.extraEnv?.['FEDERATION_UNIT_ID'] === 'b') ac.abort();
        return running;
      },
    };
    const t0 = clock.now().getTime();
    const out = await run({ plan: planMatrix(config(text)), isolation: abortOnceBRuns, signal: ac.signal });
    assert.equal(elapsed(t0), 0, 'nothing waited for the running units to end by themselves');
    const r = byUnit(out.results);
    assert.deepEqual(['a', 'b', 'c', 'd'].map((u) => r[u]!.status), ['cancelled', 'cancelled', 'cancelled', 'cancelled']);
    assert.deepEqual(fake.calls.map((c) => c.unit).sort(), ['a', 'b']);
    assert.equal(out.summary.status, 'cancelled');
  });

  it('a retry wait is cut short by cancellation', async () => {
    const text = simpleConfig([['f']], { extraTop: 'failure_handling:\n  retry:\n    enabled: true\n    max_attempts: 2\n    backoff: 30\n' });
    // Cancelled as the retry is announced: the 30 s wait never starts.
    let ac = new AbortController();
    let t0 = clock.now().getTime();
    let out = await run({ plan: planMatrix(config(text)), isolation: fakeRunner({ f: [{ ms: 5, exit: 1 }] }), signal: ac.signal, onEvent: (e) => e.type === 'task-retrying' && ac.abort() });
    assert.equal(elapsed(t0), 5, 'only the first attempt took time');
    assert.equal(out.results[0]!.status, 'cancelled');
    // Cancelled 1 s into the 30 s wait: the run ends then, not when the wait would have.
    ac = new AbortController();
    t0 = clock.now().getTime();
    out = await run({ plan: planMatrix(config(text)), isolation: fakeRunner({ f: [{ ms: 5, exit: 1 }] }), signal: ac.signal, onEvent: (e) => e.type === 'task-retrying' && void clock.setTimeout(() => ac.abort(), 1000) });
    assert.equal(elapsed(t0), 1005);
    assert.equal(out.results[0]!.status, 'cancelled');
    assert.equal(out.results[0]!.attempts, 1);
  });

  it('metrics for a known schedule: critical path, speedup, efficiency', async () => {
    // Wave 1 (2 agents): 300, 100, 100 ms → bound max(300, 500/2) = 300. Wave 2: 200 ms → 200. Total 500.
    const text = simpleConfig([['a', 'b', 'c'], ['d']], { extraTop: 'scaling:\n  default_agents: 2\n' });
    const fake = fakeRunner({ a: [{ ms: 300 }], b: [{ ms: 100 }], c: [{ ms: 100 }], d: [{ ms: 200 }] });
    const s = (await run({ plan: planMatrix(config(text)), isolation: fake })).summary;
    assert.equal(s.criticalPathMs, 500, 'critical path');
    assert.equal(s.sequentialMs, 700, 'sequential');
    // b then c on one agent while a runs on the other: the schedule meets the bound.
    assert.equal(s.executionMs, 500, 'makespan');
    assert.ok(Math.abs(s.speedup - 700 / 500) < 0.01);
    assert.ok(Math.abs(s.efficiency - 700 / (500 * 2)) < 0.02);
    assert.equal(s.successRate, 1);
    assert.ok(s.throughputPerMinute > 0);
  });

  it('every time it records comes from its clock: run id, events, log headers, attempts, waves and the summary', async () => {
    const plan = planMatrix(config(simpleConfig([['a', 'b']], { extraTop: 'scaling:\n  default_agents: 1\n' })));
    const start = clock.now().getTime();
    const at = (ms: number) => new Date(start + ms).toISOString();
    // Each attempt takes 1.5 s of the clock's time and none of the machine's.
    const preambles: string[] = [];
    const ticking: ProcessRunner = {
      run: async (spec) => {
        preambles.push(spec.preamble ?? '');
        clock.advance(1500);
        return { exitCode: 0, signal: null, timedOut: false, cancelled: false, pid: 1 };
      },
    };
    const events: MatrixEvent[] = [];
    const out = await run({ plan, isolation: ticking, onEvent: (e) => events.push(e) });
    assert.match(out.runId, /^20261123T100000Z-[0-9a-f]{4}$/);
    assert.deepEqual(
      out.results.map((r) => [r.unit, r.startedAt, r.endedAt, r.durationMs, r.attemptDetails.map((a) => [a.startedAt, a.endedAt, a.durationMs])]),
      [['a', at(0), at(1500), 1500, [[at(0), at(1500), 1500]]], ['b', at(1500), at(3000), 1500, [[at(1500), at(3000), 1500]]]],
    );
    assert.deepEqual(preambles.map((p) => /\((\S+)\)\n$/.exec(p)?.[1]), [at(0), at(1500)], 'the attempt headers in the logs');
    const s = out.summary;
    assert.deepEqual([s.startedAt, s.endedAt, s.totalMs, s.executionMs, s.setupMs], [at(0), at(3000), 3000, 3000, 0]);
    assert.deepEqual([s.waves[0]!.startedAt, s.waves[0]!.endedAt, s.waves[0]!.durationMs], [at(0), at(3000), 3000]);
    assert.deepEqual(
      events.map((e) => [e.type, e.at]),
      [
        ['run-started', at(0)], ['setup-started', at(0)], ['setup-finished', at(0)], ['wave-started', at(0)],
        ['task-started', at(0)], ['task-finished', at(1500)], ['task-started', at(1500)], ['task-finished', at(3000)],
        ['wave-finished', at(3000)], ['run-finished', at(3000)],
      ],
    );
  });

  it('listRuns newest first; readRun reads a summary, or rebuilds it from plan + task files (GitHub)', async () => {
    const plan = planMatrix(config(simpleConfig([['a', 'b']])));
    // With equal start times the tiebreak (run id, descending) would list 'older' first: the clock's second between
    // the two runs is what puts 'newer' first.
    await run({ plan, isolation: fakeRunner(), runId: 'older' });
    clock.advance(1000);
    await run({ plan, isolation: fakeRunner({ b: [{ ms: 5, exit: 1 }] }), runId: 'newer' });
    assert.deepEqual((await listRuns(nodeFileSystem, tmp.path)).map((r) => [r.runId, r.status]), [['newer', 'failed'], ['older', 'passed']]);
    const latest = await readRun(nodeFileSystem, tmp.path);
    assert.equal(latest.summary.runId, 'newer');
    assert.equal(latest.tasks.length, 2);
    const { rmSync } = await import('node:fs');
    rmSync(path.join(tmp.path, '.federation', 'runs', 'older', 'summary.json'));
    rmSync(path.join(tmp.path, '.federation', 'runs', 'older', 'tasks', 'b.json'));
    const rebuilt = await readRun(nodeFileSystem, tmp.path, 'older');
    assert.equal(rebuilt.summary.counts.passed, 1);
    assert.equal(rebuilt.summary.counts.skipped, 1, 'a unit with no result file counts as skipped');
    assert.equal(rebuilt.summary.status, 'failed');
    await assert.rejects(readRun(nodeFileSystem, tmp.path, 'nope'), (e: { reason?: string }) => e.reason === 'not-found');
  });
});
