// Reading what the panels show from disk (and, for agents, from the engines): run folders under
// .federation/runs/, agent folders under .federation/agents/. No vscode import, so it is unit-tested on plain
// folders. Everything read here may come from a task or an agent: sizes are capped and paths are checked. The disk
// is the FileSystem port the front end passes in.
import * as os from 'node:os';
import * as path from 'node:path';
import { outputFileSize, outputSegments, readOutputFile } from '../agents/files';
import { parseAgentsFile } from '../agents/records';
import { AGENT_ID_PATTERN, AGENTS_DIR, AGENTS_FILE, AgentReportSchema, REPORT_FILE, type AgentRecord, type AgentReport } from '../agents/schema';
import type { AgentInfo } from '../agents/status';
import { describeError, FederationError, isFederationError } from '../errors';
import type { FileHandle, FileSystem } from '../ports';
import type { MatrixPlan } from '../matrix/plan';
import { listRuns, readTaskResults, RUN_ID_PATTERN, RUNS_DIR, summarizeRun, type RunListing, type RunSummary, type TaskResult } from '../matrix/results';
import type { AgentReportModel, RunHistoryPoint, RunReportModel } from './protocol';
import { agentReportModel, runReportModel } from './models';

const FEDERATION_DIR = '.federation';
/** A run with no summary and no change for this long is not "in progress" any more, just incomplete. */
const STALE_AFTER_MS = 10 * 60_000;
const MAX_TEXT = 1024 * 1024;

function field(arg: unknown, ...names: string[]): string | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  for (const n of names) {
    const v = (arg as Record<string, unknown>)[n];
    if (typeof v === 'string' && v) return v;
  }
  return undefined;
}

function inside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

// ---- runs ---------------------------------------------------------------------------------------------------

/**
 * The run a command argument names: a run id, a run folder (or a file in one), a tree item or Uri carrying one of
 * those, or nothing (the latest run).
 */
export async function resolveRunId(fs: FileSystem, root: string, arg: unknown): Promise<string> {
  let value = typeof arg === 'string' ? arg : field(arg, 'runId', 'dir', 'fsPath', 'path', 'id');
  if (!value) {
    const runs = await listRuns(fs, root);
    if (!runs.length) throw new FederationError('not-found', `There is no matrix run under ${path.join(root, RUNS_DIR)} yet.`);
    return runs[0]!.runId;
  }
  if (RUN_ID_PATTERN.test(value) && !value.includes('/') && !value.includes('\\')) return value;
  const base = path.join(root, RUNS_DIR);
  let abs = path.resolve(root, value);
  // A file inside a run folder (summary.json, a log) names its run.
  while (inside(base, abs) && path.dirname(abs) !== base) abs = path.dirname(abs);
  const id = path.basename(abs);
  if (path.dirname(abs) !== base || !RUN_ID_PATTERN.test(id)) {
    throw new FederationError('invalid-input', `${value} is not a run folder of this workspace (they are in ${base}).`, { path: value });
  }
  return id;
}

export interface LoadedRun {
  model: RunReportModel;
  dir: string;
  summary: RunSummary;
  tasks: TaskResult[];
}

/** Summaries of finished runs never change: read once per window. */
const summaryCache = new Map<string, { mtimeMs: number; summary: RunSummary }>();

async function readSummary(fs: FileSystem, dir: string): Promise<RunSummary | undefined> {
  const file = path.join(dir, 'summary.json');
  try {
    const st = await fs.stat(file);
    const hit = summaryCache.get(file);
    if (hit && hit.mtimeMs === st.mtimeMs) return hit.summary;
    const summary = JSON.parse(await fs.readFile(file, 'utf8')) as RunSummary;
    summaryCache.set(file, { mtimeMs: st.mtimeMs, summary });
    return summary;
  } catch {
    return undefined;
  }
}

