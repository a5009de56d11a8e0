// Pure mappings from the core's types (matrix run results, agent records and reports, the federation snapshot) to
// the view models the report pages render (src/core/reports/protocol.ts), and the Markdown export of a run. No vscode
// and no file access here: unit-tested directly, and the pages never depend on core internals.
import { parseBrief } from '../brief/parse';
import type { AgentInfo, AgentRecord, AgentReport } from '../agents';
import { statusPhrase } from '../agents/status';
import { effectiveStatus } from '../federation';
import { runResources, type RunListing, type RunSummary, type TaskResult } from '../matrix/results';
import type { FederationSnapshot } from '../federation/snapshot';
import type { Task } from '../federation/state/schemas';
import { rollUp, taskUsage, type UsageRow } from '../federation/usage';
import { dependencyGraph } from './dependencyGraph';
import { bytes, duration, percent, resourceChange, signedDuration, signedPoints, timestamp, times } from './format';
import type {
  AgentReportModel,
  AgentStatusModel,
  DashboardModel,
  RunComparison,
  RunHistoryPoint,
  RunPhaseModel,
  RunReportModel,
  RunResourceChange,
  RunStatus,
  RunTaskModel,
  RunTaskStatus,
  RunWaveModel,
  RunWhere,
} from './protocol';

// ---- run report ---------------------------------------------------------------------------------------------

/** Optional fields a run summary may carry (written by newer runners); read defensively. */
interface SummaryExtras {
  origin?: { startedBy?: unknown; where?: unknown; label?: unknown };
  phases?: { planMs?: unknown; reportMs?: unknown };
}

export interface RunModelInput {
  summary: RunSummary;
  tasks: TaskResult[];
  /** True when the run has no summary.json yet: still going (or given up on, see `stale`). */
  inProgress?: boolean;
  /** In progress but nothing changed for long: shown as incomplete, not live. */
  stale?: boolean;
  /** Units started but not finished, with their start time (from their log's first line). */
  running?: Map<string, string>;
  /** Recent runs of the same config (any order); the current run is added when missing. */
  history?: Array<Omit<RunHistoryPoint, 'current'>>;
  /** The previous run of the same config, for the comparison. */
  previous?: { summary: Pick<RunSummary, 'runId' | 'startedAt' | 'totalMs' | 'successRate'>; tasks: TaskResult[] };
  /** Who started it when the summary does not say (the OS user, say). */
  startedBy?: string;
  now?: Date;
}

const WHERE: readonly RunWhere[] = ['local', 'containers', 'github'];
const HISTORY_MAX = 20;

const isFailureStatus = (s: RunTaskStatus) => s === 'failed' || s === 'timed_out';

/** Interval partitioning: each unit goes to the first lane free at its start, so lanes read as agents. */
function assignLanes(tasks: RunTaskModel[]): number {
  const ends: number[] = [];
  const started = tasks.filter((t) => t.startMs !== null).sort((a, b) => a.startMs! - b.startMs! || a.unit.localeCompare(b.unit));
  for (const t of started) {
    // A unit starts the moment the previous one on its agent ends: allow a couple of ms of clock jitter.
    let lane = ends.findIndex((end) => end <= t.startMs! + 2);
    if (lane < 0) lane = ends.push(0) - 1;
    ends[lane] = Math.max(t.endMs ?? Infinity, t.startMs!);
    t.lane = lane;
  }
  return ends.length;
}

function origin(summary: RunSummary, fallbackUser: string | undefined): RunReportModel['origin'] {
  const o = (summary as RunSummary & SummaryExtras).origin;
  const where = WHERE.includes(o?.where as RunWhere) ? (o!.where as RunWhere) : summary.plan.waves.some((w) => w.units.some((u) => u.image)) ? 'containers' : 'local';
  return {
    startedBy: typeof o?.startedBy === 'string' && o.startedBy ? o.startedBy : fallbackUser || 'unknown',
    where,
    label: typeof o?.label === 'string' ? o.label : '',
  };
}

