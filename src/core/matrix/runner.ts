// The local matrix runner: setup once, then the plan's waves in order, at most `agents` units at a time per wave,
// each unit through the process-runner port with its timeout and retries. Results go to .federation/runs/RUN_ID/
// as they happen and every step is reported to onEvent (the editor's Runs view listens there).
import { setMaxListeners } from 'node:events';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { systemClock, type Clock, type FileSystem } from '../ports';
import { ARTIFACT_FOLDERS, MatrixPlan, MatrixUnit, MatrixWave, retryDelayMs } from './plan';
import type { IsolationStrategy, ProcessRunner, ProcessRunnerFactory } from './processPort';
import { AttemptResult, ModuleSetupResult, RunSummary, TaskResult, WaveTiming, newRunId, runDir, summarizeRun, writeJson, writeJsonSync } from './results';
import { runSetup } from './setup';
import { checkModuleFolder, moduleDir } from './validate';

export type MatrixEvent =
  | { type: 'run-started'; runId: string; dir: string; plan: MatrixPlan; at: string }
  | { type: 'setup-started'; modules: string[]; at: string }
  | { type: 'setup-finished'; results: ModuleSetupResult[]; at: string }
  | { type: 'wave-started'; wave: number; priority: string; name: string; units: number; agents: number; at: string }
  | { type: 'task-started'; unit: string; task: string; wave: number; attempt: number; maxAttempts: number; at: string }
  | { type: 'task-retrying'; unit: string; nextAttempt: number; delayMs: number; previous: 'failed' | 'timed_out'; at: string }
  | { type: 'task-finished'; result: TaskResult; at: string }
  | { type: 'wave-finished'; wave: WaveTiming; at: string }
  | { type: 'run-finished'; summary: RunSummary; at: string };

export interface RunOptions {
  /** The disk the results are written to and the module folders are checked on. */
  fs: FileSystem;
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
  /** Base environment of every unit. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Every time the run records comes from here: the run id's stamp, event times, attempt, wave, setup and run
   * start and end, and the durations between them. Default: the system clock.
   */
  clock?: Clock;
}

export interface RunOutcome {
  runId: string;
  dir: string;
  summary: RunSummary;
  results: TaskResult[];
}

