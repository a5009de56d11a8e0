// Run results under .federation/runs/RUN_ID/: plan.json, tasks/UNIT.json (one per unit), logs/UNIT.log and
// summary.json. summarizeRun is pure so that a run spread over GitHub jobs (only plan.json and the task files
// come back as artifacts) gets the same summary and metrics as a local one.
import * as path from 'node:path';
import { FederationError, describeError } from '../errors';
import type { FileSystem } from '../ports';
import { MatrixPlan } from './plan';

export const RUNS_DIR = path.join('.federation', 'runs');
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}$/;

export type TaskStatus = 'passed' | 'failed' | 'timed_out' | 'cancelled' | 'skipped';

/**
 * What an attempt (or a whole task) used: resources.ts says how each isolation measures it. null where it cannot
 * tell (the Node spawn launcher; memory where Perl has no wait4; bytes for a task without produces_artifacts).
 */
export interface Resources {
  /** User + system CPU time, ms (a task: every attempt's). */
  cpuMs: number | null;
  userMs: number | null;
  systemMs: number | null;
  /** Peak memory, bytes (a task: its largest attempt's). */
  peakMemoryBytes: number | null;
  /** Bytes in the module's build output folders after the attempt (a task: after its last attempt). */
  producedBytes: number | null;
  source: 'rusage' | 'times' | 'cgroup' | null;
}

export interface AttemptResult {
  attempt: number;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  error?: string;
  /** Absent in results written before resources were recorded. */
  resources?: Resources;
}

export interface TaskResult {
  version: 1;
  runId: string;
  unit: string;
  task: string;
  shard: { index: number; total: number } | null;
  priority: string;
  wave: number;
  module: string;
  command: string;
  status: TaskStatus;
  /** Why a failure does not count against the run, or null. */
  allowed: 'allow_warnings' | 'continue_on_error' | null;
  /** A failure that makes the run fail (exit 1). */
  blocking: boolean;
  exitCode: number | null;
  signal: string | null;
  attempts: number;
  maxAttempts: number;
  /** Null for a unit that never started. */
  startedAt: string | null;
  endedAt: string | null;
  /** From the first attempt's start to the last one's end, retry waits included. */
  durationMs: number;
  /** Relative to the repository root. */
  log: string | null;
  /** Build output folders (relative to the root) of a task with produces_artifacts. */
  artifacts: string[];
  /** For skipped or cancelled units: why. */
  reason?: string;
  attemptDetails: AttemptResult[];
  /** All attempts together; null for a unit that never started; absent in older results. */
  resources?: Resources | null;
}

export interface ModuleSetupResult {
  module: string;
  lockfile: string | null;
  key: string | null;
  action: 'none' | 'reused' | 'restored' | 'installed' | 'failed' | 'cancelled';
  command: string | null;
  durationMs: number;
  log: string | null;
  error?: string;
}

export interface WaveTiming {
  index: number;
  priority: string;
  name: string;
  agents: number;
  units: number;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number;
  /** max(longest unit, total unit time / agents): no schedule of this wave can be shorter. */
  lowerBoundMs: number;
  passed: number;
  failed: number;
  skipped: number;
  cancelled: number;
  /** fail_fast stopped this wave or an earlier one. */
  stopped: boolean;
}

export interface RunSummary {
  version: 1;
  runId: string;
  status: 'passed' | 'failed' | 'cancelled';
  configFile: string;
  startedAt: string;
  endedAt: string;
  /** Wall time of the whole run, setup included. */
  totalMs: number;
  setupMs: number;
  /** From the first wave's start to the last wave's end. */
  executionMs: number;
  counts: { units: number; passed: number; failed: number; timedOut: number; cancelled: number; skipped: number; allowedFailures: number; blockingFailures: number };
  /** passed / units. */
  successRate: number;
  /** Finished units per minute of wall time. */
  throughputPerMinute: number;
  /** Sum of the waves' lower bounds: no schedule with these durations, waves and agents is shorter. */
  criticalPathMs: number;
  /** Sum of all unit durations: the time one agent would take. */
  sequentialMs: number;
  /** sequentialMs / executionMs. */
  speedup: number;
  /** Busy agent time / (executionMs × largest agent count). */
  efficiency: number;
  maxAgents: number;
  /** Totals over every unit that measured them: CPU and produced bytes summed, memory the largest peak. */
  resources: RunResources;
  waves: WaveTiming[];
  setup: ModuleSetupResult[];
  plan: MatrixPlan;
}

export interface RunResources {
  cpuMs: number;
  peakMemoryBytes: number | null;
  producedBytes: number;
  /** Units whose CPU time is known (the others add nothing to cpuMs). */
  measuredUnits: number;
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10000) / 10000 : 0);

