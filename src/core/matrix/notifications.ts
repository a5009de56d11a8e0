// Webhooks told of a run's end (the config's `notifications:` section): which endings each hears of, the JSON it is
// POSTed (with a Slack-compatible `text`), `${env.NAME}` in its URL, and delivery with a timeout and a few retries.
// A notification never fails a run: every problem (a variable not set, no answer, a refusal) comes back as a
// delivery report for the front end to show. URLs carry secrets (a Slack webhook's path is its key), so a report,
// a message or a log only ever shows redactUrl's scheme://host/… form. HTTP goes through the HttpPoster port (the
// Node adapter is src/node/http.ts); waits go through the Timers port, so tests move time by hand.
import { describeError } from '../errors';
import { systemTimers, type Environment, type Timers } from '../ports';
import { sleep } from '../sleep';
import { countsLine } from './summaryText';
import type { RunSummary, TaskResult } from './results';
import type { MatrixNotifications, NotifyOn } from './schema';

/** One POST. Resolves with the answer's status (any status: the caller judges it); rejects when none came. */
export interface HttpPoster {
  post(url: string, body: string, opts: { timeoutMs: number; signal: AbortSignal; headers: Record<string, string> }): Promise<{ status: number }>;
}

export const NOTIFY_DEFAULTS = { on: ['always'] as NotifyOn[], timeoutSeconds: 10, retries: 2 } as const;
/** Waits before retry n (1-based): 1 s, 2 s, 4 s, … at most this. */
export const NOTIFY_MAX_BACKOFF_MS = 8_000;
/** Failed units named in `text` (all of them are in `failed`). */
const TEXT_FAILED_LIMIT = 10;

/** What one webhook's delivery came to, as the CLI's --json and the editor's log show it. */
export interface NotificationDelivery {
  /** Redacted: scheme://host[:port]/… (or the config's text when the URL could not be made). */
  url: string;
  ok: boolean;
  /** The last answer's HTTP status; null when none came. */
  status: number | null;
  /** POSTs made (0 when the URL could not be made). */
  attempts: number;
  error?: string;
}

/** What a webhook is POSTed. Field names are stable (docs/matrix.md). */
export interface NotificationPayload {
  /** Slack's (and Mattermost's, Discord-via-/slack's) message: a summary line, the failed units, the report. */
  text: string;
  source: 'agent-federation';
  version: 1;
  runId: string;
  status: RunSummary['status'];
  configFile: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  counts: RunSummary['counts'];
  /** Units whose failure fails the run (failed or timed out, not allowed). */
  failed: string[];
  /** Where the report is: the GitHub run's page in Actions, else the run folder relative to the repository. */
  report: string | null;
}

const PLACEHOLDER = /\$\{([^}]*)\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why a webhook as written cannot be used, or undefined. Pure: whether its variables are set is the delivery's concern. */
export function webhookProblem(template: string): string | undefined {
  for (const m of template.matchAll(PLACEHOLDER)) {
    const inner = m[1]!;
    if (!inner.startsWith('env.') || !ENV_NAME.test(inner.slice(4))) return `"\${${inner}}" is not a placeholder; write \${env.NAME} for an environment variable`;
  }
  if (/\$\{[^}]*$/.test(template.replace(PLACEHOLDER, ''))) return 'a "${" without its closing "}"';
  // Whatever a variable holds, the written scheme must be http(s) (or come whole from a variable).
  if (!template.startsWith('${') && !/^https?:\/\//i.test(template)) return 'a webhook is an http:// or https:// URL (or ${env.NAME} holding one)';
  return undefined;
}

/** The names of the variables a webhook uses. */
export function webhookVariables(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!.slice(4));
}

/** Every variable the section's webhooks name, once, in order (the workflow maps each to a secret). */
export function notificationVariables(section: MatrixNotifications | undefined): string[] {
  return [...new Set((section?.webhooks ?? []).flatMap(webhookVariables))];
}

/** The URL with every `${env.NAME}` replaced, or the names that are not set (an empty value counts as not set). */
export function expandWebhook(template: string, env: Environment): { url: string; values: string[] } | { missing: string[] } {
  const missing = webhookVariables(template).filter((n) => !env[n]);
  if (missing.length) return { missing: [...new Set(missing)] };
  const values: string[] = [];
  const url = template.replace(PLACEHOLDER, (_, inner: string) => {
    const v = env[inner.slice(4)]!;
    values.push(v);
    return v;
  });
  return { url, values };
}

