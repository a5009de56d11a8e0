// One unit's execution: its attempts through the process-runner port (each with the unit's timeout), the backoff
// between them, the artifact folders it left, and the task result that says all of it. Also the result of a unit
// that never ran (skipped, cancelled).
import * as path from 'node:path';
import type { FileSystem } from '../ports';
import { sleep } from '../sleep';
import { ARTIFACT_FOLDERS, MatrixUnit, MatrixWave, retryDelayMs } from './plan';
import type { ProcessOutcome, ProcessSpec } from './processPort';
import type { AttemptResult, TaskResult } from './results';
import { attemptResources, outputBytes, taskResources } from './resources';
import type { RunContext } from './runContext';
import { checkModuleFolder, moduleDir } from './validate';

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

/** The result of a unit that never started. */
export function notRun(runId: string, unit: MatrixUnit, wave: MatrixWave, status: 'skipped' | 'cancelled', reason: string, blocking = false): TaskResult {
  return {
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
    resources: null,
  };
}

/**
 * The module folders of a run, each looked up once. The config check saw the folders as they were when it ran;
 * here their real path is checked again, as a symlink may have appeared since (a missing folder is left to the
 * process runner to report). undefined: the module is outside the repository.
 */
export function moduleFolders(root: string, fs: FileSystem): (module: string) => string | undefined {
  const folders = new Map<string, string | undefined>();
  return (module) => {
    if (folders.has(module)) return folders.get(module);
    let dir = moduleDir(root, module);
    if (dir !== undefined) {
      const c = checkModuleFolder(fs, root, dir);
      if (!c.ok && c.problem !== 'missing') dir = undefined;
    }
    folders.set(module, dir);
    return dir;
  };
}

/** Runs one unit to its result: up to its maxAttempts, until one passes or the signal stops it. */
export async function runUnit(ctx: RunContext, unit: MatrixUnit, wave: MatrixWave, signal: AbortSignal): Promise<TaskResult> {
  const setupError = ctx.setupFailed.get(unit.module);
  if (setupError !== undefined) return notRun(ctx.runId, unit, wave, 'skipped', `setup failed: ${setupError}`, true);
  const cwd = ctx.folderOf(unit.module);
  if (cwd === undefined) return notRun(ctx.runId, unit, wave, 'skipped', `module "${unit.module}" is outside the repository`, true);
  const logFile = ctx.logsDir + path.sep + unit.id + '.log';
  const runner = ctx.runnerFor(unit);
  const attempts: AttemptResult[] = [];
  const first = ctx.ms();
  let status: TaskResult['status'] = 'failed';
  let last: AttemptResult | undefined;
  for (let attempt = 1; attempt <= unit.retry.maxAttempts; attempt++) {
    if (attempt > 1) {
      const delayMs = retryDelayMs(unit.retry, attempt);
      ctx.emit({ type: 'task-retrying', unit: unit.id, nextAttempt: attempt, delayMs, previous: status === 'timed_out' ? 'timed_out' : 'failed', at: ctx.now() });
      // An abort ends the wait early, quietly: the check below makes the unit cancelled.
      await sleep(delayMs, { timers: ctx.timers, signal, onAbort: 'resolve' });
    }
    if (signal.aborted) {
      status = 'cancelled';
      break;
    }
    ctx.emit({ type: 'task-started', unit: unit.id, task: unit.task, wave: wave.index, attempt, maxAttempts: unit.retry.maxAttempts, at: ctx.now() });
    const t0 = ctx.ms();
    const outcome = await runner.run(attemptSpec(ctx, unit, cwd, logFile, attempt, t0, signal));
    const t1 = ctx.ms();
    // Only tasks that produce artifacts have output folders worth walking.
    const produced = unit.producesArtifacts ? await outputBytes(ctx.fs, cwd) : null;
    last = attemptResult(attempt, t0, t1, outcome, produced);
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
  const artifacts = unit.producesArtifacts && status === 'passed' ? await artifactFolders(ctx, cwd) : [];
  const end = last ? Date.parse(last.endedAt) : ctx.ms();
  return {
    ...resultIdentity(ctx.runId, unit, wave),
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
    // Paths by concatenation: path.join and path.relative for each of 1,000 units showed in profiles.
    log: ctx.logsRel + unit.id + '.log',
    artifacts,
    ...(status === 'cancelled' ? { reason: ctx.stoppedBy() ?? 'the run was cancelled' } : last?.error ? { reason: last.error } : {}),
    attemptDetails: attempts,
    resources: taskResources(attempts),
  };
}

/** What the process runner gets for one attempt. */
function attemptSpec(ctx: RunContext, unit: MatrixUnit, cwd: string, logFile: string, attempt: number, t0: number, signal: AbortSignal): ProcessSpec {
  return {
    command: unit.command,
    cwd,
    env: ctx.baseEnv,
    extraEnv: { ...unit.env, FEDERATION_RUN_ID: ctx.runId, FEDERATION_TASK_ID: unit.task, FEDERATION_UNIT_ID: unit.id, FEDERATION_ATTEMPT: String(attempt) },
    logFile,
    // Written by the launcher into the log it opens anyway: no extra file operation here per attempt.
    preamble: `${attempt > 1 ? '\n' : ''}=== ${unit.id} attempt ${attempt}/${unit.retry.maxAttempts} in ${unit.module}: ${unit.command} (${new Date(t0).toISOString()})\n`,
    timeoutMs: Math.round(unit.timeoutMinutes * 60_000),
    graceMs: ctx.graceMs,
    signal,
  };
}

/** What the result records of one attempt, from its start and end on the run's clock. */
function attemptResult(attempt: number, t0: number, t1: number, outcome: ProcessOutcome, producedBytes: number | null): AttemptResult {
  return {
    attempt,
    startedAt: new Date(t0).toISOString(),
    endedAt: new Date(t1).toISOString(),
    durationMs: t1 - t0,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    timedOut: outcome.timedOut,
    ...(outcome.error ? { error: outcome.error } : {}),
    resources: attemptResources(outcome.usage, producedBytes),
  };
}

/** The artifact folders a passed unit left in its module, relative to the root. */
async function artifactFolders(ctx: RunContext, cwd: string): Promise<string[]> {
  const artifacts: string[] = [];
  for (const f of ARTIFACT_FOLDERS) {
    const p = path.join(cwd, f);
    if (await ctx.fs.stat(p).then((s) => s.isDirectory(), () => false)) artifacts.push(path.relative(ctx.root, p) || '.');
  }
  return artifacts;
}
