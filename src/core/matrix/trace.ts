// A run as a trace: one span tree (run → setup → modules, run → waves → units → attempts) built from what the
// run recorded, with the recorded times, never "now", so exporting the same run twice gives the same tree. Neutral
// and pure: the OpenTelemetry SDK adapter (src/node/otlp.ts) turns it into spans and OTLP; nothing here knows OTLP.
import { statusLabel } from './report';
import { runResources, type AttemptResult, type Resources, type RunSummary, type TaskResult } from './results';

export type TraceAttribute = string | number | boolean;

export interface TraceSpan {
  /** Unique in the run and stable across exports: the adapter derives the span id from it. */
  key: string;
  /** Low-cardinality where it can be (`wave priority_1`, `attempt 2`), the unit id for units. */
  name: string;
  /** Epoch milliseconds; endMs is never before startMs. */
  startMs: number;
  endMs: number;
  /** OpenTelemetry's three: ok, error (failed, timed out), unset (skipped, cancelled, never ran). */
  status: 'ok' | 'error' | 'unset';
  statusMessage?: string;
  attributes: Record<string, TraceAttribute>;
  children: TraceSpan[];
}

export const TRACE_SERVICE_NAME = 'agent-federation-matrix';

const time = (iso: string | null | undefined): number | undefined => {
  const t = iso ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(t) ? t : undefined;
};

/** Only the attributes that have a value: an unmeasured figure is left out, not sent as 0. */
function attrs(entries: Record<string, TraceAttribute | null | undefined>): Record<string, TraceAttribute> {
  const out: Record<string, TraceAttribute> = {};
  for (const [k, v] of Object.entries(entries)) if (v !== null && v !== undefined && !(typeof v === 'number' && !Number.isFinite(v))) out[k] = v;
  return out;
}

/**
 * How the attempt was isolated, as its measurements tell: only a container's own cgroup gives `cgroup`. Results
 * do not record the isolation itself; an unmeasured attempt (the Node spawn fallback) says nothing.
 */
export function isolationOf(r: Resources | null | undefined): 'docker' | 'process' | undefined {
  if (!r?.source) return undefined;
  return r.source === 'cgroup' ? 'docker' : 'process';
}

function resourceAttrs(r: Resources | null | undefined): Record<string, TraceAttribute | null | undefined> {
  return {
    'matrix.cpu_ms': r?.cpuMs,
    'matrix.cpu.user_ms': r?.userMs,
    'matrix.cpu.system_ms': r?.systemMs,
    'matrix.memory.peak_bytes': r?.peakMemoryBytes,
    'matrix.output_bytes': r?.producedBytes,
    'matrix.resources.source': r?.source,
    'matrix.isolation': isolationOf(r),
  };
}

function span(key: string, name: string, start: number, end: number, status: TraceSpan['status'], attributes: Record<string, TraceAttribute | null | undefined>, statusMessage?: string): TraceSpan {
  return { key, name, startMs: start, endMs: Math.max(start, end), status, ...(statusMessage ? { statusMessage } : {}), attributes: attrs(attributes), children: [] };
}

function attemptSpan(t: TaskResult, a: AttemptResult, last: boolean, fallback: number): TraceSpan {
  const start = time(a.startedAt) ?? fallback;
  const end = time(a.endedAt) ?? start + a.durationMs;
  // The last attempt of a cancelled unit was stopped by the run, not failed by its command.
  const stopped = last && t.status === 'cancelled';
  const ok = a.exitCode === 0 && !a.timedOut && !a.error;
  const why = a.timedOut ? 'timed out' : a.error ? a.error : a.exitCode !== null ? `exit code ${a.exitCode}` : a.signal ? `killed by ${a.signal}` : 'failed';
  return span(`unit/${t.unit}/attempt/${a.attempt}`, `attempt ${a.attempt}`, start, end, ok ? 'ok' : stopped ? 'unset' : 'error', {
    'matrix.unit': t.unit,
    'matrix.attempt': a.attempt,
    'process.exit.code': a.exitCode,
    'matrix.signal': a.signal,
    'matrix.timed_out': a.timedOut,
    'matrix.error': a.error,
    ...resourceAttrs(a.resources),
  }, ok ? undefined : stopped ? 'cancelled' : why);
}

