// The contract between the extension and its report pages: the view models the pages render and the messages
// both sides exchange. Shared by src/extension/panels (Node) and src/webviews/* (browser), so nothing here may
// touch the DOM, Node or vscode. Guards are hand-written: zod would triple the size of a page bundle.
//
// Handshake: the page posts `ready` once its listener is up; the extension answers with `init` (the model) and
// later sends `update` (a new model, e.g. while a run is in progress). Everything a page asks for goes by name or
// index (a unit, a deliverable number): the extension looks the path up in its own model, never trusts one sent.

export const PANEL_KINDS = ['run', 'agent', 'dashboard'] as const;
export type PanelKind = (typeof PANEL_KINDS)[number];

// ---- run report (CI matrix) --------------------------------------------------------------------------------

export type RunStatus = 'passed' | 'failed' | 'cancelled' | 'running' | 'incomplete';
/** `pending`: planned, not started; `running`: started (its log exists), no result yet. */
export type RunTaskStatus = 'passed' | 'failed' | 'timed_out' | 'cancelled' | 'skipped' | 'running' | 'pending';
export type RunWhere = 'local' | 'containers' | 'github';

export interface RunTaskModel {
  unit: string;
  task: string;
  module: string;
  command: string;
  /** Wave index (run order, from 0). */
  wave: number;
  /** Worker lane inside the wave, from 0: which agent ran it (re-derived from times when not recorded). */
  lane: number;
  status: RunTaskStatus;
  /** Why a failure does not fail the run. */
  allowed: 'allow_warnings' | 'continue_on_error' | null;
  blocking: boolean;
  attempts: number;
  maxAttempts: number;
  /** Milliseconds from the run's start; null for a unit that never started. */
  startMs: number | null;
  endMs: number | null;
  durationMs: number;
  exitCode: number | null;
  signal: string | null;
  reason: string | null;
  hasLog: boolean;
  /** One span per attempt (retries show as several). */
  attemptSpans: Array<{ startMs: number; endMs: number; ok: boolean }>;
  artifacts: string[];
  /** What it used over all its attempts; null when it never ran or its runner measured nothing. */
  resources: RunTaskResources | null;
}

/** A unit's CPU time (user + system), peak memory and build output bytes; null where not measured. */
export interface RunTaskResources {
  cpuMs: number | null;
  peakMemoryBytes: number | null;
  producedBytes: number | null;
}

export interface RunWaveModel {
  index: number;
  name: string;
  priority: string;
  agents: number;
  units: number;
  /** Lanes the timeline draws for this wave (≥ agents when units overlapped more than planned). */
  lanes: number;
  startMs: number | null;
  endMs: number | null;
  durationMs: number;
  lowerBoundMs: number;
  passed: number;
  failed: number;
  skipped: number;
  cancelled: number;
  stopped: boolean;
}

export interface RunPhaseModel {
  kind: 'plan' | 'setup' | 'report';
  label: string;
  startMs: number;
  endMs: number;
  status: 'ok' | 'failed' | 'running';
  detail: string;
}

export interface RunMetrics {
  totalMs: number;
  setupMs: number;
  executionMs: number;
  /** 0..1 */
  successRate: number;
  throughputPerMinute: number;
  speedup: number;
  /** 0..1 */
  efficiency: number;
  criticalPathMs: number;
  sequentialMs: number;
  maxAgents: number;
  /** Totals: CPU and output bytes summed over the units that measured them, memory the largest unit's peak. */
  resources: { cpuMs: number; peakMemoryBytes: number | null; producedBytes: number; measuredUnits: number };
}

export interface RunCounts {
  units: number;
  passed: number;
  failed: number;
  timedOut: number;
  cancelled: number;
  skipped: number;
  running: number;
  pending: number;
  allowedFailures: number;
  blockingFailures: number;
  /** Units that needed more than one attempt. */
  retried: number;
}

export interface RunHistoryPoint {
  runId: string;
  startedAt: string;
  status: RunStatus;
  totalMs: number;
  successRate: number;
  current: boolean;
}

export interface RunComparison {
  previousRunId: string;
  previousStartedAt: string;
  totalDeltaMs: number;
  successRateDelta: number;
  /** Units that took notably longer, slowest change first. */
  slower: Array<{ unit: string; beforeMs: number; afterMs: number }>;
  faster: Array<{ unit: string; beforeMs: number; afterMs: number }>;
  /** Failing now, passed (or absent) before. */
  newlyFailing: Array<{ unit: string; status: RunTaskStatus; reason: string | null }>;
  /** Passing now, failed before. */
  fixed: string[];
  added: string[];
  removed: string[];
  /** Units whose CPU time, peak memory or output changed notably (ratio after/before), largest change first. */
  resources: RunResourceChange[];
}

