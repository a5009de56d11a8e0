// A run as a span tree (core/matrix/trace.ts): hierarchy, names, recorded times, attributes and status for a run
// with a retried failure, a timeout, a cancelled and a skipped unit, a unit with no result file and a setup step;
// then the same tree through the OpenTelemetry SDK adapter (src/node/otlp.ts) as OTLP/JSON, decoded.
import * as assert from 'node:assert/strict';
import { planMatrix, type MatrixPlan } from '../../../src/core/matrix/plan';
import { summarizeRun, type AttemptResult, type Resources, type TaskResult } from '../../../src/core/matrix/results';
import { flattenTrace, otlpTracesUrl, parseOtlpHeaders, runTrace, type TraceSpan } from '../../../src/core/matrix/trace';
import { otlpJson, traceIdOf } from '../../../src/node/otlp';
import { config } from './helpers';
import { decodeOtlp } from './otlpDecode';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();
const res = (source: Resources['source'], cpu: number): Resources => ({ cpuMs: cpu, userMs: cpu - 1, systemMs: 1, peakMemoryBytes: 5_000_000, producedBytes: 42, source });

function attempt(n: number, from: number, to: number, x: Partial<AttemptResult> = {}): AttemptResult {
  return { attempt: n, startedAt: iso(from), endedAt: iso(to), durationMs: to - from, exitCode: 0, signal: null, timedOut: false, resources: res('rusage', 10), ...x };
}

function result(plan: MatrixPlan, unit: string, x: Partial<TaskResult>): TaskResult {
  const w = plan.waves.find((v) => v.units.some((u) => u.id === unit))!;
  const u = w.units.find((v) => v.id === unit)!;
  const attempts = x.attemptDetails ?? [];
  return {
    version: 1, runId: 'r-7', unit, task: u.task, shard: u.shard, priority: u.priority, wave: w.index, module: u.module, command: u.command,
    status: 'passed', allowed: null, blocking: false, exitCode: 0, signal: null, attempts: attempts.length, maxAttempts: u.retry.maxAttempts,
    startedAt: attempts[0]?.startedAt ?? null, endedAt: attempts.at(-1)?.endedAt ?? null,
    durationMs: attempts.length ? Date.parse(attempts.at(-1)!.endedAt) - Date.parse(attempts[0]!.startedAt) : 0,
    log: `.federation/runs/r-7/logs/${unit}.log`, artifacts: [], attemptDetails: attempts, resources: attempts[0]?.resources ?? null, ...x,
  };
}

/** Wave 1: build (2 shards: one passes, one has no result) and flaky (fails, retried, fails). Wave 2: slow (times
 * out), lint (allowed failure), stopped (cancelled mid-attempt). Wave 3: never reached (skipped). */
function fixture() {
  const plan = planMatrix(config(`
tasks:
  build: { module: ., command: "make", shards: 2 }
  flaky: { module: ., command: "./flaky.sh", retries: 1 }
  slow: { module: ., command: "sleep 99", timeout: 1 }
  lint: { module: ., command: "lint", allow_warnings: true }
  stopped: { module: ., command: "long" }
  deploy: { module: ., command: "deploy" }
priorities:
  priority_1: { tasks: [build, flaky] }
  priority_2: { tasks: [slow, lint, stopped] }
  priority_3: { tasks: [deploy] }
`));
  const tasks: TaskResult[] = [
    result(plan, 'build.shard-1-of-2', { attemptDetails: [attempt(1, 1000, 3000, { resources: res('cgroup', 700) })] }),
    result(plan, 'flaky', {
      status: 'failed', blocking: true, exitCode: 2,
      attemptDetails: [attempt(1, 1000, 1500, { exitCode: 1 }), attempt(2, 2500, 2900, { exitCode: 2 })],
    }),
    result(plan, 'slow', { status: 'timed_out', blocking: true, exitCode: null, signal: 'SIGKILL', attemptDetails: [attempt(1, 3100, 63100, { exitCode: null, signal: 'SIGKILL', timedOut: true })] }),
    result(plan, 'lint', { status: 'failed', allowed: 'allow_warnings', exitCode: 1, attemptDetails: [attempt(1, 3100, 3200, { exitCode: 1, resources: { ...res(null, 0), cpuMs: null, userMs: null, systemMs: null, peakMemoryBytes: null } })] }),
    result(plan, 'stopped', { status: 'cancelled', exitCode: null, signal: 'SIGTERM', reason: 'the run was cancelled', attemptDetails: [attempt(1, 3200, 5000, { exitCode: null, signal: 'SIGTERM' })] }),
    result(plan, 'deploy', { status: 'skipped', exitCode: null, reason: 'an earlier wave failed', attemptDetails: [] }),
  ];
  const summary = summarizeRun({
    runId: 'r-7', plan, results: tasks, startedAt: new Date(T0), endedAt: new Date(T0 + 64_000), setupMs: 900,
    setup: [
      { module: 'web', lockfile: 'package-lock.json', key: 'k1', action: 'reused', command: null, durationMs: 100, log: null },
      { module: 'api', lockfile: 'package-lock.json', key: 'k2', action: 'installed', command: 'npm ci', durationMs: 700, log: 'x.log' },
    ],
    waveTimes: new Map([[0, { start: T0 + 1000, end: T0 + 3000, stopped: false }], [1, { start: T0 + 3100, end: T0 + 63100, stopped: false }]]),
  });
  return { plan, tasks, summary };
}

