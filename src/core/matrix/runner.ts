// The local matrix runner: setup once, then the plan's waves in order, at most `agents` units at a time per wave,
// each unit through the process-runner port with its timeout and retries. Results go to .federation/runs/RUN_ID/
// as they happen and every step is reported to onEvent (the editor's Runs view listens there). This module is
// the run from start to end; its steps are waves.ts (scheduling), unitRun.ts (one unit) and recorder.ts (results).
import * as path from 'node:path';
import { systemClock, systemTimers, type Clock, type Environment, type FileSystem, type Timers } from '../ports';
import { orderByHistory, writeDurations, type RunOrder } from './history';
import type { MatrixPlan } from './plan';
import type { IsolationStrategy, ProcessRunner, ProcessRunnerFactory } from './processPort';
import { RunRecorder } from './recorder';
import { ModuleSetupResult, RunSummary, TaskResult, newRunId, runDir, summarizeRun, writeJson } from './results';
import type { MatrixEvent, RunContext } from './runContext';
import { planModules, runSetup } from './setup';
import { moduleFolders } from './unitRun';
import { runWaves } from './waves';

export type { MatrixEvent } from './runContext';
export { resultIdentity } from './unitRun';

export interface RunOptions {
  root: string;
  plan: MatrixPlan;
  /** Default: a new time-ordered id. */
  runId?: string;
  /**
   * Makes the runner of local processes: setup runs through it, and so does every unit when `isolation` is not
   * given. One per run, disposed when the run ends. The front ends pass the Node adapter (src/node/process).
   */
  processRunnerFactory: ProcessRunnerFactory;
  /** One runner for every unit, or a strategy choosing per unit. Default: the one processRunnerFactory made. */
  isolation?: ProcessRunner | IsolationStrategy;
  signal?: AbortSignal;
  onEvent?: (e: MatrixEvent) => void;
  /** false skips the setup step (a GitHub worker whose setup job already ran). */
  setup?: false | { installCommand?: string; timeoutMs?: number };
  /** Between SIGTERM and SIGKILL on timeout or cancellation. Default 5000. */
  graceMs?: number;
  /**
   * Where the run's folder, plan, results and summary are written and the module folders are checked (the front
   * ends pass src/node/fs.ts's).
   */
  fs: FileSystem;
  /** Base environment of every unit (the front ends pass process.env). */
  env: Environment;
  /**
   * Every time the run records comes from here: the run id's stamp, event times, attempt, wave, setup and run
   * start and end, and the durations between them. Default: the system clock.
   */
  clock?: Clock;
  /** What the run waits on (the backoff between attempts). Default: the system's. */
  timers?: Timers;
  /**
   * `history`: each wave starts its units longest-expected-first, from the workspace's earlier runs (history.ts);
   * `config` (default here; the front ends default to history): the written order.
   */
  order?: RunOrder;
}

export interface RunOutcome {
  runId: string;
  dir: string;
  summary: RunSummary;
  results: TaskResult[];
}

export async function runMatrix(opts: RunOptions): Promise<RunOutcome> {
  const local = opts.processRunnerFactory();
  try {
    return await runWith(opts, local);
  } finally {
    // The Node adapter's launch servers exit once their last task has ended; idle, they would stay until the
    // editor closes.
    local.dispose?.();
  }
}

async function runWith(opts: RunOptions, local: ProcessRunner): Promise<RunOutcome> {
  const { root, fs } = opts;
  const clock = opts.clock ?? systemClock;
  const ms = () => clock.now().getTime();
  const now = () => clock.now().toISOString();
  const runId = opts.runId ?? newRunId(clock.now());
  const dir = runDir(root, runId);
  // The plan as it runs, in run order: plan.json and the summary show the order the agents took units in.
  const plan = opts.order === 'history' ? await orderByHistory(fs, root, opts.plan, runId) : opts.plan;
  const logsDir = path.join(dir, 'logs');
  const tasksDir = path.join(dir, 'tasks');
  await fs.mkdir(logsDir, { recursive: true });
  await fs.mkdir(tasksDir, { recursive: true });
  await writeJson(fs, path.join(dir, 'plan.json'), plan);
  const emit = (e: MatrixEvent) => {
    try {
      opts.onEvent?.(e);
    } catch {
      // A listener's bug must not break the run.
    }
  };
  const graceMs = opts.graceMs ?? 5000;
  // A plain copy (spreading process.env goes through its getters), frozen: every unit passes this same object and
  // its own few variables as extraEnv, so no environment is copied per unit and the launcher sends it once.
  const baseEnv: NodeJS.ProcessEnv = Object.freeze({ ...opts.env });
  const startedAt = clock.now();
  emit({ type: 'run-started', runId, dir, plan, at: now() });

  const { setup, setupMs } = opts.setup === false ? { setup: [], setupMs: 0 } : await setupStep(opts, opts.setup ?? {}, { runner: local, logsDir, env: baseEnv, graceMs, clock, emit });

  const rec = new RunRecorder(fs, tasksDir, emit, now);
  const ctx: RunContext = {
    root,
    runId,
    plan,
    fs,
    clock,
    timers: opts.timers ?? systemTimers,
    signal: opts.signal,
    graceMs,
    baseEnv,
    runnerFor: isolationStrategy(opts.isolation, local),
    logsDir,
    logsRel: path.relative(root, logsDir) + path.sep,
    tasksDir,
    setupFailed: new Map(setup.filter((s) => s.action === 'failed').map((s) => [s.module, s.error ?? 'setup failed'])),
    emit,
    ms,
    now,
    folderOf: moduleFolders(root, fs),
    stoppedBy: () => rec.stoppedBy,
  };
  await runWaves(ctx, rec);

  const summary = summarizeRun({ runId, plan, results: rec.results, startedAt, endedAt: clock.now(), setup, setupMs, cancelled: opts.signal?.aborted ?? false, waveTimes: rec.waveTimes });
  await writeDurations(fs, dir, rec.results);
  await writeJson(fs, path.join(dir, 'summary.json'), summary);
  emit({ type: 'run-finished', summary, at: now() });
  return { runId, dir, summary, results: rec.results };
}

/** The setup step: each module's install once, before any unit, timed on the run's clock and reported. */
async function setupStep(
  opts: RunOptions,
  step: { installCommand?: string; timeoutMs?: number },
  run: { runner: ProcessRunner; logsDir: string; env: NodeJS.ProcessEnv; graceMs: number; clock: Clock; emit: (e: MatrixEvent) => void },
): Promise<{ setup: ModuleSetupResult[]; setupMs: number }> {
  const { clock, emit } = run;
  const t0 = clock.now().getTime();
  emit({ type: 'setup-started', modules: planModules(opts.plan), at: clock.now().toISOString() });
  const setup = await runSetup({
    fs: opts.fs,
    root: opts.root,
    plan: opts.plan,
    runner: run.runner,
    logsDir: run.logsDir,
    env: run.env,
    graceMs: run.graceMs,
    clock,
    ...(step.installCommand !== undefined ? { installCommand: step.installCommand } : {}),
    ...(step.timeoutMs !== undefined ? { timeoutMs: step.timeoutMs } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const setupMs = clock.now().getTime() - t0;
  emit({ type: 'setup-finished', results: setup, at: clock.now().toISOString() });
  return { setup, setupMs };
}

/** The runner of each unit: the option's, or the local one. */
function isolationStrategy(isolation: RunOptions['isolation'], local: ProcessRunner): IsolationStrategy {
  if (isolation === undefined) return () => local;
  if (typeof isolation === 'function') return isolation;
  return () => isolation;
}