export function runReportModel(input: RunModelInput): RunReportModel {
  const { summary } = input;
  const now = input.now ?? new Date();
  const t0 = Date.parse(summary.startedAt);
  const rel = (iso: string | null) => (iso ? Math.max(0, Date.parse(iso) - t0) : null);
  const live = !!input.inProgress && !input.stale;
  const byUnit = new Map(input.tasks.map((r) => [r.unit, r]));
  const planned = summary.plan.waves.flatMap((w) => w.units.map((u) => ({ u, wave: w.index })));
  const known = new Set(planned.map((p) => p.u.id));

  const fromResult = (r: TaskResult): RunTaskModel => ({
    unit: r.unit, task: r.task, module: r.module, command: r.command, wave: r.wave, lane: 0,
    status: r.status, allowed: r.allowed, blocking: r.blocking, attempts: r.attempts, maxAttempts: r.maxAttempts,
    startMs: rel(r.startedAt), endMs: rel(r.endedAt), durationMs: r.durationMs, exitCode: r.exitCode, signal: r.signal, reason: r.reason ?? null,
    hasLog: r.log !== null,
    attemptSpans: r.attemptDetails.map((a) => ({ startMs: rel(a.startedAt) ?? 0, endMs: rel(a.endedAt) ?? 0, ok: a.exitCode === 0 && !a.timedOut })),
    artifacts: r.artifacts,
    // Results written before resources were recorded have none.
    resources: r.resources ? { cpuMs: r.resources.cpuMs, peakMemoryBytes: r.resources.peakMemoryBytes, producedBytes: r.resources.producedBytes } : null,
  });
  const tasks: RunTaskModel[] = planned.map(({ u, wave }) => {
    const r = byUnit.get(u.id);
    if (r) return fromResult(r);
    const runningSince = input.running?.get(u.id);
    const startMs = runningSince && live ? rel(runningSince) : null;
    return {
      unit: u.id, task: u.task, module: u.module, command: u.command, wave, lane: 0,
      status: startMs !== null ? 'running' : live ? 'pending' : 'skipped',
      allowed: null, blocking: false, attempts: startMs !== null ? 1 : 0, maxAttempts: u.retry.maxAttempts,
      startMs, endMs: null, durationMs: startMs !== null ? Math.max(0, now.getTime() - t0 - startMs) : 0,
      exitCode: null, signal: null, reason: startMs !== null || live ? null : 'no result was recorded for this unit',
      hasLog: startMs !== null, attemptSpans: [], artifacts: [], resources: null,
    };
  });
  // Results for units the plan does not list (a plan edited by hand): still shown, after the planned ones.
  for (const r of input.tasks) if (!known.has(r.unit)) tasks.push(fromResult(r));

  const elapsed = Math.max(0, now.getTime() - t0);
  const waves: RunWaveModel[] = summary.waves.map((w) => {
    const mine = tasks.filter((t) => t.wave === w.index);
    const lanes = assignLanes(mine);
    return {
      index: w.index, name: w.name, priority: w.priority, agents: w.agents, units: w.units,
      lanes: Math.max(lanes, mine.length ? 1 : 0),
      startMs: rel(w.startedAt), endMs: rel(w.endedAt) ?? (live && w.startedAt ? elapsed : null),
      durationMs: w.durationMs, lowerBoundMs: w.lowerBoundMs,
      passed: w.passed, failed: w.failed, skipped: w.skipped, cancelled: w.cancelled, stopped: w.stopped,
    };
  });
  // Waves with units but no timing (nothing started yet) still get their lanes.
  for (const t of tasks) if (!waves.some((w) => w.index === t.wave)) waves.push({ index: t.wave, name: `wave ${t.wave + 1}`, priority: '', agents: 1, units: 0, lanes: 1, startMs: null, endMs: null, durationMs: 0, lowerBoundMs: 0, passed: 0, failed: 0, skipped: 0, cancelled: 0, stopped: false });

  const taskEnd = Math.max(0, ...tasks.map((t) => t.endMs ?? (t.startMs !== null ? elapsed : 0)));
  const totalMs = live ? Math.max(summary.totalMs, elapsed) : summary.totalMs;
  const spanMs = Math.max(1, totalMs, taskEnd, summary.setupMs);

  const extras = (summary as RunSummary & SummaryExtras).phases;
  const planMs = typeof extras?.planMs === 'number' ? extras.planMs : 0;
  const phases: RunPhaseModel[] = [];
  const units = summary.plan.unitCount;
  phases.push({ kind: 'plan', label: 'plan', startMs: 0, endMs: planMs, status: 'ok', detail: `${units} unit${units === 1 ? '' : 's'} in ${summary.plan.waves.length} wave${summary.plan.waves.length === 1 ? '' : 's'}, at most ${summary.plan.maxAgents} agent(s)` });
  if (summary.setup.length || summary.setupMs > 0) {
    const failedSetup = summary.setup.filter((s) => s.action === 'failed');
    const actions = new Map<string, number>();
    for (const s of summary.setup) actions.set(s.action, (actions.get(s.action) ?? 0) + 1);
    phases.push({
      kind: 'setup', label: 'setup', startMs: planMs, endMs: planMs + summary.setupMs, status: failedSetup.length ? 'failed' : 'ok',
      detail: `${summary.setup.length} module(s): ${[...actions].map(([a, n]) => `${n} ${a}`).join(', ') || 'nothing to do'}${failedSetup.length ? ` — failed: ${failedSetup.map((s) => s.module).join(', ')}` : ''}`,
    });
  } else if (live && summary.setupMs === 0 && !summary.waves.some((w) => w.startedAt)) {
    phases.push({ kind: 'setup', label: 'setup', startMs: 0, endMs: elapsed, status: 'running', detail: 'installing or restoring dependencies' });
  }
  const lastWaveEnd = Math.max(-1, ...waves.map((w) => w.endMs ?? -1));
  if (!input.inProgress && lastWaveEnd >= 0) {
    phases.push({ kind: 'report', label: 'report', startMs: lastWaveEnd, endMs: Math.max(lastWaveEnd, summary.totalMs), status: 'ok', detail: 'results gathered, summary written' });
  }

  const running = tasks.filter((t) => t.status === 'running').length;
  const pending = tasks.filter((t) => t.status === 'pending').length;
  const status: RunStatus = input.inProgress ? (input.stale ? 'incomplete' : 'running') : summary.status;
  const current: Omit<RunHistoryPoint, 'current'> = { runId: summary.runId, startedAt: summary.startedAt, status, totalMs, successRate: summary.successRate };
  const hist = [...(input.history ?? []).filter((p) => p.runId !== summary.runId), current]
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.runId.localeCompare(b.runId))
    .slice(-HISTORY_MAX)
    .map((p) => ({ ...p, current: p.runId === summary.runId }));

  return {
    kind: 'run',
    ref: { runId: summary.runId },
    runId: summary.runId,
    configFile: summary.configFile,
    status,
    live,
    startedAt: summary.startedAt,
    endedAt: input.inProgress ? null : summary.endedAt,
    generatedAt: now.toISOString(),
    origin: origin(summary, input.startedBy),
    metrics: {
      totalMs, setupMs: summary.setupMs, executionMs: summary.executionMs, successRate: summary.successRate,
      throughputPerMinute: summary.throughputPerMinute, speedup: summary.speedup, efficiency: summary.efficiency,
      criticalPathMs: summary.criticalPathMs, sequentialMs: summary.sequentialMs, maxAgents: summary.maxAgents,
      // Summaries written before resources were recorded: from the task files.
      resources: summary.resources ?? runResources(input.tasks),
    },
    counts: {
      ...summary.counts,
      skipped: tasks.filter((t) => t.status === 'skipped').length,
      running,
      pending,
      retried: tasks.filter((t) => t.attempts > 1).length,
    },
    waves: waves.sort((a, b) => a.index - b.index),
    phases,
    tasks,
    history: hist,
    comparison: input.previous ? compareRuns(tasks, summary.successRate, totalMs, input.previous) : null,
    spanMs,
  };
}

