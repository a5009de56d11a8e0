// A matrix run on GitHub Actions, from the editor or the CLI: dispatch the generated workflow, find the run it
// started, follow its jobs until it completes, then fetch the report job's artifact (and each worker's result
// artifact, for the logs) and save them under .federation/runs/<run id>/ like a local run, so the Runs view,
// the report panel and `federation matrix report` show it. The run id is the workflow's FEDERATION_RUN_ID,
// gh-<GitHub run id>-<attempt>.
import * as path from 'node:path';
import { FederationError, isFederationError, describeError } from '../errors';
import type { FileSystem } from '../ports';
import { ArtifactInfo, GithubActions, GithubApiError, JobInfo, Sleep, sleepOrCancel, tooLarge, WorkflowRunInfo } from './github';
import { githubRunId, parseGithubRunId } from './githubRunId';
import { readZip } from './githubZip';
import { MatrixPlan, MatrixUnit, MatrixWave } from './plan';
import { resultIdentity } from './runner';
import { writeDurations } from './history';
import { RUN_ID_PATTERN, runDir, RunSummary, TaskResult, TaskStatus, writeJson } from './results';
import { REPORT_ARTIFACT, REPORT_JSON, REPORT_MARKDOWN, RESULT_ARTIFACT_PREFIX, WORKFLOW_FILE } from './workflow';

export { githubRunId, parseGithubRunId };

export const WORKFLOW_NAME = path.posix.basename(WORKFLOW_FILE);

export interface GithubReport {
  summary: RunSummary;
  tasks: TaskResult[];
  markdown: string | null;
}

export type GithubRunEvent =
  | { type: 'dispatched'; workflow: string; ref: string }
  | { type: 'run-found'; run: WorkflowRunInfo; runId: string }
  | { type: 'progress'; run: WorkflowRunInfo; jobs: JobInfo[] }
  | { type: 'poll-failed'; error: FederationError; attempt: number }
  | { type: 'run-completed'; run: WorkflowRunInfo; jobs: JobInfo[] }
  | { type: 'report'; report: GithubReport | null; problem?: string };

export interface GithubRunOptions {
  api: GithubActions;
  /** Branch or tag to run on. */
  ref: string;
  /** The workflow file name (default multi-agent-deploy.yml). */
  workflow?: string;
  /** Between two looks at the run (default 5 s). */
  pollMs?: number;
  /** How long to wait for the dispatched run to show up (default 2 minutes). */
  findTimeoutMs?: number;
  /** Ask GitHub to answer the new run's id (github.com knows return_run_details; GitHub Enterprise Server may not). */
  returnRunDetails?: boolean;
  /** Fetch each worker's result artifact for its log (default true). */
  fetchLogs?: boolean;
  /** Polls that fail in a row (network, 5xx) before giving up (default 5). */
  maxPollFailures?: number;
  /** Download limits in bytes (defaults in DOWNLOAD_LIMITS): artifacts are buffered whole, so they are capped. */
  limits?: Partial<DownloadLimits>;
  signal?: AbortSignal;
  sleep?: Sleep;
  onEvent?: (e: GithubRunEvent) => void;
}

export interface DownloadLimits {
  /** The matrix-report artifact. */
  report: number;
  /** Each worker's matrix-result-UNIT artifact. */
  log: number;
  /** All the result artifacts together. */
  logsTotal: number;
}

export const DOWNLOAD_LIMITS: DownloadLimits = { report: 32 * 1048576, log: 16 * 1048576, logsTotal: 128 * 1048576 };

/** A worker's log that was not fetched, and why. */
export interface SkippedLog {
  unit: string;
  /** too-large: over the per-log limit; over-total: the logs' total limit was reached; rate-limited: GitHub's rate
   * limit stopped the log downloads (this one and all after it); failed: the download or the archive failed. */
  kind: 'too-large' | 'over-total' | 'rate-limited' | 'failed';
  detail: string;
}

export interface GithubRunOutcome {
  /** gh-<id>-<attempt>: the folder under .federation/runs/. */
  runId: string;
  run: WorkflowRunInfo;
  jobs: JobInfo[];
  /** From the run's conclusion: success → passed, cancelled → cancelled, anything else → failed. */
  status: 'passed' | 'failed' | 'cancelled';
  report: GithubReport | null;
  /** Why there is no report (the report job did not run, its artifact expired, it was not readable). */
  reportProblem?: string;
  /** Unit id → log text, from the workers' result artifacts. */
  logs: Map<string, string>;
  /** The logs left out (size limits, a rate limit, a failed download). */
  skippedLogs: SkippedLog[];
}