/** scheme://host[:port], with "/…" when anything followed (a path, a query): never userinfo, path or query. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const rest = (u.pathname !== '' && u.pathname !== '/') || u.search !== '' || u.hash !== '';
    return `${u.protocol}//${u.host}${rest ? '/…' : ''}`;
  } catch {
    return '(not a URL)';
  }
}

/** The config's webhooks as shown when no URL could be made: a placeholder shows no secret, a literal is redacted. */
function shownTemplate(template: string): string {
  const lead = /^\$\{[^}]*\}/.exec(template)?.[0];
  if (lead !== undefined) return lead.length < template.length ? `${lead}…` : lead;
  return redactUrl(template.replace(PLACEHOLDER, 'x'));
}

/** The section's `on` as a list (default always). */
export function notifyOn(section: MatrixNotifications): NotifyOn[] {
  const on = section.on;
  return on === undefined ? [...NOTIFY_DEFAULTS.on] : Array.isArray(on) ? on : [on];
}

/** Whether a run that ended so is told: failure hears of failed runs, success of passed, always of every end. */
export function matchesOn(on: readonly NotifyOn[], status: RunSummary['status']): boolean {
  return on.includes('always') || (status === 'failed' && on.includes('failure')) || (status === 'passed' && on.includes('success'));
}

const ICON: Record<RunSummary['status'], string> = { passed: '✅', failed: '❌', cancelled: '⏹️' };
/** Slack's three control characters in text. */
const slack = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function buildPayload(summary: RunSummary, tasks: readonly TaskResult[], report: string | null): NotificationPayload {
  const failed = tasks.filter((t) => t.blocking).map((t) => t.unit).sort();
  const lines = [`${ICON[summary.status]} Matrix run ${summary.runId} ${summary.status}: ${countsLine(summary)} (${summary.configFile})`];
  if (failed.length) lines.push(`Failed: ${failed.slice(0, TEXT_FAILED_LIMIT).join(', ')}${failed.length > TEXT_FAILED_LIMIT ? `, … and ${failed.length - TEXT_FAILED_LIMIT} more` : ''}`);
  if (report) lines.push(`Report: ${report}`);
  return {
    text: slack(lines.join('\n')),
    source: 'agent-federation',
    version: 1,
    runId: summary.runId,
    status: summary.status,
    configFile: summary.configFile,
    startedAt: summary.startedAt,
    endedAt: summary.endedAt,
    durationMs: summary.totalMs,
    counts: summary.counts,
    failed,
    report,
  };
}

export interface DeliverOptions {
  poster: HttpPoster;
  timers?: Timers;
  timeoutMs: number;
  retries: number;
  /** Stops waiting and retrying (the attempt under way is aborted). */
  signal?: AbortSignal;
}

/** Worth another attempt: no answer, a timeout (status null), too many requests, a server error. */
const retryable = (status: number | null) => status === null || status === 429 || status >= 500;

/**
 * POSTs `body` to `url` until an answer is 2xx, a refusal is final (another 4xx), or the attempts run out. Never
 * rejects. Messages are scrubbed of the URL and of `secrets` (the values put into it).
 */
export async function deliver(url: string, body: string, o: DeliverOptions & { secrets?: readonly string[] }): Promise<NotificationDelivery> {
  const shown = redactUrl(url);
  const scrub = (message: string) => {
    let m = message.split(url).join(shown);
    for (const s of o.secrets ?? []) if (s.length >= 4) m = m.split(s).join('***');
    return m;
  };
  const timers = o.timers ?? systemTimers;
  let status: number | null = null;
  let error: string | undefined;
  let attempts = 0;
  for (let attempt = 1; attempt <= o.retries + 1; attempt++) {
    if (o.signal?.aborted) {
      error = 'cancelled';
      break;
    }
    attempts = attempt;
    const answer = await postOnce(o.poster, url, body, o.timeoutMs, timers, o.signal);
    status = answer.status;
    if (status !== null && status >= 200 && status < 300) return { url: shown, ok: true, status, attempts };
    error = status === null ? scrub(answer.error ?? 'no answer') : `HTTP ${status}`;
    if (!retryable(status) || attempt > o.retries) break;
    await sleep(Math.min(NOTIFY_MAX_BACKOFF_MS, 1000 * 2 ** (attempt - 1)), { timers, signal: o.signal, onAbort: 'resolve' });
  }
  return { url: shown, ok: false, status, attempts, ...(error !== undefined ? { error } : {}) };
}