/** The start time a unit's log header records: "=== UNIT attempt 1/3 in MODULE: COMMAND (ISO)". */
async function logStart(fs: FileSystem, file: string): Promise<string | undefined> {
  let handle: FileHandle | undefined;
  try {
    handle = await fs.open(file, 'r');
    const buf = Buffer.alloc(1024);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const first = buf.subarray(0, bytesRead).toString('utf8').split('\n')[0] ?? '';
    const m = /\((\d{4}-\d\d-\d\dT[\d:.]+Z)\)\s*$/.exec(first);
    return m?.[1];
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}

async function newestChange(fs: FileSystem, paths: string[]): Promise<number> {
  let newest = 0;
  for (const p of paths) {
    try {
      newest = Math.max(newest, (await fs.stat(p)).mtimeMs);
    } catch {
      // Not there yet.
    }
  }
  return newest;
}

export async function loadRun(fs: FileSystem, root: string, runId: string, options: { now?: Date; history?: boolean } = {}): Promise<LoadedRun> {
  if (!RUN_ID_PATTERN.test(runId)) throw new FederationError('invalid-input', `"${runId}" is not a run id.`, { runId });
  const now = options.now ?? new Date();
  const dir = path.join(root, RUNS_DIR, runId);
  const tasks = await readTaskResults(fs, dir);
  let summary = await readSummary(fs, dir);
  const inProgress = summary === undefined;
  let stale = false;
  const running = new Map<string, string>();
  if (!summary) {
    let plan: MatrixPlan;
    let planStat;
    try {
      planStat = await fs.stat(path.join(dir, 'plan.json'));
      plan = JSON.parse(await fs.readFile(path.join(dir, 'plan.json'), 'utf8')) as MatrixPlan;
    } catch {
      throw new FederationError('not-found', `There is no run "${runId}" (no ${path.join(dir, 'plan.json')}).`, { runId });
    }
    // The plan is written as the run starts: its time is the run's start.
    summary = summarizeRun({ runId, plan, results: tasks, startedAt: planStat.mtime, endedAt: now });
    stale = now.getTime() - (await newestChange(fs, [path.join(dir, 'plan.json'), path.join(dir, 'tasks'), path.join(dir, 'logs')])) > STALE_AFTER_MS;
    const done = new Set(tasks.map((t) => t.unit));
    let logs: string[] = [];
    try {
      logs = await fs.readdir(path.join(dir, 'logs'));
    } catch {
      // No unit started yet.
    }
    const units = new Set(plan.waves.flatMap((w) => w.units.map((u) => u.id)));
    for (const name of logs) {
      const unit = name.replace(/\.log$/, '');
      if (!name.endsWith('.log') || done.has(unit) || !units.has(unit)) continue;
      const at = await logStart(fs, path.join(dir, 'logs', name));
      if (at) running.set(unit, at);
    }
  }
  let history: Array<Omit<RunHistoryPoint, 'current'>> = [];
  let previous: { summary: RunSummary; tasks: TaskResult[] } | undefined;
  if (options.history !== false) {
    const same = await sameConfigRuns(fs, root, summary.configFile);
    history = same.map((s) => ({ runId: s.runId, startedAt: s.startedAt, status: s.status, totalMs: s.totalMs, successRate: s.successRate }));
    const prev = same.filter((s) => s.runId !== runId && s.startedAt < summary!.startedAt).sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
    if (prev) previous = { summary: prev, tasks: await readTaskResults(fs, path.join(root, RUNS_DIR, prev.runId)) };
  }
  const model = runReportModel({
    summary, tasks, inProgress, stale, running, history, ...(previous ? { previous } : {}), startedBy: safeUser(), now,
  });
  return { model, dir, summary, tasks };
}

function safeUser(): string | undefined {
  try {
    return os.userInfo().username;
  } catch {
    return undefined;
  }
}

/** Finished runs of a config, newest first (at most 40 looked at: the trend shows 20). */
async function sameConfigRuns(fs: FileSystem, root: string, configFile: string): Promise<RunSummary[]> {
  const runs: RunListing[] = (await listRuns(fs, root)).filter((r) => r.status !== 'incomplete').slice(0, 40);
  const out: RunSummary[] = [];
  for (const r of runs) {
    const s = await readSummary(fs, r.dir);
    if (s && s.configFile === configFile) out.push(s);
  }
  return out;
}

/** The log of a unit as a path inside the run folder; undefined when the result names anything else. */
export function unitLogPath(root: string, runId: string, unit: string, tasks: TaskResult[]): string | undefined {
  const dir = path.join(root, RUNS_DIR, runId);
  const r = tasks.find((t) => t.unit === unit);
  const candidate = r?.log ? path.resolve(root, r.log) : path.join(dir, 'logs', `${unit}.log`);
  return inside(dir, candidate) ? candidate : undefined;
}

// ---- agents -------------------------------------------------------------------------------------------------

export type AgentRef = { agentId: string } | { reportPath: string };

/** What the agent panels need from the engines; AgentService provides it. */
export interface AgentSource {
  get(id: string): Promise<AgentInfo>;
  list(): Promise<{ agents: AgentInfo[]; hosts: Array<{ host: string; hostLabel: string; reachable: boolean; error?: string }> }>;
  logs(id: string, options: { tail?: number; signal?: AbortSignal }): Promise<AsyncIterable<{ text: string }> & { close(): void }>;
  /** Brings the output of an agent on an engine that cannot see our files into its output folder (else nothing). */
  refreshOutput?(id: string): Promise<void>;
}

export function agentsDir(root: string): string {
  return path.join(root, FEDERATION_DIR, AGENTS_DIR);
}

export function agentOutputDir(root: string, id: string): string {
  return path.join(agentsDir(root), id, 'output');
}

/** An agent id, a report JSON path, or a tree item / Uri carrying one. */
export function resolveAgentRef(root: string, arg: unknown): AgentRef {
  const id = typeof arg === 'string' ? arg : field(arg, 'agentId', 'id') ?? field((arg as { agent?: unknown } | undefined)?.agent, 'id');
  const file = typeof arg === 'string' ? arg : field(arg, 'reportPath', 'fsPath', 'path');
  if (id && AGENT_ID_PATTERN.test(id)) return { agentId: id };
  if (!file) throw new FederationError('invalid-input', 'Give an agent id or the path of an agent-report.json.');
  const abs = path.resolve(root, file);
  // The report inside an agent's own folder: show it with the agent's status and log.
  const rel = path.relative(agentsDir(root), abs).split(path.sep);
  if (rel.length === 3 && rel[1] === 'output' && rel[2] === REPORT_FILE && AGENT_ID_PATTERN.test(rel[0]!)) return { agentId: rel[0]! };
  return { reportPath: abs };
}

async function readRecords(fs: FileSystem, root: string): Promise<AgentRecord[]> {
  const file = path.join(root, FEDERATION_DIR, AGENTS_FILE);
  let text: string | undefined;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    text = undefined;
  }
  return parseAgentsFile(text, file).agents;
}