export interface RunResourceChange {
  unit: string;
  kind: 'cpu' | 'memory' | 'output';
  before: number;
  after: number;
  /** after / before. */
  ratio: number;
}

export interface RunReportModel {
  kind: 'run';
  /** What the extension needs to load this report again (after a window reload). */
  ref: { runId: string };
  runId: string;
  configFile: string;
  status: RunStatus;
  /** True while the run is in progress: `update` messages follow. */
  live: boolean;
  startedAt: string;
  endedAt: string | null;
  generatedAt: string;
  origin: { startedBy: string; where: RunWhere; label: string };
  metrics: RunMetrics;
  counts: RunCounts;
  waves: RunWaveModel[];
  phases: RunPhaseModel[];
  tasks: RunTaskModel[];
  /** The same config's recent runs, oldest first, this one included. */
  history: RunHistoryPoint[];
  comparison: RunComparison | null;
  /** Extent of the timeline in ms from the run's start. */
  spanMs: number;
}

// ---- agent report -------------------------------------------------------------------------------------------

export type AgentStatusModel = 'created' | 'running' | 'succeeded' | 'failed' | 'oom-killed' | 'missing' | 'unknown';

export interface AgentReportModel {
  kind: 'agent';
  ref: { agentId: string } | { reportPath: string };
  id: string;
  status: AgentStatusModel;
  /** "exited 0 after 3m 12s" and the like. */
  statusText: string;
  title: string;
  briefPath: string;
  /** The brief's Mission section as plain text (never rendered as HTML). */
  mission: string;
  persona: string | null;
  role: string | null;
  host: string;
  image: string;
  createdAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  exitCode: number | null;
  overdue: boolean;
  live: boolean;
  resources: Array<{ label: string; value: string }>;
  report: null | {
    status: 'succeeded' | 'partial' | 'failed';
    summary: string;
    startedAt: string;
    finishedAt: string;
    deliverables: Array<{ path: string; description: string | null; exists: boolean | null; bytes: number | null }>;
    metrics: Array<{ name: string; value: number }>;
  };
  /** Why there is no report (not written yet, invalid JSON…). */
  reportError: string | null;
  logTail: string[];
  /** Why the log is empty or cut. */
  logNote: string | null;
  error: string | null;
  generatedAt: string;
}

// ---- federation dashboard -----------------------------------------------------------------------------------

export interface DashboardModel {
  kind: 'dashboard';
  ref: { root: string };
  root: string;
  initialized: boolean;
  generatedAt: string;
  personas: Array<{
    id: string;
    displayName: string;
    status: 'active' | 'idle' | 'offline';
    runsIn: string;
    skills: string[];
    lastHeartbeat: string | null;
    tasks: Array<{ id: string; title: string; status: string; priority: number }>;
  }>;
  queue: { total: number; byStatus: Record<string, number>; unassigned: Array<{ id: string; title: string; priority: number; skills: string[] }> };
  agents: {
    /** Null when the engines were not asked (Docker support missing): statuses come from the records only. */
    live: boolean;
    byStatus: Record<string, number>;
    hosts: Array<{
      host: string;
      label: string;
      reachable: boolean | null;
      error: string | null;
      agents: Array<{ id: string; status: AgentStatusModel; persona: string | null; title: string; durationMs: number | null }>;
    }>;
  };
  handoffs: Array<{ taskId: string; title: string; from: string; to: string; at: string; document: string }>;
  locks: Array<{ resource: string; holder: string; task: string | null; host: string; acquiredAt: string; expiresAt: string; expired: boolean }>;
  runs: Array<{ runId: string; startedAt: string; status: string }>;
  /** The usage ledger of the tasks' attempts: the total and one row per persona, costliest first. */
  usage: { total: UsageSummary; byPersona: Array<UsageSummary & { persona: string }> };
  dependencies: DependencyGraphModel;
  /** Parts of the state that could not be read. */
  problems: string[];
}

export interface UsageSummary {
  entries: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  wallSeconds: number;
}

/** A queued task is ready or blocked; a done one with its worktree not merged is awaiting review; else its status. */
export type DependencyReadiness = 'ready' | 'blocked' | 'awaiting_review' | 'claimed' | 'in_progress' | 'handed_off' | 'done' | 'failed' | 'cancelled';