const names = (s: TraceSpan) => s.children.map((c) => c.name);
const find = (root: TraceSpan, key: string) => flattenTrace(root).find((s) => s.key === key)!;

describe('matrix run as a trace (span tree)', () => {
  const { summary, tasks } = fixture();
  const root = runTrace(summary, tasks);

  it('run → setup → modules, run → waves → units → attempts, in plan order; keys unique', () => {
    assert.equal(root.name, 'matrix run');
    assert.deepEqual(names(root), ['setup', 'wave priority_1', 'wave priority_2', 'wave priority_3']);
    assert.deepEqual(names(root.children[0]!), ['setup module', 'setup module']);
    assert.deepEqual(names(root.children[1]!), ['build.shard-1-of-2', 'build.shard-2-of-2', 'flaky']);
    assert.deepEqual(names(root.children[2]!), ['slow', 'lint', 'stopped']);
    assert.deepEqual(names(find(root, 'unit/flaky')), ['attempt 1', 'attempt 2']);
    const keys = flattenTrace(root).map((s) => s.key);
    assert.equal(new Set(keys).size, keys.length);
    // run, setup and its 2 modules, 3 waves, 7 units, 6 attempts.
    assert.equal(keys.length, 1 + 3 + 3 + 7 + 6);
  });

  it('times are the recorded ones; setup modules end to end from the run start; never-run spans sit at the wave start', () => {
    assert.deepEqual([root.startMs, root.endMs], [T0, T0 + 64_000]);
    const [web, api] = root.children[0]!.children;
    assert.deepEqual([web!.startMs, web!.endMs, api!.startMs, api!.endMs], [T0, T0 + 100, T0 + 100, T0 + 800]);
    assert.deepEqual([root.children[0]!.startMs, root.children[0]!.endMs], [T0, T0 + 900]);
    const a2 = find(root, 'unit/flaky/attempt/2');
    assert.deepEqual([a2.startMs, a2.endMs], [T0 + 2500, T0 + 2900]);
    const flaky = find(root, 'unit/flaky');
    assert.deepEqual([flaky.startMs, flaky.endMs], [T0 + 1000, T0 + 2900]);
    const missing = find(root, 'unit/build.shard-2-of-2');
    assert.deepEqual([missing.startMs, missing.endMs], [T0 + 1000, T0 + 1000]);
    // Wave 3 never started: it sits at the end of wave 2, and so does its skipped unit.
    const w3 = find(root, 'wave/2');
    assert.deepEqual([w3.startMs, w3.endMs, find(root, 'unit/deploy').startMs], [T0 + 63_100, T0 + 63_100, T0 + 63_100]);
  });

  it('status: error for failed and timed-out units and attempts (allowed failures too), unset for cancelled and skipped', () => {
    const st = (key: string) => [find(root, key).status, find(root, key).statusMessage];
    assert.deepEqual(st('run'), ['error', '2 blocking failure(s)']);
    assert.deepEqual(st('unit/build.shard-1-of-2'), ['ok', undefined]);
    assert.deepEqual(st('unit/flaky'), ['error', 'failed, exit code 2']);
    assert.deepEqual(st('unit/flaky/attempt/1'), ['error', 'exit code 1']);
    assert.deepEqual(st('unit/slow'), ['error', 'timed out']);
    assert.deepEqual(st('unit/slow/attempt/1'), ['error', 'timed out']);
    assert.deepEqual(st('unit/lint'), ['error', 'warning (allowed), exit code 1']);
    assert.deepEqual(st('unit/stopped'), ['unset', 'the run was cancelled']);
    assert.deepEqual(st('unit/stopped/attempt/1'), ['unset', 'cancelled']);
    assert.deepEqual(st('unit/deploy'), ['unset', 'an earlier wave failed']);
    assert.deepEqual(st('unit/build.shard-2-of-2'), ['unset', 'no result was recorded for this unit']);
    assert.deepEqual(st('wave/0'), ['error', 'a unit failed']);
    assert.deepEqual(st('wave/2'), ['unset', undefined]);
    assert.deepEqual(st('setup'), ['ok', undefined]);
  });

  it('attributes: run id, task, priority, attempt, exit code, resources, isolation; unmeasured figures left out', () => {
    assert.equal(root.attributes['federation.run.id'], 'r-7');
    assert.equal(root.attributes['matrix.blocking_failures'], 2);
    const shard = find(root, 'unit/build.shard-1-of-2').attributes;
    assert.deepEqual([shard['matrix.task'], shard['matrix.priority'], shard['matrix.shard.index'], shard['matrix.shard.total'], shard['matrix.isolation']], ['build', 'priority_1', 0, 2, 'docker']);
    const a = find(root, 'unit/flaky/attempt/2').attributes;
    assert.deepEqual(
      [a['matrix.attempt'], a['process.exit.code'], a['matrix.cpu.user_ms'], a['matrix.cpu.system_ms'], a['matrix.memory.peak_bytes'], a['matrix.output_bytes'], a['matrix.isolation']],
      [2, 2, 9, 1, 5_000_000, 42, 'process'],
    );
    const slow = find(root, 'unit/slow/attempt/1').attributes;
    assert.deepEqual([slow['matrix.timed_out'], slow['matrix.signal'], 'process.exit.code' in slow], [true, 'SIGKILL', false]);
    const lint = find(root, 'unit/lint/attempt/1').attributes;
    assert.equal('matrix.cpu_ms' in lint || 'matrix.isolation' in lint || 'matrix.memory.peak_bytes' in lint, false, 'not measured: not sent');
    assert.equal(find(root, 'unit/lint').attributes['matrix.allowed'], 'allow_warnings');
    assert.equal(find(root, 'setup/api').attributes['matrix.setup.action'], 'installed');
  });

  it('a wave or unit with bad or missing times never ends before it starts', () => {
    const broken = structuredClone(tasks);
    broken[0]!.attemptDetails[0]!.endedAt = iso(-5000);
    for (const s of flattenTrace(runTrace(summary, broken))) assert.ok(s.endMs >= s.startMs, s.key);
  });
});