export async function readAgentRecords(fs: FileSystem, root: string): Promise<AgentRecord[]> {
  return readRecords(fs, root);
}

/** A promise that gives up after `ms`: an engine that does not answer must not hold a panel. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new FederationError('unavailable', `${what} did not answer within ${ms / 1000} s.`)), ms);
    }),
  ]);
}

function parseReport(text: string, where: string): AgentReport {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new FederationError('invalid-input', `${where} is not valid JSON.`);
  }
  const parsed = AgentReportSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FederationError('invalid-input', `${where} does not match the agent report schema at ${issue?.path.map(String).join('.') || '(root)'}: ${issue?.message ?? 'invalid'}.`);
  }
  return parsed.data;
}

async function readReport(fs: FileSystem, outputDir: string, reportFile: string, shown: string): Promise<{ report: AgentReport; deliverables: Array<{ path: string; description?: string; exists: boolean; bytes?: number }> }> {
  const report = parseReport((await readOutputFile(fs, outputDir, reportFile, MAX_TEXT)).toString('utf8'), shown);
  const deliverables = await Promise.all(report.deliverables.map(async (d) => {
    const size = await outputFileSize(fs, outputDir, d.path).catch(() => undefined);
    return { path: d.path, ...(d.description !== undefined ? { description: d.description } : {}), exists: size !== undefined, ...(size !== undefined ? { bytes: size } : {}) };
  }));
  return { report, deliverables };
}

async function readTextCapped(fs: FileSystem, file: string): Promise<string | undefined> {
  try {
    const st = await fs.stat(file);
    if (!st.isFile() || st.size > MAX_TEXT) return undefined;
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

export interface LoadedAgent {
  model: AgentReportModel;
  /** Host folder the deliverables are relative to. */
  outputDir: string;
  briefFile: string | undefined;
}