function unitSpan(t: TaskResult, fallback: number): TraceSpan {
  const start = time(t.startedAt) ?? fallback;
  const end = time(t.endedAt) ?? start + (t.startedAt ? t.durationMs : 0);
  const failed = t.status === 'failed' || t.status === 'timed_out';
  const message = failed ? `${statusLabel(t)}${t.exitCode !== null ? `, exit code ${t.exitCode}` : ''}${t.reason ? `: ${t.reason}` : ''}` : t.reason;
  const s = span(`unit/${t.unit}`, t.unit, start, end, t.status === 'passed' ? 'ok' : failed ? 'error' : 'unset', {
    'matrix.unit': t.unit,
    'matrix.task': t.task,
    'matrix.priority': t.priority,
    'matrix.wave.index': t.wave,
    'matrix.module': t.module,
    'matrix.command': t.command,
    'matrix.status': t.status,
    'matrix.allowed': t.allowed,
    'matrix.blocking': t.blocking,
    'matrix.attempts': t.attempts,
    'matrix.max_attempts': t.maxAttempts,
    'matrix.shard.index': t.shard?.index,
    'matrix.shard.total': t.shard?.total,
    'process.exit.code': t.exitCode,
    'matrix.signal': t.signal,
    'matrix.reason': t.reason,
    'matrix.log': t.log,
    ...resourceAttrs(t.resources),
    // A task's source is its first measured attempt's; its isolation is the same for every attempt.
    'matrix.isolation': isolationOf(t.resources) ?? isolationOf(t.attemptDetails.find((a) => a.resources?.source)?.resources),
  }, message);
  const attempts = [...t.attemptDetails].sort((a, b) => a.attempt - b.attempt);
  s.children = attempts.map((a, i) => attemptSpan(t, a, i === attempts.length - 1, start));
  return s;
}

/** A unit of the plan with no result file (a GitHub worker that never uploaded): shown, as the summary counts it. */
function missingUnit(summary: RunSummary, unitId: string, waveIndex: number, at: number): TraceSpan {
  const u = summary.plan.waves[waveIndex]?.units.find((x) => x.id === unitId);
  return span(`unit/${unitId}`, unitId, at, at, 'unset', {
    'matrix.unit': unitId,
    'matrix.task': u?.task,
    'matrix.priority': u?.priority,
    'matrix.wave.index': waveIndex,
    'matrix.module': u?.module,
    'matrix.command': u?.command,
    'matrix.status': 'skipped',
    'matrix.reason': 'no result was recorded for this unit',
  }, 'no result was recorded for this unit');
}

/**
 * The span tree of a run. Setup modules run one after another (setup.ts), so their spans are laid end to end from
 * the run's start by their recorded durations. A wave or unit that never started is a zero-length span where the
 * run had got to (the previous wave's end), so it still shows, with its reason.
 */