/** A resource change worth listing: 1.5× either way, and more than noise in absolute terms. */
const RESOURCE_RATIO = 1.5;
const RESOURCE_MIN_CHANGE = { cpu: 500, memory: 8 << 20, output: 64 << 10 } as const;

/** A change worth listing: at least a second and a fifth of the earlier time. */
function notable(before: number, after: number): boolean {
  return Math.abs(after - before) >= Math.max(1000, before * 0.2);
}

export function compareRuns(
  tasks: RunTaskModel[],
  successRate: number,
  totalMs: number,
  previous: NonNullable<RunModelInput['previous']>,
): RunComparison {
  const before = new Map(previous.tasks.map((r) => [r.unit, r]));
  const now = new Set(tasks.map((t) => t.unit));
  const slower: RunComparison['slower'] = [];
  const faster: RunComparison['faster'] = [];
  const newlyFailing: RunComparison['newlyFailing'] = [];
  const fixed: string[] = [];
  const added: string[] = [];
  for (const t of tasks) {
    const b = before.get(t.unit);
    if (!b) {
      added.push(t.unit);
      if (isFailureStatus(t.status)) newlyFailing.push({ unit: t.unit, status: t.status, reason: t.reason });
      continue;
    }
    const failedBefore = b.status === 'failed' || b.status === 'timed_out';
    if (isFailureStatus(t.status) && !failedBefore) newlyFailing.push({ unit: t.unit, status: t.status, reason: t.reason });
    if (t.status === 'passed' && failedBefore) fixed.push(t.unit);
    // Only units that ran to the end both times compare fairly.
    const comparable = t.startMs !== null && t.status !== 'running' && t.status !== 'cancelled' && b.startedAt !== null && b.status !== 'cancelled';
    if (comparable && notable(b.durationMs, t.durationMs)) {
      (t.durationMs > b.durationMs ? slower : faster).push({ unit: t.unit, beforeMs: b.durationMs, afterMs: t.durationMs });
    }
  }
  const resources: RunResourceChange[] = [];
  for (const t of tasks) {
    const b = before.get(t.unit)?.resources;
    if (!b || !t.resources || t.status === 'cancelled' || t.status === 'running') continue;
    for (const [kind, was, is] of [['cpu', b.cpuMs, t.resources.cpuMs], ['memory', b.peakMemoryBytes, t.resources.peakMemoryBytes], ['output', b.producedBytes, t.resources.producedBytes]] as const) {
      if (was === null || is === null || was <= 0 || Math.abs(is - was) < RESOURCE_MIN_CHANGE[kind]) continue;
      const ratio = is / was;
      if (ratio >= RESOURCE_RATIO || ratio <= 1 / RESOURCE_RATIO) resources.push({ unit: t.unit, kind, before: was, after: is, ratio: Math.round(ratio * 100) / 100 });
    }
  }
  // Largest change first, growth and shrinking alike (2× and 0.5× weigh the same).
  const weight = (x: RunResourceChange) => Math.abs(Math.log(x.ratio));
  resources.sort((a, b) => weight(b) - weight(a) || a.unit.localeCompare(b.unit));
  slower.sort((a, b) => b.afterMs - b.beforeMs - (a.afterMs - a.beforeMs));
  faster.sort((a, b) => a.afterMs - a.beforeMs - (b.afterMs - b.beforeMs));
  return {
    previousRunId: previous.summary.runId,
    previousStartedAt: previous.summary.startedAt,
    totalDeltaMs: totalMs - previous.summary.totalMs,
    successRateDelta: Math.round((successRate - previous.summary.successRate) * 10000) / 10000,
    slower: slower.slice(0, 10),
    faster: faster.slice(0, 10),
    newlyFailing,
    fixed,
    added,
    removed: [...before.keys()].filter((u) => !now.has(u)).sort(),
    resources: resources.slice(0, 10),
  };
}

