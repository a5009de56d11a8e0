import * as assert from 'node:assert/strict';
import { isFederationError } from '../../../src/core/errors';
import { planMatrix, retryDelayMs, waveOrder } from '../../../src/core/matrix/plan';
import { config, simpleConfig } from './helpers';

describe('matrix plan (leader)', () => {
  it('one wave per priority in number order, units in config order', () => {
    const plan = planMatrix(config(simpleConfig([['a', 'b'], ['c'], ['d', 'e', 'f']])));
    assert.deepEqual(plan.waves.map((w) => w.priority), ['priority_1', 'priority_2', 'priority_3']);
    assert.deepEqual(plan.waves.map((w) => w.units.map((u) => u.id)), [['a', 'b'], ['c'], ['d', 'e', 'f']]);
    assert.equal(plan.unitCount, 6);
    assert.equal(plan.taskCount, 6);
  });

  it('depends_on reorders (topologically, lowest number first among the ready)', () => {
    const text = `tasks:\n  a: {module: ., command: x}\n  b: {module: ., command: x}\n  c: {module: ., command: x}\n  d: {module: ., command: x}\npriorities:\n  priority_1: {tasks: [a], depends_on: [priority_3]}\n  priority_2: {tasks: [b]}\n  priority_3: {tasks: [c], depends_on: 4}\n  priority_4: {tasks: [d]}\n`;
    assert.deepEqual(waveOrder(config(text)), ['priority_2', 'priority_4', 'priority_3', 'priority_1']);
    assert.deepEqual(planMatrix(config(text)).waves.map((w) => [w.index, w.priority]), [[0, 'priority_2'], [1, 'priority_4'], [2, 'priority_3'], [3, 'priority_1']]);
  });

  it('a cycle (if a caller skipped validation) is refused with invalid-input', () => {
    const cfg = config(simpleConfig([['a'], ['b']]));
    cfg.priorities['priority_1']!.depends_on = ['priority_2'];
    cfg.priorities['priority_2']!.depends_on = 'priority_1';
    assert.throws(() => planMatrix(cfg), (e: unknown) => isFederationError(e) && e.reason === 'invalid-input' && /priority_1 → priority_2 → priority_1/.test(e.message));
  });

  it('shards: N units with 0-based index and total in the environment', () => {
    const text = simpleConfig([['t']]).replace('    timeout: 1\n', '    timeout: 1\n    shards: 3\n    env: {A: 1, B: true}\n');
    const units = planMatrix(config(text)).waves[0]!.units;
    assert.deepEqual(units.map((u) => u.id), ['t.shard-1-of-3', 't.shard-2-of-3', 't.shard-3-of-3']);
    assert.deepEqual(units.map((u) => u.shard), [{ index: 0, total: 3 }, { index: 1, total: 3 }, { index: 2, total: 3 }]);
    assert.deepEqual(units[2]!.env, { A: '1', B: 'true', FEDERATION_SHARD_INDEX: '2', FEDERATION_SHARD_TOTAL: '3' });
    assert.ok(units.every((u) => u.task === 't'));
  });

  it('agents: default_agents, capped by max_parallel_per_priority and max_total_agents, never more than the units', () => {
    const ids = Array.from({ length: 30 }, (_, i) => `t${i}`);
    const scaled = (s: string) => planMatrix(config(simpleConfig([ids, ['x']], { extraTop: `scaling:\n${s}` })));
    assert.deepEqual(scaled('  default_agents: 10\n').waves.map((w) => w.agents), [10, 1]);
    assert.deepEqual(scaled('  default_agents: 20\n  max_parallel_per_priority: 8\n').waves.map((w) => w.agents), [8, 1]);
    assert.deepEqual(scaled('  default_agents: 20\n  max_total_agents: 5\n').waves.map((w) => w.agents), [5, 1]);
    assert.deepEqual(planMatrix(config(simpleConfig([ids]))).waves[0]!.agents, 10, 'default_agents defaults to 10');
  });

  it('auto_scale: agents follow the unit count within min_agents..max_agents', () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `t${n}_${i}`);
    const cfg = config(simpleConfig([ids(2), ids(12), ids(40)], { extraTop: 'scaling:\n  default_agents: 1\n  auto_scale:\n    enabled: true\n    min_agents: 3\n    max_agents: 20\n' }));
    assert.deepEqual(planMatrix(cfg).waves.map((w) => w.agents), [2, 12, 20]);
  });

  it('parallel_execution false runs a wave one at a time; --max-parallel overrides the config', () => {
    const ids = Array.from({ length: 6 }, (_, i) => `t${i}`);
    const cfg = config(simpleConfig([ids, ['u', 'v']], { extraPriority: (i) => (i === 1 ? '    parallel_execution: false\n' : ''), extraTop: 'scaling:\n  default_agents: 2\n' }));
    assert.deepEqual(planMatrix(cfg).waves.map((w) => w.agents), [2, 1]);
    assert.deepEqual(planMatrix(cfg, { maxParallel: 5 }).waves.map((w) => w.agents), [5, 1]);
    const plan = planMatrix(cfg, { maxParallel: 4 });
    assert.deepEqual(plan.waves[0]!.assignment, [['t0', 't4'], ['t1', 't5'], ['t2'], ['t3']]);
    assert.equal(plan.maxAgents, 4);
  });

  it('--only and --priority keep every wave (empty ones too) so wave numbers never shift', () => {
    const cfg = config(simpleConfig([['a', 'b'], ['c'], ['d']]));
    const only = planMatrix(cfg, { only: ['b', 'd'] });
    assert.deepEqual(only.waves.map((w) => w.units.map((u) => u.id)), [['b'], [], ['d']]);
    assert.deepEqual(only.waves.map((w) => w.agents), [1, 0, 1]);
    assert.deepEqual(planMatrix(cfg, { priority: 2 }).waves.map((w) => w.units.length), [0, 1, 0]);
    assert.deepEqual(planMatrix(cfg, { priority: 'priority_3' }).waves.map((w) => w.units.length), [0, 0, 1]);
    assert.throws(() => planMatrix(cfg, { only: ['zzz'] }), (e: unknown) => isFederationError(e) && e.reason === 'not-found');
    assert.throws(() => planMatrix(cfg, { priority: 9 }), (e: unknown) => isFederationError(e) && e.reason === 'not-found');
  });

  it('retry policy and backoff: task retries win over failure_handling.retry', () => {
    const cfg = config(
      simpleConfig([['a', 'b']], { extraTop: 'failure_handling:\n  retry:\n    enabled: true\n    max_attempts: 4\n    backoff: exponential\n    initial_delay: 2\n    max_delay: 5\n' }).replace(
        '  b:\n    module: .\n',
        '  b:\n    retries: 0\n    module: .\n',
      ),
    );
    const [a, b] = planMatrix(cfg).waves[0]!.units;
    assert.equal(a!.retry.maxAttempts, 4);
    assert.equal(b!.retry.maxAttempts, 1);
    assert.deepEqual([1, 2, 3, 4].map((n) => retryDelayMs(a!.retry, n)), [0, 2000, 4000, 5000]);
    assert.deepEqual([2, 3, 4].map((n) => retryDelayMs({ ...a!.retry, backoff: 'linear' }, n)), [2000, 4000, 5000]);
    assert.deepEqual([2, 3].map((n) => retryDelayMs({ ...a!.retry, backoff: 'none' }, n)), [0, 0]);
    const off = planMatrix(config(simpleConfig([['a']]))).waves[0]!.units[0]!;
    assert.equal(off.retry.maxAttempts, 1, 'no retry unless enabled');
  });

  it('fail_fast, allow_warnings and continue_on_error are carried into the plan', () => {
    const cfg = config(
      simpleConfig([['a'], ['b']], { extraPriority: (i) => (i === 0 ? '    fail_fast: true\n' : ''), extraTop: 'failure_handling:\n  continue_on_error: true\n' }).replace('  a:\n', '  a:\n    allow_warnings: true\n'),
    );
    const plan = planMatrix(cfg);
    assert.deepEqual(plan.waves.map((w) => w.failFast), [true, false]);
    assert.equal(plan.waves[0]!.units[0]!.allowWarnings, true);
    assert.equal(plan.waves[1]!.units[0]!.continueOnError, true);
  });

  it('is stable: the same input gives the same JSON', () => {
    const text = simpleConfig([['a', 'b'], ['c']]);
    assert.equal(JSON.stringify(planMatrix(config(text))), JSON.stringify(planMatrix(config(text))));
  });
});