export interface DependencyNodeModel {
  id: string;
  title: string;
  status: string;
  readiness: DependencyReadiness;
  /** What a queued task waits for, with each dependency's readiness ('missing': no such task any more). */
  blockers: Array<{ task: string; status: string }>;
  /** Longest path from a task that waits for nothing (those are column 0). */
  column: number;
  /** Place within the column, from 0. */
  row: number;
}

/** The tasks that take part in a dependency edge, laid out by the extension (src/core/reports/dependencyGraph.ts). */
export interface DependencyGraphModel {
  /** By column, then row. */
  nodes: DependencyNodeModel[];
  /** `from` is the dependency, `to` the task waiting for it; satisfied when `from` is done (and merged). */
  edges: Array<{ from: string; to: string; satisfied: boolean }>;
  columns: number;
  /** Tasks in the graph, shown or not, and how many were left out over the node cap. */
  total: number;
  more: number;
  /** Over every task in the graph, shown or not. */
  counts: { ready: number; blocked: number; awaitingReview: number };
  /** Tasks on a dependency cycle or waiting for one (only a hand-edited file has them): drawn in a last column. */
  cyclic: string[];
}

export type PanelModel = RunReportModel | AgentReportModel | DashboardModel;
export type ModelOf<K extends PanelKind> = Extract<PanelModel, { kind: K }>;

// ---- messages -----------------------------------------------------------------------------------------------

/** Extension → page. */
export type HostMessage<M extends PanelModel = PanelModel> =
  | { type: 'init'; model: M }
  | { type: 'update'; model: M }
  | { type: 'notice'; level: 'info' | 'error'; text: string };

/** Page → extension, common to every panel. */
export type CommonPageMessage =
  | { type: 'ready' }
  | { type: 'refresh' }
  /** How long a render took in the page (diagnostics and the benchmark). */
  | { type: 'rendered'; section: string; ms: number; items: number };

export type RunPageMessage =
  | CommonPageMessage
  | { type: 'openLog'; unit: string }
  | { type: 'rerunFailed' }
  | { type: 'openConfig' }
  | { type: 'export'; format: 'markdown' | 'html' }
  | { type: 'openRun'; runId: string };

export type AgentPageMessage =
  | CommonPageMessage
  | { type: 'openDeliverable'; index: number }
  | { type: 'openBrief' }
  | { type: 'openOutput' };

export type DashboardPageMessage =
  | CommonPageMessage
  | { type: 'openAgent'; id: string }
  | { type: 'openHandoff'; taskId: string }
  | { type: 'openRun'; runId: string };

export type PageMessageOf<K extends PanelKind> = K extends 'run' ? RunPageMessage : K extends 'agent' ? AgentPageMessage : DashboardPageMessage;
export type PageMessage = RunPageMessage | AgentPageMessage | DashboardPageMessage;

// ---- guards -------------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Names sent by a page are short; anything longer is not one of ours. */
const isName = (v: unknown, max = 512): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
const isArr = (v: unknown): v is unknown[] => Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * A message from a page, checked field by field; undefined for anything else. A page renders agent output, so the
 * extension treats what it sends as untrusted: only known types, only the fields each type has.
 */
export function parsePageMessage<K extends PanelKind>(kind: K, data: unknown): PageMessageOf<K> | undefined {
  return parseAny(kind, data) as PageMessageOf<K> | undefined;
}

function only(d: Obj, keys: string[]): boolean {
  return Object.keys(d).every((k) => keys.includes(k));
}