export function runTrace(summary: RunSummary, tasks: readonly TaskResult[]): TraceSpan {
  const runStart = time(summary.startedAt) ?? 0;
  const runEnd = time(summary.endedAt) ?? runStart + summary.totalMs;
  const c = summary.counts;
  const res = summary.resources ?? runResources(tasks);
  const root = span('run', 'matrix run', runStart, runEnd, summary.status === 'passed' ? 'ok' : summary.status === 'failed' ? 'error' : 'unset', {
    'federation.run.id': summary.runId,
    'matrix.run.status': summary.status,
    'matrix.config_file': summary.configFile,
    'matrix.units': c.units,
    'matrix.passed': c.passed,
    'matrix.failed': c.failed,
    'matrix.timed_out': c.timedOut,
    'matrix.cancelled': c.cancelled,
    'matrix.skipped': c.skipped,
    'matrix.allowed_failures': c.allowedFailures,
    'matrix.blocking_failures': c.blockingFailures,
    'matrix.setup_ms': summary.setupMs,
    'matrix.execution_ms': summary.executionMs,
    'matrix.critical_path_ms': summary.criticalPathMs,
    'matrix.speedup': summary.speedup,
    'matrix.efficiency': summary.efficiency,
    'matrix.max_agents': summary.maxAgents,
    'matrix.cpu_ms': res.cpuMs,
    'matrix.memory.peak_bytes': res.peakMemoryBytes,
    'matrix.output_bytes': res.producedBytes,
  }, summary.status === 'failed' ? `${c.blockingFailures} blocking failure(s)` : summary.status === 'cancelled' ? 'cancelled' : undefined);

  let cursor = runStart;
  if (summary.setup.length || summary.setupMs > 0) {
    const setup = span('setup', 'setup', runStart, runStart + summary.setupMs, summary.setup.some((s) => s.action === 'failed') ? 'error' : 'ok', { 'matrix.setup.modules': summary.setup.length });
    let at = runStart;
    for (const m of summary.setup) {
      const failed = m.action === 'failed';
      setup.children.push(span(`setup/${m.module}`, 'setup module', at, at + m.durationMs, failed ? 'error' : m.action === 'cancelled' ? 'unset' : 'ok', {
        'matrix.module': m.module,
        'matrix.setup.action': m.action,
        'matrix.setup.lockfile': m.lockfile,
        'matrix.setup.command': m.command,
        'matrix.setup.key': m.key,
        'matrix.error': m.error,
      }, failed ? m.error ?? 'setup failed' : undefined));
      at += m.durationMs;
    }
    if (setup.status === 'error') setup.statusMessage = 'a module failed to set up';
    root.children.push(setup);
    cursor = setup.endMs;
  }

  const byUnit = new Map(tasks.map((t) => [t.unit, t]));
  for (const w of summary.waves) {
    const start = time(w.startedAt) ?? cursor;
    const end = time(w.endedAt) ?? start;
    const planned = summary.plan.waves.find((p) => p.index === w.index)?.units ?? [];
    const results = planned.map((u) => byUnit.get(u.id));
    const blocking = results.some((r) => r?.blocking);
    const ran = w.startedAt !== null;
    const wave = span(`wave/${w.index}`, `wave ${w.priority}`, start, end, blocking ? 'error' : ran ? 'ok' : 'unset', {
      'matrix.wave.index': w.index,
      'matrix.priority': w.priority,
      'matrix.wave.name': w.name,
      'matrix.wave.agents': w.agents,
      'matrix.wave.units': w.units,
      'matrix.wave.passed': w.passed,
      'matrix.wave.failed': w.failed,
      'matrix.wave.skipped': w.skipped,
      'matrix.wave.cancelled': w.cancelled,
      'matrix.wave.stopped': w.stopped,
      'matrix.wave.lower_bound_ms': w.lowerBoundMs,
    }, blocking ? 'a unit failed' : w.stopped ? 'stopped by fail_fast' : undefined);
    wave.children = planned.map((u, i) => {
      const r = results[i];
      return r ? unitSpan(r, start) : missingUnit(summary, u.id, w.index, start);
    });
    root.children.push(wave);
    cursor = Math.max(cursor, wave.endMs);
  }
  return root;
}

/** Every span of the tree, parents before their children. */
export function flattenTrace(root: TraceSpan): TraceSpan[] {
  return [root, ...root.children.flatMap(flattenTrace)];
}

/**
 * The OTLP/HTTP traces URL for an endpoint as a user gives it: one with no path gets the spec's `/v1/traces`, one
 * with a path is used as it is (as OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is). Undefined: not an http(s) URL.
 */
export function otlpTracesUrl(endpoint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) return undefined;
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/traces';
  return url.href;
}

/**
 * Headers in OTEL_EXPORTER_OTLP_HEADERS' format: `key=value,key2=value2`, values percent-decoded. A malformed
 * entry is returned by its position only: header values are often API keys, which no error message may show.
 */
export function parseOtlpHeaders(text: string): { headers: Record<string, string> } | { badEntry: number } {
  const headers: Record<string, string> = {};
  const parts = text.split(',');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = eq > 0 ? part.slice(0, eq).trim() : '';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) return { badEntry: i + 1 };
    try {
      headers[key] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return { badEntry: i + 1 };
    }
  }
  return { headers };
}