export function summarizeRun(input: {
  runId: string;
  plan: MatrixPlan;
  results: TaskResult[];
  startedAt?: Date;
  endedAt?: Date;
  setup?: ModuleSetupResult[];
  setupMs?: number;
  cancelled?: boolean;
  /** Wave start/end as the runner saw them; derived from the units when absent (GitHub runs). */
  waveTimes?: Map<number, { start: number; end: number; stopped: boolean }>;
}): RunSummary {
  const { plan, results } = input;
  const byUnit = new Map(results.map((r) => [r.unit, r]));
  const t = (iso: string | null) => (iso ? Date.parse(iso) : Number.NaN);
  const waves: WaveTiming[] = plan.waves.map((w) => {
    const rs = w.units.map((u) => byUnit.get(u.id)).filter((r): r is TaskResult => r !== undefined);
    const starts = rs.map((r) => t(r.startedAt)).filter(Number.isFinite);
    const ends = rs.map((r) => t(r.endedAt)).filter(Number.isFinite);
    const seen = input.waveTimes?.get(w.index);
    const start = seen?.start ?? (starts.length ? Math.min(...starts) : Number.NaN);
    const end = seen?.end ?? (ends.length ? Math.max(...ends) : Number.NaN);
    const durations = rs.map((r) => r.durationMs);
    const sum = durations.reduce((a, b) => a + b, 0);
    return {
      index: w.index,
      priority: w.priority,
      name: w.name,
      agents: w.agents,
      units: w.units.length,
      startedAt: Number.isFinite(start) ? new Date(start).toISOString() : null,
      endedAt: Number.isFinite(end) ? new Date(end).toISOString() : null,
      durationMs: Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, end - start) : 0,
      lowerBoundMs: w.agents > 0 ? Math.round(Math.max(Math.max(0, ...durations), sum / w.agents)) : 0,
      passed: rs.filter((r) => r.status === 'passed').length,
      failed: rs.filter((r) => r.status === 'failed' || r.status === 'timed_out').length,
      skipped: rs.filter((r) => r.status === 'skipped').length,
      cancelled: rs.filter((r) => r.status === 'cancelled').length,
      stopped: seen?.stopped ?? false,
    };
  });
  const ran = waves.filter((w) => w.startedAt && w.endedAt);
  const execStart = ran.length ? Math.min(...ran.map((w) => t(w.startedAt))) : Number.NaN;
  const execEnd = ran.length ? Math.max(...ran.map((w) => t(w.endedAt))) : Number.NaN;
  const executionMs = Number.isFinite(execStart) ? execEnd - execStart : 0;
  const startedAt = input.startedAt ?? new Date(Number.isFinite(execStart) ? execStart : Date.now());
  const endedAt = input.endedAt ?? new Date(Number.isFinite(execEnd) ? execEnd : startedAt.getTime());
  const totalMs = Math.max(0, endedAt.getTime() - startedAt.getTime());
  const units = plan.unitCount;
  const count = (s: TaskStatus) => results.filter((r) => r.status === s).length;
  const sequentialMs = results.reduce((a, r) => a + r.durationMs, 0);
  const busyMs = results.reduce((a, r) => a + r.attemptDetails.reduce((b, x) => b + x.durationMs, 0), 0);
  const finished = results.filter((r) => r.status !== 'skipped' && r.status !== 'cancelled').length;
  const blockingFailures = results.filter((r) => r.blocking).length;
  const missing = units - results.length;
  const status = input.cancelled ? 'cancelled' : blockingFailures > 0 || missing > 0 ? 'failed' : 'passed';
  return {
    version: 1,
    runId: input.runId,
    status,
    configFile: plan.configFile,
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    totalMs,
    setupMs: input.setupMs ?? 0,
    executionMs,
    counts: {
      units,
      passed: count('passed'),
      failed: count('failed'),
      timedOut: count('timed_out'),
      cancelled: count('cancelled'),
      // A unit with no result file (a GitHub worker that never uploaded) counts as skipped.
      skipped: count('skipped') + Math.max(0, missing),
      allowedFailures: results.filter((r) => r.allowed !== null && (r.status === 'failed' || r.status === 'timed_out')).length,
      blockingFailures,
    },
    successRate: ratio(count('passed'), units),
    throughputPerMinute: totalMs > 0 ? Math.round((finished / (totalMs / 60_000)) * 100) / 100 : 0,
    criticalPathMs: waves.reduce((a, w) => a + w.lowerBoundMs, 0),
    sequentialMs,
    speedup: ratio(sequentialMs, executionMs),
    efficiency: ratio(busyMs, executionMs * plan.maxAgents),
    maxAgents: plan.maxAgents,
    resources: runResources(results),
    waves,
    setup: input.setup ?? [],
    plan,
  };
}

