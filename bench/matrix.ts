// CI matrix benchmarks: the runner's own overhead against `xargs -P` running the same 1,000 no-op commands
// (each with its output sent to its own log file), the makespan of a sleep schedule against its
// critical-path lower bound, and scheduling from history (a first run without it, a second with it). Both sides run in the same process and folder, alternated, ROUNDS times each.
// The folder is under the repository's .tmp/: see scratch.ts.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planMatrix } from '../src/core/matrix/plan';
import { runMatrix } from '../src/core/matrix/runner';
import { validateMatrixConfig } from '../src/core/matrix/validate';
import { nodeFileSystem } from '../src/node/fs';
import { newLocalProcessRunner } from '../src/node/process';
import { round } from './federation';
import { fileCreateUs, removeScratch, scratchDir, settle } from './scratch';

const NOOPS = 1000;
const PARALLEL = 50;
/** Each side runs this many times, alternated; the first runner round includes finding python3 and warming up. */
const ROUNDS = 5;

function configFor(waves: { id: string; command: string }[][], agents: number) {
  const tasks = waves.flat().map((t) => `  ${t.id}:\n    module: .\n    command: ${JSON.stringify(t.command)}\n    timeout: 5\n`).join('');
  const prios = waves.map((w, i) => `  priority_${i + 1}:\n    tasks: [${w.map((t) => t.id).join(', ')}]\n`).join('');
  const v = validateMatrixConfig(`tasks:\n${tasks}priorities:\n${prios}scaling:\n  default_agents: ${agents}\n  max_parallel_per_priority: ${agents}\n`, 'bench.yml');
  if (!v.config) throw new Error(JSON.stringify(v.findings.slice(0, 3)));
  return v.config;
}

async function ourRun(root: string): Promise<number> {
  const plan = planMatrix(configFor([Array.from({ length: NOOPS }, (_, i) => ({ id: `noop${i}`, command: 'true' }))], PARALLEL), { maxParallel: PARALLEL });
  const t0 = performance.now();
  const out = await runMatrix({ root, plan, processRunnerFactory: newLocalProcessRunner, fs: nodeFileSystem, env: process.env, setup: false, runId: `bench-${Date.now()}` });
  const ms = performance.now() - t0;
  if (out.summary.counts.passed !== NOOPS) throw new Error(`only ${out.summary.counts.passed} no-op tasks passed`);
  return ms;
}

function xargsRun(root: string): Promise<number> {
  const dir = path.join(root, `xargs-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const list = path.join(dir, 'ids');
  writeFileSync(list, Array.from({ length: NOOPS }, (_, i) => `noop${i}`).join('\n') + '\n');
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', `xargs -P ${PARALLEL} -I{} sh -c 'true > ${dir}/{}.log 2>&1' < ${list}`], { timeout: 120_000 }, (err) => (err ? reject(err) : resolve(performance.now() - t0)));
  });
}

async function sleepSchedule(root: string): Promise<{ makespanMs: number; criticalPathMs: number; idealMs: number }> {
  // Wave 1: 16 × 0.5 s on 8 agents (bound 1.0 s); wave 2: 1.0 s and three 0.3 s on 4 agents (bound 1.0 s).
  const w1 = Array.from({ length: 16 }, (_, i) => ({ id: `s${i}`, command: 'sleep 0.5' }));
  const w2 = [{ id: 'long', command: 'sleep 1' }, ...Array.from({ length: 3 }, (_, i) => ({ id: `short${i}`, command: 'sleep 0.3' }))];
  const plan = planMatrix(configFor([w1, w2], 8));
  const s = (await runMatrix({ root, plan, processRunnerFactory: newLocalProcessRunner, fs: nodeFileSystem, env: process.env, setup: false, runId: `bench-sleep-${Date.now()}` })).summary;
  return { makespanMs: s.executionMs, criticalPathMs: s.criticalPathMs, idealMs: 2000 };
}

/**
 * Five 1 s units and one 3 s unit written last, on two agents, run twice in a folder of their own: the first run
 * has no history and takes them as written (about 5 s: the long one starts last); the second starts the longest
 * expected first. Its bound is the wave's max(total / agents, longest) from the second run's own durations.
 */
export async function historySchedule(root: string): Promise<{ firstMs: number; secondMs: number; lowerBoundMs: number }> {
  const dir = path.join(root, `history-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const units = [...Array.from({ length: 5 }, (_, i) => ({ id: `short${i}`, command: 'sleep 1' })), { id: 'long', command: 'sleep 3' }];
  const plan = planMatrix(configFor([units], 2));
  const once = async (n: number) =>
    (await runMatrix({ root: dir, plan, processRunnerFactory: newLocalProcessRunner, fs: nodeFileSystem, env: process.env, setup: false, runId: `bench-history-${n}`, order: 'history' })).summary;
  const first = await once(1);
  const second = await once(2);
  return { firstMs: first.executionMs, secondMs: second.executionMs, lowerBoundMs: second.criticalPathMs };
}

export async function benchMatrix(): Promise<Record<string, number>> {
  const root = scratchDir('bench-matrix-');
  settle();
  const createUs = fileCreateUs(root);
  const ours: number[] = [];
  const xargs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    ours.push(await ourRun(root));
    xargs.push(await xargsRun(root));
  }
  console.log(`  runner ${ours.map(Math.round).join(' ')} ms; xargs ${xargs.map(Math.round).join(' ')} ms`);
  const best = (xs: number[]) => Math.min(...xs);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const sleep = await sleepSchedule(root);
  const history = await historySchedule(root);
  return {
    noop1000_p50_runnerMs: round(median(ours)),
    noop1000_p50_xargsMs: round(median(xargs)),
    noop1000_p50_ratio: round(median(ours) / median(xargs)),
    noop1000_best_runnerMs: round(best(ours)),
    noop1000_best_xargsMs: round(best(xargs)),
    noop1000_best_ratio: round(best(ours) / best(xargs)),
    sleepSchedule_makespanMs: round(sleep.makespanMs),
    sleepSchedule_criticalPathMs: round(sleep.criticalPathMs),
    sleepSchedule_makespanOverCriticalPath: round(sleep.makespanMs / sleep.criticalPathMs),
    historyOrder_firstRunMs: round(history.firstMs),
    historyOrder_secondRunMs: round(history.secondMs),
    historyOrder_lowerBoundMs: round(history.lowerBoundMs),
    historyOrder_secondOverLowerBound: round(history.secondMs / history.lowerBoundMs),
    fileCreateUs: round(createUs),
    loadAverage1m: round(os.loadavg()[0]!),
  };
}

if (require.main === module) {
  benchMatrix()
    .then((r) => console.log(JSON.stringify(r, null, 2)), (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    })
    .finally(removeScratch);
}
