// The runner with real processes: the demo monorepo through all waves with its npm scripts, the setup cache, a
// known sleep schedule against its critical path, and cancellation that leaves no process behind.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { loadMatrixConfig } from '../../../src/core/matrix/load';
import { planMatrix } from '../../../src/core/matrix/plan';
import { runDir } from '../../../src/core/matrix/results';
import type { ProcessRunner } from '../../../src/core/matrix/processPort';
import { runMatrix } from '../../../src/core/matrix/runner';
import { FederationError } from '../../../src/core/errors';
import { nodeFileSystem } from '../../../src/node/fs';
import { LocalProcessRunner, newLocalProcessRunner } from '../../../src/node/process';
import { useTempDir } from '../../helpers/tmp';
import { config, copyDemoMonorepo, pidAlive, simpleConfig, waitForFile } from './helpers';

const FAKE_INSTALL = 'mkdir -p node_modules/.fake && echo installed';

describe('matrix runner (real processes)', function () {
  this.timeout(60_000);
  const tmp = useTempDir('fed-real-');

  it('runs the demo monorepo through all three waves with its real npm scripts', async () => {
    copyDemoMonorepo(tmp.path);
    const loaded = await loadMatrixConfig(nodeFileSystem, tmp.path);
    assert.ok(loaded.config, JSON.stringify(loaded.findings));
    const plan = planMatrix(loaded.config);
    const waveOf: string[] = [];
    const out = await runMatrix({ root: tmp.path, plan, processRunnerFactory: newLocalProcessRunner, fs: nodeFileSystem, env: process.env, setup: { installCommand: FAKE_INSTALL }, onEvent: (e) => e.type === 'task-finished' && waveOf.push(`${e.result.wave}:${e.result.unit}`) });
    assert.equal(out.summary.status, 'passed', JSON.stringify(out.results.filter((r) => r.status !== 'passed'), null, 1));
    assert.equal(out.summary.counts.passed, 9);
    const waves = waveOf.map((w) => Number(w.split(':')[0]));
    assert.deepEqual([...waves].sort(), waves, 'every wave finished before the next started');
    const log = readFileSync(path.join(tmp.path, out.results.find((r) => r.unit === 'test-backend.shard-2-of-2')!.log!), 'utf8');
    assert.match(log, /test: shard 2\/2 ran 1 file\(s\)/);
    assert.ok(existsSync(path.join(tmp.path, 'backend', 'dist', 'bundle.js')));
    assert.deepEqual(out.results.find((r) => r.unit === 'build-frontend')!.artifacts, [path.join('frontend', 'dist')]);
    assert.deepEqual(out.summary.setup.map((s) => [s.module, s.action]), [['backend', 'installed'], ['frontend', 'none']]);
  });

  it('setup: installed once, reused when the lockfile hash matches, restored from .federation/cache after a clean, reinstalled when the lockfile changes', async () => {
    copyDemoMonorepo(tmp.path);
    const plan = planMatrix(config(readFileSync(path.join(tmp.path, '.github', 'multi-agent-config.yml'), 'utf8')), { only: ['lint-backend'] });
    const action = async () => (await runMatrix({ root: tmp.path, plan, processRunnerFactory: newLocalProcessRunner, fs: nodeFileSystem, env: process.env, setup: { installCommand: FAKE_INSTALL } })).summary.setup.map((s) => s.action);
    assert.deepEqual(await action(), ['installed']);
    assert.deepEqual(await action(), ['reused']);
    rmSync(path.join(tmp.path, 'backend', 'node_modules'), { recursive: true });
    assert.deepEqual(await action(), ['restored']);
    assert.ok(existsSync(path.join(tmp.path, 'backend', 'node_modules', '.fake')));
    const lock = path.join(tmp.path, 'backend', 'package-lock.json');
    cpSync(lock, lock + '.bak');
    require('node:fs').writeFileSync(lock, readFileSync(lock, 'utf8').replace('"1.0.0"', '"1.0.1"'));
    assert.deepEqual(await action(), ['installed']);
    const failing = await runMatrix({ root: tmp.path, plan, processRunnerFactory: newLocalProcessRunner, fs: nodeFileSystem, env: process.env, setup: { installCommand: 'exit 9' } });
    assert.equal(failing.summary.setup[0]!.action, 'failed');
    assert.equal(failing.results[0]!.status, 'skipped');
    assert.equal(failing.results[0]!.blocking, true, 'a unit whose setup failed fails the run');
    assert.equal(failing.summary.status, 'failed');
  });

  it('a failing real task stops neither its wave nor the next', async () => {
    const plan = planMatrix(config(simpleConfig([['bad', 'good'], ['after']], { command: (id) => (id === 'bad' ? 'echo broken >&2; exit 4' : 'sleep 0.1') })));
    const out = await runMatrix({ root: tmp.path, plan, processRunnerFactory: newLocalProcessRunner, fs: nodeFileSystem, env: process.env });
    assert.deepEqual(out.results.map((r) => [r.unit, r.status, r.exitCode]).sort(), [['after', 'passed', 0], ['bad', 'failed', 4], ['good', 'passed', 0]]);
    assert.match(readFileSync(path.join(tmp.path, out.results.find((r) => r.unit === 'bad')!.log!), 'utf8'), /^=== bad attempt 1\/1 in \.: echo broken >&2; exit 4 \(.+\)\nbroken\n$/);
  });

  it('a known sleep schedule: makespan within 10% (+150 ms) of the critical-path lower bound', async () => {
    // Wave 1 on 3 agents: 0.8, 0.4, 0.4, 0.4 → bound max(0.8, 2.0/3) = 0.8 s. Wave 2: 0.5, 0.5 → 0.5 s. Total 1.3 s.
    const d: Record<string, number> = { a: 0.8, b: 0.4, c: 0.4, e: 0.4, f: 0.5, g: 0.5 };
    const plan = planMatrix(config(simpleConfig([['a', 'b', 'c', 'e'], ['f', 'g']], { command: (id) => `sleep ${d[id]}`, extraTop: 'scaling:\n  default_agents: 3\n' })));
    const s = (await runMatrix({ root: tmp.path, plan, processRunnerFactory: newLocalProcessRunner, fs: nodeFileSystem, env: process.env })).summary;
    assert.equal(s.status, 'passed');
    assert.ok(s.criticalPathMs >= 1300 && s.criticalPathMs < 3000, `critical path ${s.criticalPathMs} ms (sleeps add their start-up)`);
    assert.ok(s.executionMs >= s.criticalPathMs - 20, `makespan ${s.executionMs} ≥ bound ${s.criticalPathMs}`);
    assert.ok(s.executionMs <= s.criticalPathMs * 1.1 + 150, `makespan ${s.executionMs} ≤ bound ${s.criticalPathMs} × 1.1 + 150`);
    assert.ok(s.speedup > 1.5, `speedup ${s.speedup}`);
  });

  it('a result that cannot be written stops the run only after every task it started has ended', async () => {
    const pids = path.join(tmp.path, 'pids');
    const plan = planMatrix(config(simpleConfig([['quick', 'slow'], ['later']], { command: (id) => (id === 'quick' ? 'sleep 0.3' : `echo $$ >> ${pids}; sleep 30 # ${id}`) })));
    const runId = 'write-failure-run';
    // tasks/quick.json is a folder with something in it: renaming the result over it fails.
    mkdirSync(path.join(runDir(tmp.path, runId), 'tasks', 'quick.json', 'x'), { recursive: true });
    const t0 = Date.now();
    const err = await runMatrix({ root: tmp.path, plan, processRunnerFactory: newLocalProcessRunner, fs: nodeFileSystem, env: process.env, runId, setup: false, graceMs: 300 }).then(() => assert.fail('should fail'), (e: unknown) => e);
    assert.ok(err instanceof FederationError && err.reason === 'unavailable', String(err));
    assert.ok(Date.now() - t0 < 15_000, 'the slow task was stopped, not waited for');
    const started = (await waitForFile(pids)).trim().split('\n').map(Number);
    assert.deepEqual(started.filter(pidAlive), [], 'no process left behind');
    assert.equal(existsSync(path.join(runDir(tmp.path, runId), 'tasks', 'later.json')), false, 'the next wave did not start');
  });

  it('a finished run leaves no launch server behind', async () => {
    const parents = path.join(tmp.path, 'parents');
    const plan = planMatrix(config(simpleConfig([Array.from({ length: 30 }, (_, i) => `t${i}`)], { command: () => `echo $PPID >> ${parents}; sleep 0.2`, extraTop: 'scaling:\n  default_agents: 30\n' })));
    const out = await runMatrix({ root: tmp.path, plan, processRunnerFactory: newLocalProcessRunner, fs: nodeFileSystem, env: process.env, setup: false });
    assert.equal(out.summary.status, 'passed');
    const servers = [...new Set(readFileSync(parents, 'utf8').trim().split('\n').map(Number))].filter((p) => p !== process.pid);
    const haveServer = spawnSync('python3', ['-c', 'import os; os.posix_spawn'], { stdio: 'ignore' }).status === 0 || spawnSync('perl', ['-e', '1'], { stdio: 'ignore' }).status === 0;
    if (haveServer) assert.ok(servers.length > 0, 'the tasks were started by launch servers, not by this process');
    const deadline = Date.now() + 5000;
    while (servers.some(pidAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(servers.filter(pidAlive), [], 'every server the run started has exited');
  });

  it('a runner that throws for one unit: the run fails with that error only after every task it started has ended', async () => {
    const pids = path.join(tmp.path, 'pids');
    const runId = 'throwing-runner';
    const plan = planMatrix(config(simpleConfig([['bad', 's1', 's2', 's3', 's4', 's5', 's6']], { command: (id) => `echo $$ >> ${pids}; sleep 0.5 # ${id}`, extraTop: 'scaling:\n  default_agents: 4\n' })));
    const local = new LocalProcessRunner();
    let badCalls = 0;
    const boom: ProcessRunner = {
      run: async () => {
        badCalls++;
        // After the others have started, so that they are running when it throws.
        await waitForFile(pids);
        throw new Error('boom: cannot start');
      },
    };
    const err = await runMatrix({ root: tmp.path, plan, processRunnerFactory: newLocalProcessRunner, fs: nodeFileSystem, env: process.env, runId, setup: false, graceMs: 300, isolation: (u) => (u.id === 'bad' ? boom : local) }).then(
      () => assert.fail('should fail'),
      (e: unknown) => e,
    );
    local.dispose();
    assert.equal((err as Error).message, 'boom: cannot start');
    assert.equal(badCalls, 1);
    const started = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    assert.ok(started.length >= 1);
    assert.deepEqual(started.filter(pidAlive), [], 'no task still running when the run failed');
    const tasksDir = path.join(runDir(tmp.path, runId), 'tasks');
    const written = readdirSync(tasksDir).sort();
    await new Promise((r) => setTimeout(r, 700));
    assert.deepEqual(readdirSync(tasksDir).sort(), written, 'no result written after the run failed');
  });

  it('cancellation stops every process it started, grandchildren included', async () => {
    const pids = path.join(tmp.path, 'pids');
    const plan = planMatrix(config(simpleConfig([['a', 'b', 'c'], ['d']], { command: (id) => `sleep 30 & echo $! >> ${pids}; sh -c 'trap "" TERM; sleep 30' & echo $! >> ${pids}; echo $$ >> ${pids}; wait # ${id}` })));
    const ac = new AbortController();
    const p = runMatrix({ root: tmp.path, plan, processRunnerFactory: newLocalProcessRunner, fs: nodeFileSystem, env: process.env, signal: ac.signal, graceMs: 300 });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (existsSync(pids) ? readFileSync(pids, 'utf8').trim().split('\n').length : 0) < 9) await new Promise((r) => setTimeout(r, 20));
    const started = (await waitForFile(pids)).trim().split('\n').map(Number);
    assert.equal(started.length, 9, 'three units, three processes each');
    assert.ok(started.every(pidAlive));
    ac.abort();
    const out = await p;
    assert.equal(out.summary.status, 'cancelled');
    assert.deepEqual(started.filter(pidAlive), [], 'no process left behind');
    assert.deepEqual(out.results.map((r) => r.status), ['cancelled', 'cancelled', 'cancelled', 'cancelled']);
  });
});