export async function loadAgent(fs: FileSystem, root: string, ref: AgentRef, source: AgentSource | undefined, options: { now?: Date; timeoutMs?: number } = {}): Promise<LoadedAgent> {
  const timeoutMs = options.timeoutMs ?? 5000;
  if ('reportPath' in ref) {
    const outputDir = path.dirname(ref.reportPath);
    let report;
    let reportError: string | undefined;
    try {
      report = await readReport(fs, outputDir, path.basename(ref.reportPath), ref.reportPath);
    } catch (e) {
      reportError = describeError(e);
    }
    const model = agentReportModel({
      id: path.basename(path.dirname(outputDir)) || 'agent', ref, ...(report ? { report } : {}), ...(reportError ? { reportError } : {}),
      logNote: 'A report opened from a file: no container, so no log.', ...(options.now ? { now: options.now } : {}),
    });
    return { model, outputDir, briefFile: undefined };
  }

  const id = ref.agentId;
  const outputDir = agentOutputDir(root, id);
  const errors: string[] = [];
  const record = await readRecords(fs, root).then((rs) => rs.find((r) => r.id === id), (e: unknown) => {
    errors.push(describeError(e));
    return undefined;
  });
  let info: AgentInfo | undefined;
  let logText: string | undefined;
  let logNote: string | undefined;
  if (source) {
    try {
      info = await withTimeout(source.get(id), timeoutMs, 'The Docker engine');
    } catch (e) {
      errors.push(`Status: ${describeError(e)}`);
    }
    if (info && info.status !== 'missing' && info.status !== 'unknown') {
      const ac = new AbortController();
      try {
        const stream = await withTimeout(source.logs(id, { tail: 200, signal: ac.signal }), timeoutMs, 'The Docker engine');
        const parts: string[] = [];
        const drain = (async () => {
          for await (const chunk of stream) parts.push(chunk.text);
        })();
        await withTimeout(drain, timeoutMs, 'The log stream').catch(() => {
          stream.close();
          logNote = 'The log was cut short: the engine kept streaming.';
        });
        logText = parts.join('');
      } catch (e) {
        logNote = `No log: ${describeError(e)}`;
      } finally {
        ac.abort();
      }
    } else if (info) {
      logNote = info.status === 'missing' ? 'The container is gone, and its log with it.' : 'The engine could not be asked for the log.';
    }
    // The report of an agent on a remote engine is in a volume there: read the copy brought here just now.
    if (info && info.status !== 'missing' && info.status !== 'unknown' && source.refreshOutput) {
      try {
        await withTimeout(source.refreshOutput(id), timeoutMs, 'The Docker engine');
      } catch (e) {
        errors.push(`Output: ${describeError(e)}`);
      }
    }
  } else {
    logNote = 'The Docker support of this installation is not available: no status or log.';
  }
  if (!record && !info) errors.push(`No agent "${id}" in this federation's records.`);

  let report;
  let reportError: string | undefined;
  try {
    report = await readReport(fs, outputDir, REPORT_FILE, `/output/${REPORT_FILE}`);
  } catch (e) {
    reportError = isFederationError(e, 'not-found') ? `No report yet: the agent writes /output/${REPORT_FILE} when it is done.` : describeError(e);
  }
  // The brief as the agent got it: its package's copy, else (agents deployed before packages) the older copy.
  let briefFile: string | undefined;
  let briefText: string | undefined;
  for (const copy of [path.join(agentsDir(root), id, 'package', 'MISSION_BRIEF.md'), path.join(agentsDir(root), id, 'brief', 'MISSION_BRIEF.md')]) {
    briefText = await readTextCapped(fs, copy);
    if (briefText !== undefined) {
      briefFile = copy;
      break;
    }
  }
  if (briefText === undefined && record) {
    const original = path.resolve(root, record.brief.path);
    briefText = await readTextCapped(fs, original);
    briefFile = briefText !== undefined ? original : undefined;
  }
  const model = agentReportModel({
    id, ref, ...(record ? { record } : {}), ...(info ? { info } : {}), ...(report ? { report } : {}), ...(reportError ? { reportError } : {}),
    ...(briefText !== undefined ? { briefText } : {}), ...(record ? { briefPath: record.brief.path } : {}),
    ...(logText !== undefined ? { logText } : {}), ...(logNote ? { logNote } : {}),
    ...(errors.length ? { error: errors.join(' · ') } : {}), ...(options.now ? { now: options.now } : {}),
  });
  return { model, outputDir, briefFile };
}

/** A deliverable's host path, only for a plain file inside the output folder (no link, no ".."). */
export async function deliverablePath(fs: FileSystem, outputDir: string, rel: string): Promise<string | undefined> {
  try {
    const parts = outputSegments(rel);
    if ((await outputFileSize(fs, outputDir, rel)) === undefined) return undefined;
    return path.join(outputDir, ...parts);
  } catch {
    return undefined;
  }
}