/** Waits `ms`, or less: an abort ends the wait early and resolves (the caller checks the signal). github.ts's abortableSleep rejects instead. */
function waitUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** What every task result says about which unit of which run it is. */
export function resultIdentity(runId: string, unit: MatrixUnit, wave: MatrixWave) {
  return {
    version: 1 as const,
    runId,
    unit: unit.id,
    task: unit.task,
    shard: unit.shard,
    priority: unit.priority,
    wave: wave.index,
    module: unit.module,
    command: unit.command,
  };
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
  const { root, plan, fs: disk } = opts;
  const clock = opts.clock ?? systemClock;
  const ms = () => clock.now().getTime();
  const runId = opts.runId ?? newRunId(clock.now());
  const dir = runDir(root, runId);
  const logsDir = path.join(dir, 'logs');
  const tasksDir = path.join(dir, 'tasks');
  await fs.mkdir(logsDir, { recursive: true });
  await fs.mkdir(tasksDir, { recursive: true });
  await writeJson(disk, path.join(dir, 'plan.json'), plan);
  const emit = (e: MatrixEvent) => {
    try {
      opts.onEvent?.(e);
    } catch {
      // A listener's bug must not break the run.
    }
  };
  const now = () => clock.now().toISOString();
  const graceMs = opts.graceMs ?? 5000;
  // A plain copy (spreading process.env goes through its getters), frozen: every unit passes this same object and
  // its own few variables as extraEnv, so no environment is copied per unit and the launcher sends it once.
  const baseEnv: NodeJS.ProcessEnv = Object.freeze({ ...(opts.env ?? process.env) });
  const runnerFor: IsolationStrategy =
    opts.isolation === undefined ? () => local : typeof opts.isolation === 'function' ? opts.isolation : ((r: ProcessRunner) => () => r)(opts.isolation);
  const startedAt = clock.now();
  emit({ type: 'run-started', runId, dir, plan, at: now() });

  let setup: ModuleSetupResult[] = [];
  let setupMs = 0;
  if (opts.setup !== false) {
    const t0 = ms();
    emit({ type: 'setup-started', modules: [...new Set(plan.waves.flatMap((w) => w.units.map((u) => u.module)))], at: now() });
    setup = await runSetup({
      fs: disk,
      root,
      plan,
      runner: local,
      logsDir,
      env: baseEnv,
      graceMs,
      clock,
      ...(opts.setup?.installCommand !== undefined ? { installCommand: opts.setup.installCommand } : {}),
      ...(opts.setup?.timeoutMs !== undefined ? { timeoutMs: opts.setup.timeoutMs } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    setupMs = ms() - t0;
    emit({ type: 'setup-finished', results: setup, at: now() });
  }
  const setupFailed = new Map(setup.filter((s) => s.action === 'failed').map((s) => [s.module, s.error ?? 'setup failed']));

  const results: TaskResult[] = [];
  const waveTimes = new Map<number, { start: number; end: number; stopped: boolean }>();
  let stoppedBy: string | undefined;

  // Result files are written synchronously: a small file into the page cache costs tens of microseconds, less
  // than any asynchronous route (four thread-pool round trips each with fs.promises; a writer thread measured no
  // faster for 1,000 no-op tasks and took a core the tasks needed). task-finished follows the file.
  // A result that cannot be written (disk full) stops the run, but only once every task it started has ended:
  // throwing from inside one agent would leave the others' processes running unsupervised.
  const runStop = new AbortController();
  let runError: unknown;
  const failRun = (e: unknown) => {
    runError ??= e;
    runStop.abort();
  };
  const record = (r: TaskResult) => {
    results.push(r);
    try {
      writeJsonSync(disk, tasksDir + path.sep + r.unit + '.json', r);
    } catch (e) {
      failRun(e);
      return;
    }
    emit({ type: 'task-finished', result: r, at: now() });
  };
  const notRun = (unit: MatrixUnit, wave: MatrixWave, status: 'skipped' | 'cancelled', reason: string, blocking = false): TaskResult => ({
    ...resultIdentity(runId, unit, wave),
    status,
    allowed: null,
    blocking,
    exitCode: null,
    signal: null,
    attempts: 0,
    maxAttempts: unit.retry.maxAttempts,
    startedAt: null,
    endedAt: null,
    durationMs: 0,
    log: null,
    artifacts: [],
    reason,
    attemptDetails: [],
  });

  // The config check saw the folders as they were when it ran; once per module, their real path is checked again
  // here, as a symlink may have appeared since (a missing folder is left to the runner to report). undefined: the
  // module is outside the repository.
  const folders = new Map<string, string | undefined>();
  const folderOf = (module: string): string | undefined => {
    if (folders.has(module)) return folders.get(module);
    let dir = moduleDir(root, module);
    if (dir !== undefined) {
      const c = checkModuleFolder(disk, root, dir);
      if (!c.ok && c.problem !== 'missing') dir = undefined;
    }
    folders.set(module, dir);
    return dir;
  };
  // Paths by concatenation: path.join and path.relative for each of 1,000 units showed in profiles.
  const logsRel = path.relative(root, logsDir) + path.sep;

  const runUnit = async (unit: MatrixUnit, wave: MatrixWave, signal: AbortSignal): Promise<TaskResult> => {
    const setupError = setupFailed.get(unit.module);
    if (setupError !== undefined) return notRun(unit, wave, 'skipped', `setup failed: ${setupError}`, true);
    const cwd = folderOf(unit.module);
    if (cwd === undefined) return notRun(unit, wave, 'skipped', `module "${unit.module}" is outside the repository`, true);
    const logFile = logsDir + path.sep + unit.id + '.log';
    const runner = runnerFor(unit);
    const attempts: AttemptResult[] = [];
    const first = ms();
    let status: TaskResult['status'] = 'failed';
    let last: AttemptResult | undefined;
    for (let attempt = 1; attempt <= unit.retry.maxAttempts; attempt++) {
      if (attempt > 1) {
        const delayMs = retryDelayMs(unit.retry, attempt);
        emit({ type: 'task-retrying', unit: unit.id, nextAttempt: attempt, delayMs, previous: status === 'timed_out' ? 'timed_out' : 'failed', at: now() });
        await waitUnlessAborted(delayMs, signal);
      }
      if (signal.aborted) {
        status = 'cancelled';
        break;
      }
      emit({ type: 'task-started', unit: unit.id, task: unit.task, wave: wave.index, attempt, maxAttempts: unit.retry.maxAttempts, at: now() });
      const t0 = ms();
      const outcome = await runner.run({
        command: unit.command,
        cwd,
        env: baseEnv,
        extraEnv: { ...unit.env, FEDERATION_RUN_ID: runId, FEDERATION_TASK_ID: unit.task, FEDERATION_UNIT_ID: unit.id, FEDERATION_ATTEMPT: String(attempt) },
        logFile,
        // Written by the launcher into the log it opens anyway: no extra file operation here per attempt.
        preamble: `${attempt > 1 ? '\n' : ''}=== ${unit.id} attempt ${attempt}/${unit.retry.maxAttempts} in ${unit.module}: ${unit.command} (${new Date(t0).toISOString()})\n`,
        timeoutMs: Math.round(unit.timeoutMinutes * 60_000),
        graceMs,
        signal,
      });
      const t1 = ms();
      last = {
        attempt,
        startedAt: new Date(t0).toISOString(),
        endedAt: new Date(t1).toISOString(),
        durationMs: t1 - t0,
        exitCode: outcome.exitCode,
        signal: outcome.signal,
        timedOut: outcome.timedOut,
        ...(outcome.error ? { error: outcome.error } : {}),
      };
      attempts.push(last);
      if (outcome.cancelled) {
        status = 'cancelled';
        break;
      }
      if (outcome.exitCode === 0 && !outcome.timedOut) {
        status = 'passed';
        break;
      }
      status = outcome.timedOut ? 'timed_out' : 'failed';
    }
    const failed = status === 'failed' || status === 'timed_out';
    const allowed = !failed ? null : status === 'failed' && unit.allowWarnings ? 'allow_warnings' : unit.continueOnError ? 'continue_on_error' : null;
    const artifacts: string[] = [];
    if (unit.producesArtifacts && status === 'passed') {
      for (const f of ARTIFACT_FOLDERS) {
        const p = path.join(cwd, f);
        if (await fs.stat(p).then((s) => s.isDirectory(), () => false)) artifacts.push(path.relative(root, p) || '.');
      }
    }
    const end = last ? Date.parse(last.endedAt) : ms();
    return {
      ...resultIdentity(runId, unit, wave),
      status,
      allowed,
      blocking: failed && allowed === null,
      exitCode: last?.exitCode ?? null,
      signal: last?.signal ?? null,
      attempts: attempts.length,
      maxAttempts: unit.retry.maxAttempts,
      startedAt: attempts.length ? attempts[0]!.startedAt : null,
      endedAt: last ? last.endedAt : null,
      durationMs: attempts.length ? end - first : 0,
      log: logsRel + unit.id + '.log',
      artifacts,
      ...(status === 'cancelled' ? { reason: stoppedBy ?? 'the run was cancelled' } : last?.error ? { reason: last.error } : {}),
      attemptDetails: attempts,
    };
  };

  for (const wave of plan.waves) {
    if (opts.signal?.aborted || stoppedBy !== undefined) {
      const [status, reason] = opts.signal?.aborted ? (['cancelled', 'the run was cancelled'] as const) : (['skipped', stoppedBy!] as const);
      for (const u of wave.units) record(notRun(u, wave, status, reason));
      continue;
    }
    if (wave.units.length === 0) continue;
    const waveStop = new AbortController();
    const signal = AbortSignal.any([...(opts.signal ? [opts.signal] : []), waveStop.signal, runStop.signal]);
    // One abort listener per running unit: up to `agents` at once, legitimately more than Node's default 10.
    setMaxListeners(Math.max(10, wave.agents * 2 + 10), signal);
    if (opts.signal) setMaxListeners(Math.max(10, wave.agents * 2 + 10), opts.signal);
    const start = ms();
    emit({ type: 'wave-started', wave: wave.index, priority: wave.priority, name: wave.name, units: wave.units.length, agents: wave.agents, at: now() });
    let next = 0;
    const agent = async () => {
      // Bounded: each pass takes one unit off the wave's list.
      while (next < wave.units.length) {
        const unit = wave.units[next++]!;
        if (signal.aborted) {
          record(notRun(unit, wave, opts.signal?.aborted ? 'cancelled' : 'skipped', opts.signal?.aborted ? 'the run was cancelled' : stoppedBy ?? 'stopped'));
          continue;
        }
        let r: TaskResult;
        try {
          r = await runUnit(unit, wave, signal);
        } catch (e) {
          // A runner that throws (an isolation that cannot start anything, a bug) stops the run the same way: the
          // error is thrown once every task already started has ended, never while others still run unwatched.
          failRun(e);
          continue;
        }
        record(r);
        if (r.blocking && wave.failFast && stoppedBy === undefined) {
          stoppedBy = `fail_fast: ${unit.id} ${r.status === 'timed_out' ? 'timed out' : 'failed'} in ${wave.priority}`;
          waveStop.abort();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, wave.agents) }, agent));
    if (runError !== undefined) throw runError;
    waveTimes.set(wave.index, { start, end: ms(), stopped: stoppedBy !== undefined });
    const partial = summarizeRun({ runId, plan, results, waveTimes });
    emit({ type: 'wave-finished', wave: partial.waves[wave.index]!, at: now() });
  }
  if (runError !== undefined) throw runError;

  const summary = summarizeRun({ runId, plan, results, startedAt, endedAt: clock.now(), setup, setupMs, cancelled: opts.signal?.aborted ?? false, waveTimes });
  await writeJson(disk, path.join(dir, 'summary.json'), summary);
  emit({ type: 'run-finished', summary, at: now() });
  return { runId, dir, summary, results };
}