/** The outcome's skipped logs in one line, or undefined when none was skipped. */
export function describeSkippedLogs(skipped: SkippedLog[]): string | undefined {
  if (!skipped.length) return undefined;
  const shown = skipped.slice(0, 5).map((s) => `${s.unit} (${s.detail})`);
  return `${skipped.length} log${skipped.length === 1 ? ' was' : 's were'} not fetched: ${shown.join('; ')}${skipped.length > 5 ? `; … and ${skipped.length - 5} more` : ''}`;
}

export function runStatus(conclusion: string | null): GithubRunOutcome['status'] {
  return conclusion === 'success' ? 'passed' : conclusion === 'cancelled' ? 'cancelled' : 'failed';
}

/** The unit a worker job runs: the generated workflow names them "<wave name> (<unit id>)". */
export function jobUnit(job: { name: string }, plan: MatrixPlan): { unit: MatrixUnit; wave: MatrixWave } | undefined {
  const m = /\(([^()]+)\)\s*$/.exec(job.name);
  if (!m) return undefined;
  for (const wave of plan.waves) {
    const unit = wave.units.find((u) => u.id === m[1]);
    if (unit) return { unit, wave };
  }
  return undefined;
}

const JOB_STATUS: Record<string, TaskStatus> = { success: 'passed', failure: 'failed', cancelled: 'cancelled', skipped: 'skipped', timed_out: 'timed_out' };

/**
 * What the jobs say about the plan's units while the run is in progress: the ones running now, and a result for
 * each finished one (status, times; no exit code: GitHub does not give the step's). Replaced by the report's
 * task results when the run ends.
 */