export function runResources(results: readonly TaskResult[]): RunResources {
  let cpuMs = 0;
  let producedBytes = 0;
  let peak: number | null = null;
  let measuredUnits = 0;
  for (const r of results) {
    const x = r.resources;
    if (!x) continue;
    if (x.cpuMs !== null) {
      cpuMs += x.cpuMs;
      measuredUnits++;
    }
    if (x.peakMemoryBytes !== null) peak = Math.max(peak ?? 0, x.peakMemoryBytes);
    producedBytes += x.producedBytes ?? 0;
  }
  return { cpuMs: Math.round(cpuMs * 1000) / 1000, peakMemoryBytes: peak, producedBytes, measuredUnits };
}

export function runDir(root: string, runId: string): string {
  if (!RUN_ID_PATTERN.test(runId)) throw new FederationError('invalid-input', `run id "${runId}" must be letters, digits, ., _ and - (at most 81)`, { runId });
  return path.join(root, RUNS_DIR, runId);
}

export function newRunId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${Math.random().toString(16).slice(2, 6).padEnd(4, '0')}`;
}

/** writeJson's synchronous twin, for the many small task results of a run (see matrix/recorder.ts). */
export function writeJsonSync(fs: FileSystem, file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.${Math.random().toString(16).slice(2)}.tmp`;
  try {
    fs.sync.writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
    fs.sync.renameSync(tmp, file);
  } catch (e) {
    fs.sync.rmSync(tmp, { force: true });
    throw new FederationError('unavailable', `cannot write ${file}: ${describeError(e)}`, { file }, { cause: e });
  }
}

/** Written to a temporary name first and renamed, so a reader never sees half a file; the temporary goes on failure. */
export async function writeTextAtomically(fs: FileSystem, file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(16).slice(2)}.tmp`;
  try {
    await fs.writeFile(tmp, text);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

export function writeJson(fs: FileSystem, file: string, value: unknown): Promise<void> {
  return writeTextAtomically(fs, file, JSON.stringify(value, null, 2) + '\n');
}

export interface RunListing {
  runId: string;
  dir: string;
  /** From summary.json, else the plan file's time. */
  startedAt: string;
  status: RunSummary['status'] | 'incomplete';
}

/** Runs newest first. A folder without plan.json is not a run. */
export async function listRuns(fs: FileSystem, root: string): Promise<RunListing[]> {
  const base = path.join(root, RUNS_DIR);
  let names: string[];
  try {
    names = await fs.readdir(base);
  } catch {
    return [];
  }
  const out: RunListing[] = [];
  for (const runId of names) {
    if (!RUN_ID_PATTERN.test(runId)) continue;
    const dir = path.join(base, runId);
    try {
      const summary = JSON.parse(await fs.readFile(path.join(dir, 'summary.json'), 'utf8')) as RunSummary;
      out.push({ runId, dir, startedAt: summary.startedAt, status: summary.status });
      continue;
    } catch {
      // No summary yet: a run in progress, or one gathered from GitHub jobs.
    }
    try {
      const st = await fs.stat(path.join(dir, 'plan.json'));
      out.push({ runId, dir, startedAt: st.mtime.toISOString(), status: 'incomplete' });
    } catch {
      // Not a run folder.
    }
  }
  return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.runId.localeCompare(a.runId));
}

export async function readTaskResults(fs: FileSystem, dir: string): Promise<TaskResult[]> {
  let names: string[];
  try {
    names = await fs.readdir(path.join(dir, 'tasks'));
  } catch {
    return [];
  }
  const out: TaskResult[] = [];
  for (const n of names.filter((x) => x.endsWith('.json')).sort()) {
    out.push(JSON.parse(await fs.readFile(path.join(dir, 'tasks', n), 'utf8')) as TaskResult);
  }
  return out;
}

/** A run's summary and task results; the summary is computed from plan.json and the task files when missing. */
export async function readRun(fs: FileSystem, root: string, runId?: string): Promise<{ summary: RunSummary; tasks: TaskResult[] }> {
  let id = runId;
  if (id === undefined) {
    const runs = await listRuns(fs, root);
    if (!runs.length) throw new FederationError('not-found', `no matrix run under ${path.join(root, RUNS_DIR)}; start one with "federation matrix run"`);
    id = runs[0]!.runId;
  }
  const dir = runDir(root, id);
  const tasks = await readTaskResults(fs, dir);
  try {
    return { summary: JSON.parse(await fs.readFile(path.join(dir, 'summary.json'), 'utf8')) as RunSummary, tasks };
  } catch {
    // Fall through: rebuild from the plan.
  }
  let plan: MatrixPlan;
  try {
    plan = JSON.parse(await fs.readFile(path.join(dir, 'plan.json'), 'utf8')) as MatrixPlan;
  } catch {
    throw new FederationError('not-found', `no run "${id}" (missing ${path.join(dir, 'plan.json')})`, { runId: id });
  }
  return { summary: summarizeRun({ runId: id, plan, results: tasks }), tasks };
}