/** One attempt, bounded by `timeoutMs` whatever the poster does (it is told to abort, and is not waited for). */
async function postOnce(poster: HttpPoster, url: string, body: string, timeoutMs: number, timers: Timers, outer: AbortSignal | undefined): Promise<{ status: number | null; error?: string }> {
  const ac = new AbortController();
  let why: string | undefined;
  let stop: (() => void) | undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const abort = (reason: string) => {
    why ??= reason;
    ac.abort();
    stop!();
  };
  const timer = timers.setTimeout(() => abort(`no answer within ${timeoutMs / 1000} s`), timeoutMs);
  const onOuter = () => abort('cancelled');
  outer?.addEventListener('abort', onOuter, { once: true });
  try {
    const posted = poster.post(url, body, { timeoutMs, signal: ac.signal, headers: { 'content-type': 'application/json', 'user-agent': 'agent-federation' } });
    posted.catch(() => undefined);
    const r = await Promise.race([posted, stopped.then(() => undefined)]);
    if (r === undefined) return { status: null, error: why ?? 'aborted' };
    return { status: r.status };
  } catch (e) {
    return { status: null, error: why ?? describeError(e) };
  } finally {
    timers.clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
  }
}

export interface NotifyRunOptions {
  section: MatrixNotifications | undefined;
  summary: RunSummary;
  tasks: readonly TaskResult[];
  report: string | null;
  env: Environment;
  /** Absent: every webhook is reported undelivered (a front end without HTTP). */
  poster: HttpPoster | undefined;
  timers?: Timers;
  signal?: AbortSignal;
}

/** Tells every webhook the section names (when `on` matches the run's end), all at once; never rejects. */
export async function notifyRun(o: NotifyRunOptions): Promise<NotificationDelivery[]> {
  const section = o.section;
  if (!section || !matchesOn(notifyOn(section), o.summary.status)) return [];
  const body = JSON.stringify(buildPayload(o.summary, o.tasks, o.report));
  const timeoutMs = (section.timeout ?? NOTIFY_DEFAULTS.timeoutSeconds) * 1000;
  const retries = section.retries ?? NOTIFY_DEFAULTS.retries;
  return Promise.all(
    section.webhooks.map(async (template): Promise<NotificationDelivery> => {
      const problem = webhookProblem(template);
      if (problem) return { url: shownTemplate(template), ok: false, status: null, attempts: 0, error: problem };
      const expanded = expandWebhook(template, o.env);
      if ('missing' in expanded) return { url: shownTemplate(template), ok: false, status: null, attempts: 0, error: `environment variable ${expanded.missing.join(', ')} is not set` };
      if (!/^https?:\/\//i.test(expanded.url) || redactUrl(expanded.url) === '(not a URL)') {
        return { url: shownTemplate(template), ok: false, status: null, attempts: 0, error: 'not an http(s) URL once its variables are put in' };
      }
      if (!o.poster) return { url: redactUrl(expanded.url), ok: false, status: null, attempts: 0, error: 'this front end cannot send HTTP requests' };
      return deliver(expanded.url, body, { poster: o.poster, timeoutMs, retries, secrets: expanded.values, ...(o.timers ? { timers: o.timers } : {}), ...(o.signal ? { signal: o.signal } : {}) });
    }),
  );
}

/** One line per delivery, for a terminal or a log. */
export function describeDelivery(d: NotificationDelivery): string {
  return d.ok
    ? `notified ${d.url} (HTTP ${d.status}${d.attempts > 1 ? `, attempt ${d.attempts}` : ''})`
    : `notification to ${d.url} not delivered${d.attempts ? ` after ${d.attempts} attempt(s)` : ''}: ${d.error ?? 'unknown'}`;
}