export function unitsFromJobs(plan: MatrixPlan, jobs: JobInfo[], runId: string): { running: Set<string>; results: TaskResult[] } {
  const running = new Set<string>();
  const results: TaskResult[] = [];
  for (const job of jobs) {
    const hit = jobUnit(job, plan);
    if (!hit) continue;
    const { unit, wave } = hit;
    if (job.status !== 'completed') {
      if (job.status === 'in_progress') running.add(unit.id);
      continue;
    }
    const status = JOB_STATUS[job.conclusion ?? ''] ?? 'failed';
    const failed = status === 'failed' || status === 'timed_out';
    const allowed = failed ? (unit.allowWarnings ? 'allow_warnings' : unit.continueOnError ? 'continue_on_error' : null) : null;
    const startedAt = job.startedAt;
    const endedAt = job.completedAt;
    const durationMs = startedAt && endedAt ? Math.max(0, Date.parse(endedAt) - Date.parse(startedAt)) : 0;
    results.push({
      ...resultIdentity(runId, unit, wave),
      status,
      allowed,
      blocking: failed && !allowed,
      exitCode: null,
      signal: null,
      attempts: 1,
      maxAttempts: unit.retry.maxAttempts,
      startedAt,
      endedAt,
      durationMs,
      log: null,
      artifacts: [],
      ...(status === 'skipped' || status === 'cancelled' ? { reason: `the GitHub job was ${status}` } : {}),
      attemptDetails: [],
    });
  }
  return { running, results };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** The report artifact's matrix-report.json, checked enough to be shown and saved. */
export function parseReport(json: string, markdown: string | null): GithubReport {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (e) {
    throw new FederationError('invalid-input', `${REPORT_JSON} is not JSON: ${describeError(e)}`, {});
  }
  if (!isRecord(data) || !isRecord(data['summary']) || !Array.isArray(data['tasks'])) throw new FederationError('invalid-input', `${REPORT_JSON} has no summary and tasks`, {});
  const summary = data['summary'];
  if (typeof summary['runId'] !== 'string' || !RUN_ID_PATTERN.test(summary['runId']) || !isRecord(summary['plan']) || !isRecord(summary['counts'])) {
    throw new FederationError('invalid-input', `${REPORT_JSON}: the summary lacks a valid runId, plan or counts`, {});
  }
  const tasks = data['tasks'].filter((t): t is TaskResult => isRecord(t) && typeof t['unit'] === 'string' && safeUnitFile(t['unit']) !== undefined && typeof t['status'] === 'string');
  return { summary: summary as unknown as RunSummary, tasks, markdown };
}

function safeUnitFile(unit: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(unit) && !unit.includes('..') ? unit : undefined;
}

async function findRun(o: GithubRunOptions, workflow: string, known: Set<number>, sleep: Sleep): Promise<WorkflowRunInfo> {
  const deadline = Date.now() + (o.findTimeoutMs ?? 120_000);
  const pollMs = Math.min(o.pollMs ?? 5000, 3000);
  for (;;) {
    const runs = await o.api.listRuns(workflow, { event: 'workflow_dispatch', branch: o.ref, perPage: 20, ...(o.signal ? { signal: o.signal } : {}) });
    // Newest first; the first run this dispatch could have started. Another dispatch of the same workflow on the
    // same branch in the same seconds could be taken for ours: the event and branch filters make that unlikely.
    const fresh = runs.find((r) => !known.has(r.id));
    if (fresh) return fresh;
    if (Date.now() > deadline) {
      throw new GithubApiError('not-found', `${workflow} was dispatched on ${o.ref}, but no run of it showed up in ${o.api.slug} within ${Math.round((o.findTimeoutMs ?? 120_000) / 1000)} s; look at the repository's Actions tab.`);
    }
    await sleep(pollMs, o.signal);
  }
}

/** Dispatches, follows to the end and fetches the report. Rejects with reason 'cancelled' when the signal aborts. */
export async function runOnGithub(o: GithubRunOptions): Promise<GithubRunOutcome> {
  const workflow = o.workflow ?? WORKFLOW_NAME;
  const sleep = o.sleep ?? sleepOrCancel;
  const sig = o.signal ? { signal: o.signal } : {};
  const known = o.returnRunDetails ? new Set<number>() : new Set((await o.api.listRuns(workflow, { event: 'workflow_dispatch', branch: o.ref, perPage: 20, ...sig })).map((r) => r.id));
  const dispatched = await o.api.dispatch(workflow, o.ref, { ...(o.returnRunDetails ? { returnRunDetails: true } : {}), ...sig });
  o.onEvent?.({ type: 'dispatched', workflow, ref: o.ref });
  const run = dispatched.runId !== undefined ? await o.api.getRun(dispatched.runId, o.signal) : await findRun(o, workflow, known, sleep);
  const runId = githubRunId(run);
  o.onEvent?.({ type: 'run-found', run, runId });
  return followGithubRun({ ...o, workflow }, run, runId);
}

/**
 * Takes up a run started earlier (by a window before it was reloaded, by another window or by the CLI) from its
 * run id: follows it to its end and fetches the report, as runOnGithub does once it has dispatched. A run re-run on
 * GitHub since is followed at its newest attempt, which the outcome's runId names.
 */
export async function resumeGithubRun(o: Omit<GithubRunOptions, 'ref'>, runId: string): Promise<GithubRunOutcome> {
  const parsed = parseGithubRunId(runId);
  if (!parsed) throw new FederationError('invalid-input', `"${runId}" is not the id of a run on GitHub (gh-<run id>-<attempt>)`, { runId });
  const run = await o.api.getRun(parsed.id, o.signal);
  const current = githubRunId(run);
  o.onEvent?.({ type: 'run-found', run, runId: current });
  return followGithubRun(o, run, current);
}

/** Follows a run already found to its end, then fetches the report. */
export async function followGithubRun(o: Omit<GithubRunOptions, 'ref'>, first: WorkflowRunInfo, runId = githubRunId(first)): Promise<GithubRunOutcome> {
  const sleep = o.sleep ?? sleepOrCancel;
  const pollMs = o.pollMs ?? 5000;
  let run = first;
  let jobs: JobInfo[] = [];
  let failures = 0;
  for (;;) {
    try {
      run = await o.api.getRun(run.id, o.signal);
      jobs = await o.api.listJobs(run.id, o.signal);
      failures = 0;
      o.onEvent?.({ type: 'progress', run, jobs });
      if (run.status === 'completed') break;
    } catch (e) {
      // A network blip or a 5xx while following is retried a few times; anything else (auth, 404, cancel) ends it.
      const transient = isFederationError(e) && (e.reason === 'github-unreachable' || (e.reason === 'github-error' && Number((e as GithubApiError).status) >= 500));
      if (!transient || ++failures >= (o.maxPollFailures ?? 5)) throw e;
      o.onEvent?.({ type: 'poll-failed', error: e as FederationError, attempt: failures });
      await sleep(pollMs * 2 ** failures, o.signal);
      continue;
    }
    await sleep(pollMs, o.signal);
  }
  o.onEvent?.({ type: 'run-completed', run, jobs });

  const limits = { ...DOWNLOAD_LIMITS, ...o.limits };
  let report: GithubReport | null = null;
  let reportProblem: string | undefined;
  const reportArtifact = latestPerName(attemptArtifacts(run, runId, await o.api.listArtifacts(run.id, { name: REPORT_ARTIFACT, ...(o.signal ? { signal: o.signal } : {}) })))[0];
  if (!reportArtifact) {
    const reportJob = jobs.find((j) => !jobUnitName(j.name) && /report/i.test(j.name));
    reportProblem = `the run has no ${REPORT_ARTIFACT} artifact${reportJob ? ` (the report job ${reportJob.conclusion ?? reportJob.status})` : ''}`;
  } else {
    try {
      if (reportArtifact.sizeInBytes > limits.report) throw tooLarge(reportArtifact.id, limits.report, reportArtifact.sizeInBytes);
      const files = await readZip(await o.api.downloadArtifact(reportArtifact.id, { maxBytes: limits.report, ...(o.signal ? { signal: o.signal } : {}) }));
      const json = files.get(REPORT_JSON);
      if (!json) throw new FederationError('invalid-input', `the ${REPORT_ARTIFACT} artifact has no ${REPORT_JSON} (it has ${[...files.keys()].join(', ') || 'nothing'})`, {});
      const parsed = parseReport(json.toString('utf8'), files.get(REPORT_MARKDOWN)?.toString('utf8') ?? null);
      // The report is saved under its summary's run id: one from another attempt (or run) would land in, and
      // overwrite, another run's folder while this run's stays without a report.
      if (parsed.summary.runId !== runId) throw new FederationError('invalid-input', `the ${REPORT_ARTIFACT} artifact is the report of ${parsed.summary.runId}, not of ${runId}`, { runId, reportRunId: parsed.summary.runId });
      report = parsed;
    } catch (e) {
      if (!(isFederationError(e)) || (e.reason !== 'invalid-input' && e.reason !== 'too-large')) throw e;
      reportProblem = e.message;
    }
  }
  o.onEvent?.({ type: 'report', report, ...(reportProblem ? { problem: reportProblem } : {}) });

  const logs = new Map<string, string>();
  const skippedLogs: SkippedLog[] = [];
  if (o.fetchLogs !== false && report) {
    const all = await o.api.listArtifacts(run.id, o.signal ? { signal: o.signal } : {});
    const results = latestPerName(all.filter((a) => a.name.startsWith(RESULT_ARTIFACT_PREFIX) && !a.expired && (a.workflowRunId === null || a.workflowRunId === run.id)));
    let total = 0;
    let stopped = false;
    for (const a of results.slice(0, 500)) {
      const unit = a.name.slice(RESULT_ARTIFACT_PREFIX.length);
      if (stopped) {
        skippedLogs.push({ unit, kind: 'rate-limited', detail: 'not asked for after the rate limit' });
        continue;
      }
      if (a.sizeInBytes > limits.log) {
        skippedLogs.push({ unit, kind: 'too-large', detail: tooLarge(a.id, limits.log, a.sizeInBytes).message });
        continue;
      }
      if (total + a.sizeInBytes > limits.logsTotal) {
        skippedLogs.push({ unit, kind: 'over-total', detail: `the logs' total limit of ${(limits.logsTotal / 1048576).toFixed(1)} MiB is reached` });
        continue;
      }
      // Capped by what is left of the total too, in case the listed sizes are smaller than the downloads.
      const cap = Math.min(limits.log, limits.logsTotal - total);
      try {
        const bytes = await o.api.downloadArtifact(a.id, { maxBytes: cap, ...(o.signal ? { signal: o.signal } : {}) });
        total += bytes.byteLength;
        const log = (await readZip(bytes)).get(`logs/${unit}.log`);
        if (log) logs.set(unit, log.toString('utf8'));
      } catch (e) {
        // A log that cannot be had is left out; the results are in the report.
        if (isFederationError(e) && (e.reason === 'cancelled' || e.reason === 'github-auth')) throw e;
        if (isFederationError(e, 'github-rate-limited')) {
          // Each further download would wait out the limit again (up to the allowed wait, per artifact).
          stopped = true;
          skippedLogs.push({ unit, kind: 'rate-limited', detail: e.message });
        } else if (isFederationError(e, 'too-large')) {
          // The bytes up to the cap were downloaded (and dropped): they count against the total.
          total += cap;
          skippedLogs.push({ unit, kind: cap < limits.log ? 'over-total' : 'too-large', detail: e.message });
        } else {
          skippedLogs.push({ unit, kind: 'failed', detail: describeError(e) });
        }
      }
    }
  }
  return { runId, run, jobs, status: runStatus(run.conclusion), report, ...(reportProblem ? { reportProblem } : {}), logs, skippedLogs };
}

/**
 * The artifacts that belong to the followed attempt: GitHub lists every attempt's artifacts under the run, with
 * the run id but no attempt, so the ones created before the attempt started are another attempt's. Once the run
 * has moved on to a later attempt than the one followed, its start says nothing about ours; the report's run id
 * is checked anyway.
 */
function attemptArtifacts(run: WorkflowRunInfo, runId: string, artifacts: ArtifactInfo[]): ArtifactInfo[] {
  const started = githubRunId(run) === runId && run.runStartedAt ? Date.parse(run.runStartedAt) : NaN;
  return artifacts.filter(
    (a) => !a.expired && (a.workflowRunId === null || a.workflowRunId === run.id) && (Number.isNaN(started) || !a.createdAt || Date.parse(a.createdAt) >= started),
  );
}

/** One artifact per name, the newest (a re-run uploads again under the same name); order kept otherwise. */
function latestPerName(artifacts: ArtifactInfo[]): ArtifactInfo[] {
  const time = (a: ArtifactInfo) => (a.createdAt ? Date.parse(a.createdAt) || 0 : 0);
  const best = new Map<string, ArtifactInfo>();
  for (const a of artifacts) {
    const seen = best.get(a.name);
    if (!seen || time(a) > time(seen) || (time(a) === time(seen) && a.id > seen.id)) best.set(a.name, a);
  }
  return artifacts.filter((a) => best.get(a.name) === a);
}

function jobUnitName(name: string): boolean {
  return /\([^()]+\)\s*$/.test(name);
}

/**
 * Saves a GitHub run's report under .federation/runs/<run id>/ (plan.json, tasks/UNIT.json, logs/UNIT.log,
 * summary.json last, report.md) so it reads like a local run. A task whose log did not come back has log null.
 */
export async function saveGithubReport(fs: FileSystem, root: string, report: GithubReport, logs: Map<string, string> = new Map()): Promise<string> {
  const dir = runDir(root, report.summary.runId);
  await fs.mkdir(path.join(dir, 'tasks'), { recursive: true });
  await fs.mkdir(path.join(dir, 'logs'), { recursive: true });
  await writeJson(fs, path.join(dir, 'plan.json'), report.summary.plan);
  for (const t of report.tasks) {
    const unit = safeUnitFile(t.unit);
    if (!unit) continue;
    const text = logs.get(unit);
    let log: string | null = null;
    if (text !== undefined) {
      const file = path.join(dir, 'logs', `${unit}.log`);
      await fs.writeFile(file, text);
      log = path.relative(root, file).split(path.sep).join('/');
    }
    await writeJson(fs, path.join(dir, 'tasks', `${unit}.json`), { ...t, log });
  }
  if (report.markdown !== null) await fs.writeFile(path.join(dir, 'report.md'), report.markdown);
  // The next local run schedules from GitHub's durations too.
  await writeDurations(fs, dir, report.tasks);
  await writeJson(fs, path.join(dir, 'summary.json'), report.summary);
  return dir;
}

/** The plan of a run in progress, so that it is listed (as incomplete) until its report arrives. */
export async function saveGithubPlan(fs: FileSystem, root: string, runId: string, plan: MatrixPlan): Promise<string> {
  const dir = runDir(root, runId);
  await fs.mkdir(dir, { recursive: true });
  await writeJson(fs, path.join(dir, 'plan.json'), plan);
  return dir;
}