/** Markdown text from data: nothing in it may become a link, an HTML tag or a table break. */
export function mdText(s: string): string {
  return s.replace(/[\\`*_[\]<>|~]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

/** A measured amount, or '-' where it was not measured. */
const measured = (v: number | null | undefined, f: (x: number) => string) => (v === null || v === undefined ? '-' : f(v));

export function runReportMarkdown(m: RunReportModel): string {
  const c = m.counts;
  const mt = m.metrics;
  const statusWord = (t: RunTaskModel) => `${t.status === 'timed_out' ? 'timed out' : t.status}${t.allowed ? ` (${t.allowed})` : ''}`;
  const lines = [
    `# Matrix run ${mdText(m.runId)}: ${m.status}`,
    '',
    `Config ${mdText(m.configFile)} · started by ${mdText(m.origin.startedBy)} on ${m.origin.where} · ${timestamp(m.startedAt)}${m.endedAt ? ` → ${timestamp(m.endedAt)}` : ''}`,
    '',
    `${c.passed}/${c.units} passed, ${c.failed} failed, ${c.timedOut} timed out, ${c.allowedFailures} allowed failure(s), ${c.retried} retried, ${c.skipped} skipped, ${c.cancelled} cancelled${c.running ? `, ${c.running} running` : ''}${c.pending ? `, ${c.pending} pending` : ''}.`,
    '',
    '| Metric | Value |',
    '| --- | --- |',
    `| Total time | ${duration(mt.totalMs)} (setup ${duration(mt.setupMs)}, waves ${duration(mt.executionMs)}) |`,
    `| Success rate | ${percent(mt.successRate)} |`,
    `| Throughput | ${mt.throughputPerMinute.toFixed(1)} units/min |`,
    `| Speedup over sequential | ${times(mt.speedup)} (sequential ${duration(mt.sequentialMs)}) |`,
    `| Efficiency | ${percent(mt.efficiency)} of ${mt.maxAgents} agent(s) |`,
    `| Critical-path bound | ${duration(mt.criticalPathMs)} |`,
    `| CPU time | ${duration(mt.resources.cpuMs)} over ${mt.resources.measuredUnits} unit(s) |`,
    `| Peak memory (largest unit) | ${measured(mt.resources.peakMemoryBytes, bytes)} |`,
    `| Build output | ${bytes(mt.resources.producedBytes)} |`,
  ];
  const failures = m.tasks.filter((t) => isFailureStatus(t.status) || t.blocking);
  if (failures.length) {
    lines.push('', '## Failures', '');
    for (const t of failures) lines.push(`- **${mdText(t.unit)}** (${mdText(t.module)}): ${statusWord(t)}${t.exitCode !== null ? `, exit ${t.exitCode}` : ''}${t.reason ? ` — ${mdText(t.reason)}` : ''}`);
  }
  if (m.comparison) {
    const k = m.comparison;
    lines.push('', `## Compared with ${mdText(k.previousRunId)}`, '', `Total time ${signedDuration(k.totalDeltaMs)}, success rate ${signedPoints(k.successRateDelta)}.`, '');
    if (k.newlyFailing.length) lines.push(`- Newly failing: ${k.newlyFailing.map((f) => mdText(f.unit)).join(', ')}`);
    if (k.fixed.length) lines.push(`- Fixed: ${k.fixed.map(mdText).join(', ')}`);
    for (const x of k.slower) lines.push(`- Slower: ${mdText(x.unit)} ${duration(x.beforeMs)} → ${duration(x.afterMs)} (${signedDuration(x.afterMs - x.beforeMs)})`);
    for (const x of k.faster) lines.push(`- Faster: ${mdText(x.unit)} ${duration(x.beforeMs)} → ${duration(x.afterMs)} (${signedDuration(x.afterMs - x.beforeMs)})`);
    for (const x of k.resources) lines.push(`- Resources: ${mdText(resourceChange(x))}`);
  }
  lines.push('', '## Waves', '', '| # | Wave | Agents | Units | Passed | Failed | Duration | Lower bound |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const w of m.waves) lines.push(`| ${w.index + 1} | ${mdText(w.name)} (${mdText(w.priority)}) | ${w.agents} | ${w.units} | ${w.passed} | ${w.failed} | ${duration(w.durationMs)}${w.stopped ? ' (fail_fast)' : ''} | ${duration(w.lowerBoundMs)} |`);
  lines.push('', '## Tasks', '', '| Unit | Module | Wave | Status | Attempts | Duration | Exit | CPU | Peak memory |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const order = (t: RunTaskModel) => (isFailureStatus(t.status) && t.blocking ? 0 : isFailureStatus(t.status) ? 1 : t.blocking ? 2 : 3);
  for (const t of [...m.tasks].sort((a, b) => order(a) - order(b) || a.wave - b.wave || a.unit.localeCompare(b.unit))) {
    lines.push(`| ${mdText(t.unit)} | ${mdText(t.module)} | ${t.wave + 1} | ${statusWord(t)} | ${t.attempts}/${t.maxAttempts} | ${t.startMs === null ? '-' : duration(t.durationMs)} | ${t.signal ? mdText(t.signal) : t.exitCode ?? '-'} | ${measured(t.resources?.cpuMs, duration)} | ${measured(t.resources?.peakMemoryBytes, bytes)} |`);
  }
  if (m.history.length > 1) {
    lines.push('', '## History', '', '| Run | Started | Status | Total | Success |', '| --- | --- | --- | --- | --- |');
    for (const p of m.history) lines.push(`| ${mdText(p.runId)}${p.current ? ' (this run)' : ''} | ${timestamp(p.startedAt)} | ${p.status} | ${duration(p.totalMs)} | ${percent(p.successRate)} |`);
  }
  return lines.join('\n') + '\n';
}

// ---- agent report -------------------------------------------------------------------------------------------

export interface AgentModelInput {
  id: string;
  record?: AgentRecord;
  info?: AgentInfo;
  report?: { report: AgentReport; deliverables: Array<{ path: string; description?: string; exists?: boolean; bytes?: number }> };
  reportError?: string;
  /** Where the brief was read from, for the heading. */
  briefPath?: string;
  briefText?: string;
  logText?: string;
  logNote?: string;
  error?: string;
  ref: AgentReportModel['ref'];
  now?: Date;
}

const LOG_LINES = 200;
const LOG_LINE_MAX = 2000;

/** Terminal colour codes and other control characters: noise in a page (tabs and newlines stay). */
export function plainLog(text: string): string {
  // eslint-disable-next-line no-control-regex -- the point is to match control characters
  return text.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]/g, '').replace(/\r\n/g, '\n').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
}

export function logTail(text: string, lines = LOG_LINES): string[] {
  const all = plainLog(text).split('\n');
  if (all.length && all[all.length - 1] === '') all.pop();
  return all.slice(-lines).map((l) => (l.length > LOG_LINE_MAX ? `${l.slice(0, LOG_LINE_MAX)}…` : l));
}

/** The brief's title and its Mission section as plain text. */
export function missionFromBrief(text: string): { title: string | undefined; mission: string } {
  try {
    const doc = parseBrief(text);
    const section = doc.sections.find((s) => s.known === 'Mission');
    return { title: doc.title?.text, mission: section ? doc.text.slice(section.bodyStart, section.contentEnd).trim() : '' };
  } catch {
    return { title: undefined, mission: '' };
  }
}

function resources(record: AgentRecord | undefined): AgentReportModel['resources'] {
  if (!record) return [];
  const out: AgentReportModel['resources'] = [];
  const l = record.limits;
  out.push({ label: 'Memory limit', value: l.memoryBytes ? bytes(l.memoryBytes) : 'none' });
  out.push({ label: 'CPUs', value: l.nanoCpus ? String(Math.round((l.nanoCpus / 1e9) * 100) / 100) : 'no limit' });
  out.push({ label: 'Processes', value: l.pidsLimit ? `at most ${l.pidsLimit}` : 'no limit' });
  if (record.timeoutSeconds) out.push({ label: 'Time limit', value: duration(record.timeoutSeconds * 1000) });
  out.push({ label: 'Network', value: record.network });
  out.push({ label: 'Workspace', value: `${record.workspace.mode}${record.workspace.mode !== 'none' ? (record.workspace.readOnly ? ', read-only' : ', writable') : ''}${record.workspace.folders.length ? ` (${record.workspace.folders.join(', ')})` : ''}` });
  out.push({ label: 'Secrets', value: record.secrets.length ? record.secrets.join(', ') : 'none' });
  out.push({ label: 'User', value: record.user });
  return out;
}

export function agentReportModel(input: AgentModelInput): AgentReportModel {
  const now = input.now ?? new Date();
  const { record, info } = input;
  const brief = input.briefText !== undefined ? missionFromBrief(input.briefText) : { title: undefined, mission: '' };
  const status: AgentStatusModel = info?.status ?? 'unknown';
  // The engine's times when it was asked, else the ones the agent wrote into its report.
  const startedAt = info?.startedAt ?? input.report?.report.startedAt ?? null;
  const finishedAt = info?.finishedAt ?? input.report?.report.finishedAt ?? null;
  const durationMs = info?.durationSeconds !== undefined ? info.durationSeconds * 1000 : info?.uptimeSeconds !== undefined ? info.uptimeSeconds * 1000
    : input.report ? Math.max(0, Date.parse(input.report.report.finishedAt) - Date.parse(input.report.report.startedAt)) : null;
  const r = input.report;
  return {
    kind: 'agent',
    ref: input.ref,
    id: input.id,
    status,
    statusText: info ? statusPhrase(info) + (info.error ? ` — ${info.error}` : '') : 'status unknown: the engine was not asked',
    title: brief.title ?? record?.brief.title ?? info?.briefTitle ?? input.id,
    briefPath: input.briefPath ?? record?.brief.path ?? info?.brief ?? '',
    mission: brief.mission,
    persona: record?.persona ?? info?.persona ?? null,
    role: record?.role ?? info?.role ?? null,
    host: info?.hostLabel ?? record?.hostLabel ?? '',
    image: record?.image ?? info?.image ?? '',
    createdAt: info?.createdAt ?? record?.createdAt ?? null,
    startedAt,
    finishedAt,
    durationMs,
    exitCode: info?.exitCode ?? null,
    overdue: info?.overdue ?? false,
    live: status === 'running' || status === 'created',
    resources: resources(record),
    report: r
      ? {
        status: r.report.status,
        summary: r.report.summary,
        startedAt: r.report.startedAt,
        finishedAt: r.report.finishedAt,
        deliverables: r.deliverables.map((d) => ({ path: d.path, description: d.description ?? null, exists: d.exists ?? null, bytes: d.bytes ?? null })),
        metrics: Object.entries(r.report.metrics ?? {}).map(([name, value]) => ({ name, value })),
      }
      : null,
    reportError: r ? null : input.reportError ?? null,
    logTail: input.logText !== undefined ? logTail(input.logText) : [],
    logNote: input.logNote ?? null,
    error: input.error ?? null,
    generatedAt: now.toISOString(),
  };
}

// ---- dashboard ----------------------------------------------------------------------------------------------

export interface DashboardInput {
  snapshot: FederationSnapshot | undefined;
  root: string;
  /** Live view from the engines, when Docker support is there. */
  agents?: { agents: AgentInfo[]; hosts: Array<{ host: string; hostLabel: string; reachable: boolean; error?: string }> };
  /** Otherwise the deployment records alone. */
  records?: AgentRecord[];
  runs?: RunListing[];
  offlineAfterMs?: number;
  now?: Date;
}

export function dashboardModel(input: DashboardInput): DashboardModel {
  const now = input.now ?? new Date();
  const snap = input.snapshot;
  const problems: string[] = [];
  const part = <T>(name: string, p: { ok: true; value: T } | { ok: false; error: { message: string } } | undefined, fallback: T): T => {
    if (!p) return fallback;
    if (p.ok) return p.value;
    problems.push(`${name}: ${p.error.message}`);
    return fallback;
  };
  const personas = part('personas', snap?.personas, { version: 1 as const, revision: 0, personas: [] }).personas;
  const tasks = part('queue', snap?.queue, { version: 1 as const, revision: 0, nextId: 1, tasks: [] }).tasks;
  const locks = part('locks', snap?.locks, []);
  for (const bad of snap?.lockProblems ?? []) problems.push(`locks: ${bad.message}`);
  const offlineAfterMs = input.offlineAfterMs ?? (snap?.config.ok ? snap.config.value.heartbeat.offlineAfterSeconds * 1000 : 120_000);
  const byStatus: Record<string, number> = {};
  for (const t of tasks) byStatus[t.status] = (byStatus[t.status] ?? 0) + 1;
  const OPEN_FIRST: Record<string, number> = { in_progress: 0, claimed: 1, handed_off: 2, queued: 3, failed: 4, done: 5, cancelled: 6 };

  type HostRow = DashboardModel['agents']['hosts'][number];
  const hosts = new Map<string, HostRow>();
  const agentCounts: Record<string, number> = {};
  const hostRow = (host: string, label: string): HostRow => {
    let row = hosts.get(host);
    if (!row) hosts.set(host, (row = { host, label, reachable: null, error: null, agents: [] }));
    return row;
  };
  if (input.agents) {
    for (const h of input.agents.hosts) Object.assign(hostRow(h.host, h.hostLabel), { reachable: h.reachable, error: h.error ?? null });
    for (const a of input.agents.agents) {
      agentCounts[a.status] = (agentCounts[a.status] ?? 0) + 1;
      hostRow(a.host, a.hostLabel).agents.push({
        id: a.id, status: a.status, persona: a.persona, title: a.briefTitle ?? a.brief,
        durationMs: a.durationSeconds !== undefined ? a.durationSeconds * 1000 : a.uptimeSeconds !== undefined ? a.uptimeSeconds * 1000 : null,
      });
    }
  } else {
    for (const r of input.records ?? []) {
      agentCounts['unknown'] = (agentCounts['unknown'] ?? 0) + 1;
      hostRow(r.host, r.hostLabel).agents.push({ id: r.id, status: 'unknown', persona: r.persona, title: r.brief.title ?? r.brief.path, durationMs: null });
    }
  }

  return {
    kind: 'dashboard',
    ref: { root: input.root },
    root: input.root,
    initialized: snap?.initialized ?? false,
    generatedAt: now.toISOString(),
    personas: personas.map((p) => ({
      id: p.id,
      displayName: p.displayName,
      status: effectiveStatus(p, now, offlineAfterMs),
      runsIn: p.runsIn,
      skills: p.skills,
      lastHeartbeat: p.lastHeartbeat,
      tasks: tasks
        .filter((t) => t.assignee === p.id || t.handoff?.to === p.id && t.status === 'handed_off')
        .sort((a, b) => (OPEN_FIRST[a.status] ?? 9) - (OPEN_FIRST[b.status] ?? 9) || a.priority - b.priority || a.id.localeCompare(b.id, undefined, { numeric: true }))
        .slice(0, 12)
        .map((t) => ({ id: t.id, title: t.title, status: t.status, priority: t.priority })),
    })),
    queue: {
      total: tasks.length,
      byStatus,
      unassigned: tasks.filter((t) => t.status === 'queued' && !t.assignee).sort((a, b) => a.priority - b.priority || a.createdAt.localeCompare(b.createdAt)).slice(0, 20)
        .map((t) => ({ id: t.id, title: t.title, priority: t.priority, skills: t.skills })),
    },
    agents: { live: input.agents !== undefined, byStatus: agentCounts, hosts: [...hosts.values()] },
    handoffs: tasks
      .filter((t) => t.handoff && t.handoff.acknowledgedAt === null && t.status === 'handed_off')
      .map((t) => ({ taskId: t.id, title: t.title, from: t.handoff!.from, to: t.handoff!.to, at: t.handoff!.at, document: t.handoff!.document })),
    locks: locks.map((l) => ({ resource: l.resource, holder: l.holder, task: l.task, host: l.host, acquiredAt: l.acquiredAt, expiresAt: l.expiresAt, expired: Date.parse(l.expiresAt) < now.getTime() })),
    runs: (input.runs ?? []).slice(0, 8).map((r) => ({ runId: r.runId, startedAt: r.startedAt, status: r.status })),
    usage: dashboardUsage(tasks),
    dependencies: dependencyGraph(tasks),
    problems,
  };
}

function dashboardUsage(tasks: readonly Task[]): DashboardModel['usage'] {
  const { rows, total } = rollUp(taskUsage(tasks), 'persona');
  const summary = (r: UsageRow) => ({ entries: r.entries, inputTokens: r.inputTokens, outputTokens: r.outputTokens, costUsd: r.costUsd, wallSeconds: r.wallSeconds });
  return { total: summary(total), byPersona: rows.map((r) => ({ persona: r.key, ...summary(r) })) };
}