describe('OTLP endpoint and headers', () => {
  it('an endpoint without a path gets /v1/traces; one with a path is used as it is; others are refused', () => {
    assert.equal(otlpTracesUrl('http://localhost:4318'), 'http://localhost:4318/v1/traces');
    assert.equal(otlpTracesUrl('https://api.honeycomb.io/'), 'https://api.honeycomb.io/v1/traces');
    assert.equal(otlpTracesUrl('http://collector:4318/custom/traces'), 'http://collector:4318/custom/traces');
    for (const bad of ['localhost:4318', 'ftp://x/', 'not a url', '']) assert.equal(otlpTracesUrl(bad), undefined, bad);
  });

  it('headers: key=value pairs, percent-decoded; a malformed entry by position, never its value', () => {
    assert.deepEqual(parseOtlpHeaders('x-honeycomb-team=abc%3D%3D, x-tenant = t1 ,'), { headers: { 'x-honeycomb-team': 'abc==', 'x-tenant': 't1' } });
    assert.deepEqual(parseOtlpHeaders('a=1,secret-without-key'), { badEntry: 2 });
    assert.deepEqual(parseOtlpHeaders('=v'), { badEntry: 1 });
  });
});

describe('matrix trace through the OpenTelemetry SDK (OTLP/JSON)', () => {
  const { summary, tasks } = fixture();
  const root = runTrace(summary, tasks);

  it('one resource (service.name), one trace id from the run id, parents as in the tree, times in ns, status codes', () => {
    const d = decodeOtlp(otlpJson('r-7', root, '9.9.9'));
    assert.equal(d.resource['service.name'], 'agent-federation-matrix');
    assert.equal(d.resource['service.version'], '9.9.9');
    assert.equal(d.spans.length, flattenTrace(root).length);
    assert.deepEqual([...new Set(d.spans.map((s) => s.traceId))], [traceIdOf('r-7')]);
    const run = d.byName('matrix run');
    assert.equal(run.parentSpanId, undefined);
    const wave1 = d.byName('wave priority_1');
    assert.equal(wave1.parentSpanId, run.spanId);
    const flaky = d.byName('flaky');
    assert.equal(flaky.parentSpanId, wave1.spanId);
    const attempts = d.spans.filter((s) => s.parentSpanId === flaky.spanId);
    assert.deepEqual(attempts.map((s) => s.attributes['matrix.attempt']).sort(), [1, 2]);
    assert.equal(flaky.startNs, BigInt(T0 + 1000) * 1_000_000n);
    assert.equal(flaky.endNs, BigInt(T0 + 2900) * 1_000_000n);
    assert.deepEqual([flaky.status.code, flaky.status.message], [2, 'failed, exit code 2']);
    assert.equal(d.byName('build.shard-1-of-2').status.code, 1);
    assert.equal(d.byName('stopped').status.code, 0);
    assert.equal(run.attributes['federation.run.id'], 'r-7');
  });

  it('the same run exported twice is the same trace (ids included); another run is another trace', () => {
    assert.equal(otlpJson('r-7', root), otlpJson('r-7', runTrace(summary, tasks)));
    const other = decodeOtlp(otlpJson('r-8', root));
    assert.notEqual(other.spans[0]!.traceId, traceIdOf('r-7'));
    assert.match(traceIdOf('r-7'), /^[0-9a-f]{32}$/);
    for (const s of other.spans) assert.match(s.spanId, /^[0-9a-f]{16}$/);
  });
});