function parseAny(kind: PanelKind, d: unknown): PageMessage | undefined {
  if (!isObj(d) || typeof d['type'] !== 'string') return undefined;
  const t = d['type'];
  switch (t) {
    case 'ready':
    case 'refresh':
      return only(d, ['type']) ? { type: t } : undefined;
    case 'rendered':
      return only(d, ['type', 'section', 'ms', 'items']) && isName(d['section'], 64) && isNum(d['ms']) && isNum(d['items'])
        ? { type: t, section: d['section'], ms: d['ms'], items: d['items'] }
        : undefined;
  }
  if (kind === 'run') {
    switch (t) {
      case 'openLog':
        return only(d, ['type', 'unit']) && isName(d['unit']) ? { type: t, unit: d['unit'] } : undefined;
      case 'rerunFailed':
      case 'openConfig':
        return only(d, ['type']) ? { type: t } : undefined;
      case 'export':
        return only(d, ['type', 'format']) && (d['format'] === 'markdown' || d['format'] === 'html') ? { type: t, format: d['format'] } : undefined;
      case 'openRun':
        return only(d, ['type', 'runId']) && isName(d['runId'], 128) ? { type: t, runId: d['runId'] } : undefined;
    }
    return undefined;
  }
  if (kind === 'agent') {
    switch (t) {
      case 'openDeliverable':
        return only(d, ['type', 'index']) && Number.isInteger(d['index']) && (d['index'] as number) >= 0 ? { type: t, index: d['index'] as number } : undefined;
      case 'openBrief':
      case 'openOutput':
        return only(d, ['type']) ? { type: t } : undefined;
    }
    return undefined;
  }
  switch (t) {
    case 'openAgent':
      return only(d, ['type', 'id']) && isName(d['id'], 128) ? { type: t, id: d['id'] } : undefined;
    case 'openHandoff':
      return only(d, ['type', 'taskId']) && isName(d['taskId'], 64) ? { type: t, taskId: d['taskId'] } : undefined;
    case 'openRun':
      return only(d, ['type', 'runId']) && isName(d['runId'], 128) ? { type: t, runId: d['runId'] } : undefined;
  }
  return undefined;
}

/**
 * Structural check of a model: enough that rendering cannot trip over a missing list. The values themselves are
 * rendered as text, so their content does not need checking here.
 */
export function isModelOf<K extends PanelKind>(kind: K, m: unknown): m is ModelOf<K> {
  if (!isObj(m) || m['kind'] !== kind || !isObj(m['ref'])) return false;
  switch (kind) {
    case 'run':
      return (
        typeof m['runId'] === 'string' && isArr(m['tasks']) && isArr(m['waves']) && isArr(m['phases']) && isArr(m['history']) &&
        isObj(m['metrics']) && isObj(m['counts']) && isObj(m['origin']) && isNum(m['spanMs']) &&
        (m['comparison'] === null || isObj(m['comparison'])) &&
        (m['tasks'] as unknown[]).every((t) => isObj(t) && typeof t['unit'] === 'string' && typeof t['status'] === 'string' && isArr(t['attemptSpans']))
      );
    case 'agent':
      return typeof m['id'] === 'string' && typeof m['status'] === 'string' && isArr(m['resources']) && isArr(m['logTail']) &&
        (m['report'] === null || (isObj(m['report']) && isArr(m['report']['deliverables']) && isArr(m['report']['metrics'])));
    default:
      return isArr(m['personas']) && isObj(m['queue']) && isObj(m['agents']) && isArr((m['agents'] as Obj)['hosts']) &&
        isArr(m['handoffs']) && isArr(m['locks']) && isArr(m['runs']) && isArr(m['problems']) &&
        isObj(m['usage']) && isArr((m['usage'] as Obj)['byPersona']) &&
        isObj(m['dependencies']) && isArr((m['dependencies'] as Obj)['nodes']) && isArr((m['dependencies'] as Obj)['edges']) && isArr((m['dependencies'] as Obj)['cyclic']) &&
        ((m['dependencies'] as Obj)['nodes'] as unknown[]).every((n) => isObj(n) && typeof n['id'] === 'string' && isArr(n['blockers']) && isNum(n['column']) && isNum(n['row']));
  }
}

/** A message from the extension, checked: undefined for anything else (another frame's postMessage, say). */
export function parseHostMessage<K extends PanelKind>(kind: K, d: unknown): HostMessage<ModelOf<K>> | undefined {
  if (!isObj(d)) return undefined;
  if ((d['type'] === 'init' || d['type'] === 'update') && isModelOf(kind, d['model'])) return { type: d['type'], model: d['model'] };
  if (d['type'] === 'notice' && (d['level'] === 'info' || d['level'] === 'error') && typeof d['text'] === 'string') {
    return { type: 'notice', level: d['level'], text: d['text'] };
  }
  return undefined;
}

/** What a page keeps with setState: the model's ref (for the serializer) and its own view settings. */
export interface PageState {
  kind: PanelKind;
  ref: Record<string, unknown>;
  ui?: Record<string, unknown>;
  /** The last model, so a restored page shows something at once; dropped when large. */
  model?: PanelModel;
}

export function isPageState(v: unknown): v is PageState {
  return isObj(v) && (PANEL_KINDS as readonly unknown[]).includes(v['kind']) && isObj(v['ref']);
}
