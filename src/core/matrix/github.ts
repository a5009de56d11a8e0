// The GitHub Actions REST calls the matrix needs, over Octokit (@octokit/core, its typed `request`), behind small
// ports: a token provider, a clock and a sleep (so tests and the editor decide how waiting happens), and an
// AbortSignal per call. Rate limits are waited out and the call retried, as GitHub documents: `retry-after` when
// given, else `x-ratelimit-reset` when `x-ratelimit-remaining` is 0, else (a secondary limit) at least a minute,
// doubling. Every failure is a GithubApiError with a reason; nothing here looks at message text.
// Octokit is loaded on the first call (require inside a function), never when this module is loaded.
import type { Octokit } from '@octokit/core';
import { FederationError, isFederationError, ErrorReason, describeError } from '../errors';
import { sleep } from '../sleep';

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

/** The token for the API: undefined when the user has none (or declined to sign in). */
export type TokenProvider = () => Promise<string | undefined>;
/** Waits ms, or rejects with a 'cancelled' FederationError when the signal aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export class GithubApiError extends FederationError {
  override readonly name = 'GithubApiError';
  constructor(
    reason: ErrorReason,
    message: string,
    /** The HTTP status GitHub answered, when it answered. */
    readonly status?: number,
    details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(reason, message, { ...details, ...(status !== undefined ? { status } : {}) }, options);
  }
}

export function cancelledError(): FederationError {
  return new FederationError('cancelled', 'Stopped following the GitHub run.', {});
}

/** The default Sleep: a cancel (the signal aborting) rejects with cancelledError, ending whatever was waiting. */
export const sleepOrCancel: Sleep = (ms, signal) => sleep(ms, { signal, onAbort: cancelledError });

export interface RateLimitWait {
  ms: number;
  status: number;
  /** primary: the hourly quota is used up (until x-ratelimit-reset); secondary: GitHub asked to slow down. */
  kind: 'primary' | 'secondary';
}

export interface GithubClientOptions {
  /** https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server. */
  baseUrl?: string;
  owner: string;
  repo: string;
  token: TokenProvider;
  sleep?: Sleep;
  /** Milliseconds since the epoch (x-ratelimit-reset is compared with it). */
  now?: () => number;
  /** Told before every rate-limit wait. */
  onWait?: (wait: RateLimitWait) => void;
  /** A rate limit that needs a longer wait than this fails with 'github-rate-limited' (default 15 minutes). */
  maxWaitMs?: number;
  /** Rate-limited answers in a row before giving up (default 6). */
  maxRetries?: number;
}

export interface WorkflowRunInfo {
  id: number;
  attempt: number;
  name: string | null;
  status: string | null;
  conclusion: string | null;
  htmlUrl: string;
  event: string;
  headBranch: string | null;
  createdAt: string;
  updatedAt: string;
  /** When the latest attempt started (a re-run's own start); null when GitHub does not say. */
  runStartedAt: string | null;
}

export interface JobInfo {
  id: number;
  name: string;
  /** queued | in_progress | completed | waiting | requested | pending */
  status: string;
  /** success | failure | cancelled | skipped | timed_out | neutral | action_required | null while running */
  conclusion: string | null;
  startedAt: string | null;
  completedAt: string | null;
  htmlUrl: string | null;
}

export interface ArtifactInfo {
  id: number;
  name: string;
  /** As GitHub lists it: the download is capped again while it streams, since this may not match. */
  sizeInBytes: number;
  expired: boolean;
  createdAt: string | null;
  /** The run the artifact belongs to; the API does not say which attempt (createdAt tells that apart). */
  workflowRunId: number | null;
}

interface HttpFailure {
  status: number;
  response?: { headers: Record<string, string | number | undefined>; data?: unknown };
}

function httpFailure(e: unknown): HttpFailure | undefined {
  // @octokit/request-error's RequestError; checked by shape so that two copies of the package cannot disagree.
  if (e && typeof e === 'object' && typeof (e as { status?: unknown }).status === 'number' && (e as { name?: unknown }).name === 'HttpError') return e as HttpFailure;
  return undefined;
}

function header(f: HttpFailure, name: string): string | undefined {
  const v = f.response?.headers[name];
  return v === undefined ? undefined : String(v);
}

/** How long to wait before retrying a rate-limited answer, or undefined when the answer is no rate limit. */
export function rateLimitWait(f: HttpFailure, nowMs: number, attempt: number): RateLimitWait | undefined {
  if (f.status !== 403 && f.status !== 429) return undefined;
  const retryAfter = Number(header(f, 'retry-after'));
  if (header(f, 'retry-after') !== undefined && Number.isFinite(retryAfter)) return { ms: Math.max(0, retryAfter) * 1000, status: f.status, kind: 'secondary' };
  if (header(f, 'x-ratelimit-remaining') === '0') {
    const reset = Number(header(f, 'x-ratelimit-reset'));
    // One extra second: the reset time is in whole seconds and clocks differ a little.
    const ms = Number.isFinite(reset) ? Math.max(0, reset * 1000 - nowMs) + 1000 : 60_000;
    return { ms, status: f.status, kind: 'primary' };
  }
  // A 429 without headers is a secondary limit: at least a minute, longer each time. A bare 403 is a refusal.
  if (f.status === 429) return { ms: 60_000 * 2 ** attempt, status: f.status, kind: 'secondary' };
  return undefined;
}

function apiMessage(f: HttpFailure): string {
  const data = f.response?.data;
  if (!data || typeof data !== 'object' || typeof (data as { message?: unknown }).message !== 'string') return `HTTP ${f.status}`;
  const { message, errors } = data as { message: string; errors?: unknown };
  // A 422's "Validation Failed" says what failed only in its errors: a message, or a field and a code.
  const said = (Array.isArray(errors) ? errors : []).map((e: unknown) => {
    if (typeof e === 'string') return e;
    const { message: m, field, code } = (e ?? {}) as { message?: unknown; field?: unknown; code?: unknown };
    return typeof m === 'string' ? m : [field, code].filter((x) => typeof x === 'string').join(' ');
  });
  const details = said.filter(Boolean);
  return details.length ? `${message}: ${details.join('; ')}` : message;
}

export interface CallContext {
  /** What the call does, for messages: "dispatching multi-agent-deploy.yml". */
  what: string;
  /** The message for a 404, which means something different for each call. */
  notFound?: string;
  /** What a 403 asks of the token, when it is not the Actions permission ("Pull requests: write"…). */
  forbidden?: string;
  signal?: AbortSignal;
}

export class GithubActions {
  readonly baseUrl: string;
  readonly owner: string;
  readonly repo: string;
  private octokit: Promise<Octokit> | undefined;
  private readonly sleep: Sleep;
  private readonly now: () => number;

  constructor(private readonly options: GithubClientOptions) {
    this.baseUrl = (options.baseUrl || DEFAULT_GITHUB_API_URL).replace(/\/+$/, '');
    this.owner = options.owner;
    this.repo = options.repo;
    this.sleep = options.sleep ?? sleepOrCancel;
    this.now = options.now ?? Date.now;
  }

  get slug(): string {
    return `${this.owner}/${this.repo}`;
  }

  private client(): Promise<Octokit> {
    return (this.octokit ??= (async () => {
      const token = await this.options.token();
      if (!token) {
        this.octokit = undefined;
        throw new GithubApiError('github-auth', 'No GitHub token: sign in to GitHub (the editor asks), or set GITHUB_TOKEN for the CLI.');
      }
      const { Octokit: OctokitClass } = require('@octokit/core') as typeof import('@octokit/core');
      return new OctokitClass({
        auth: token,
        baseUrl: this.baseUrl,
        userAgent: 'agent-federation',
        log: { debug() {}, info() {}, warn() {}, error() {} },
      });
    })());
  }

  /** One API call, rate limits waited out, failures translated into GithubApiError. */
  async call<T>(ctx: CallContext, fn: (octokit: Octokit, signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
    const octokit = await this.client();
    const maxWait = this.options.maxWaitMs ?? 15 * 60_000;
    const maxRetries = this.options.maxRetries ?? 6;
    for (let attempt = 0; ; attempt++) {
      if (ctx.signal?.aborted) throw cancelledError();
      try {
        return await fn(octokit, ctx.signal);
      } catch (e) {
        if (ctx.signal?.aborted) throw cancelledError();
        const f = httpFailure(e);
        const wait = f && rateLimitWait(f, this.now(), attempt);
        if (!f || !wait) throw this.translate(e, ctx);
        if (wait.ms > maxWait || attempt >= maxRetries) {
          throw new GithubApiError(
            'github-rate-limited',
            `GitHub's rate limit stopped ${ctx.what}: ${wait.kind === 'primary' ? `the hourly quota is used up until ${new Date(this.now() + wait.ms).toLocaleTimeString()}` : 'GitHub keeps asking to slow down'}. Try again later.`,
            f.status,
            { waitMs: wait.ms },
            { cause: e },
          );
        }
        this.options.onWait?.(wait);
        await this.sleep(wait.ms, ctx.signal);
      }
    }
  }

  private translate(e: unknown, ctx: CallContext): FederationError {
    if (isFederationError(e)) return e;
    const f = httpFailure(e);
    // Octokit reports a request that got no answer at all (refused, DNS, TLS, offline) as status 500 without a response.
    if (!f || !f.response) {
      // fetch's TypeError ("fetch failed") carries the system error (ECONNREFUSED, ENOTFOUND…) as its cause.
      let inner: unknown = e;
      while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
      const cause = describeError(inner);
      return new GithubApiError('github-unreachable', `GitHub (${this.baseUrl}) did not answer while ${ctx.what}: ${cause}. Check the network connection (and the API URL setting).`, undefined, { url: this.baseUrl }, { cause: e });
    }
    const msg = apiMessage(f);
    switch (f.status) {
      case 401:
        return new GithubApiError('github-auth', `GitHub refused the token while ${ctx.what} (401 ${msg}): sign in to GitHub again.`, 401, {}, { cause: e });
      case 403:
        return new GithubApiError('github-auth', `GitHub refused ${ctx.what} for ${this.slug} (403 ${msg}): the token needs the "repo" scope (or ${ctx.forbidden ?? 'Actions write permission'} for a fine-grained token).`, 403, {}, { cause: e });
      case 404:
        return new GithubApiError('not-found', ctx.notFound ?? `GitHub answered 404 while ${ctx.what} in ${this.slug}.`, 404, {}, { cause: e });
      case 422:
        return new GithubApiError('invalid-input', `GitHub refused ${ctx.what} (422): ${msg}`, 422, {}, { cause: e });
      default:
        return new GithubApiError('github-error', `GitHub answered ${f.status} while ${ctx.what}: ${msg}`, f.status, {}, { cause: e });
    }
  }

  repoNotFound(): string {
    return `GitHub has no repository ${this.slug}, or the token cannot see it (a private repository needs the "repo" scope).`;
  }

  /** The repository's default branch. */
  async defaultBranch(signal?: AbortSignal): Promise<string> {
    const r = await this.call({ what: `reading ${this.slug}`, notFound: this.repoNotFound(), ...(signal ? { signal } : {}) }, (o, s) =>
      o.request('GET /repos/{owner}/{repo}', { owner: this.owner, repo: this.repo, request: { signal: s } }),
    );
    return r.data.default_branch;
  }

  /**
   * Dispatches the workflow (workflow_dispatch) on a branch or tag. With returnRunDetails GitHub answers the new
   * run's id (200); without it, or where the server does not know the parameter, it answers 204 and the id is
   * found by listing runs.
   */
  async dispatch(workflow: string, ref: string, opts: { inputs?: Record<string, string>; returnRunDetails?: boolean; signal?: AbortSignal } = {}): Promise<{ runId?: number }> {
    const r = await this.call(
      {
        what: `dispatching ${workflow} on ${ref}`,
        notFound: `GitHub has no workflow ${workflow} in ${this.slug} (or the token cannot see the repository): generate it (Generate GitHub Workflow / federation matrix workflow), commit and push it to the default branch.`,
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      (o, s) =>
        o.request('POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', {
          owner: this.owner,
          repo: this.repo,
          workflow_id: workflow,
          ref,
          ...(opts.inputs ? { inputs: opts.inputs } : {}),
          ...(opts.returnRunDetails ? { return_run_details: true } : {}),
          request: { signal: s },
        }),
    );
    const data = (r as { data?: unknown }).data;
    const id = data && typeof data === 'object' ? (data as { workflow_run_id?: unknown }).workflow_run_id : undefined;
    return typeof id === 'number' ? { runId: id } : {};
  }

  /** Runs of the workflow, newest first (one page). */
  async listRuns(workflow: string, filter: { event?: string; branch?: string; perPage?: number; signal?: AbortSignal } = {}): Promise<WorkflowRunInfo[]> {
    const r = await this.call({ what: `listing the runs of ${workflow}`, notFound: `GitHub has no workflow ${workflow} in ${this.slug}.`, ...(filter.signal ? { signal: filter.signal } : {}) }, (o, s) =>
      o.request('GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs', {
        owner: this.owner,
        repo: this.repo,
        workflow_id: workflow,
        ...(filter.event ? { event: filter.event } : {}),
        ...(filter.branch ? { branch: filter.branch } : {}),
        per_page: filter.perPage ?? 30,
        request: { signal: s },
      }),
    );
    return r.data.workflow_runs.map(runInfo);
  }

  async getRun(runId: number, signal?: AbortSignal): Promise<WorkflowRunInfo> {
    const r = await this.call({ what: `reading run ${runId}`, notFound: `GitHub has no run ${runId} in ${this.slug} (deleted?).`, ...(signal ? { signal } : {}) }, (o, s) =>
      o.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}', { owner: this.owner, repo: this.repo, run_id: runId, request: { signal: s } }),
    );
    return runInfo(r.data);
  }

  /** Every job of the run's latest attempt (all pages). */
  async listJobs(runId: number, signal?: AbortSignal): Promise<JobInfo[]> {
    const jobs: JobInfo[] = [];
    for (let page = 1; page <= 50; page++) {
      const r = await this.call({ what: `listing the jobs of run ${runId}`, notFound: `GitHub has no run ${runId} in ${this.slug}.`, ...(signal ? { signal } : {}) }, (o, s) =>
        o.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs', { owner: this.owner, repo: this.repo, run_id: runId, filter: 'latest', per_page: 100, page, request: { signal: s } }),
      );
      for (const j of r.data.jobs) {
        jobs.push({ id: Number(j.id), name: j.name, status: j.status, conclusion: j.conclusion ?? null, startedAt: j.started_at ?? null, completedAt: j.completed_at ?? null, htmlUrl: j.html_url ?? null });
      }
      if (r.data.jobs.length < 100 || jobs.length >= r.data.total_count) break;
    }
    return jobs;
  }

  /** The run's artifacts (all pages, or the ones with this exact name). */
  async listArtifacts(runId: number, opts: { name?: string; signal?: AbortSignal } = {}): Promise<ArtifactInfo[]> {
    const out: ArtifactInfo[] = [];
    for (let page = 1; page <= 20; page++) {
      const r = await this.call({ what: `listing the artifacts of run ${runId}`, notFound: `GitHub has no run ${runId} in ${this.slug}.`, ...(opts.signal ? { signal: opts.signal } : {}) }, (o, s) =>
        o.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts', {
          owner: this.owner,
          repo: this.repo,
          run_id: runId,
          ...(opts.name ? { name: opts.name } : {}),
          per_page: 100,
          page,
          request: { signal: s },
        }),
      );
      for (const a of r.data.artifacts) {
        out.push({
          id: Number(a.id),
          name: a.name,
          sizeInBytes: a.size_in_bytes,
          expired: a.expired,
          createdAt: a.created_at ?? null,
          workflowRunId: a.workflow_run?.id != null ? Number(a.workflow_run.id) : null,
        });
      }
      if (r.data.artifacts.length < 100 || out.length >= r.data.total_count) break;
    }
    return out;
  }

  /**
   * The artifact's zip archive. GitHub answers 302 to a short-lived URL; fetch follows it (and drops the token on
   * a cross-origin hop). With maxBytes the body is streamed and the download stops, as 'too-large', once it grows
   * past the limit: the listed size is checked by callers first, but the bytes that come are what count.
   */
  async downloadArtifact(artifactId: number, opts: { signal?: AbortSignal; maxBytes?: number } = {}): Promise<Uint8Array> {
    const { signal, maxBytes } = opts;
    return this.call({ what: `downloading artifact ${artifactId}`, notFound: `GitHub has no artifact ${artifactId} in ${this.slug} (expired?).`, ...(signal ? { signal } : {}) }, async (o, s) => {
      const r = await o.request('GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}', {
        owner: this.owner,
        repo: this.repo,
        artifact_id: artifactId,
        archive_format: 'zip',
        request: { signal: s, ...(maxBytes !== undefined ? { parseSuccessResponseBody: false } : {}) },
      });
      const data: unknown = r.data;
      if (data instanceof ArrayBuffer) return new Uint8Array(data);
      if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (maxBytes !== undefined && isByteStream(data)) return readCapped(data, maxBytes, artifactId, Number(r.headers['content-length']));
      throw new GithubApiError('github-error', `downloading artifact ${artifactId}: expected a zip archive, got ${typeof data === 'string' ? 'text' : typeof data}`, r.status);
    });
  }

  /** Asks GitHub to cancel the run (202). */
  async cancelRun(runId: number, signal?: AbortSignal): Promise<void> {
    await this.call({ what: `cancelling run ${runId}`, notFound: `GitHub has no run ${runId} in ${this.slug}.`, ...(signal ? { signal } : {}) }, (o, s) =>
      o.request('POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel', { owner: this.owner, repo: this.repo, run_id: runId, request: { signal: s } }),
    );
  }
}

function isByteStream(v: unknown): v is ReadableStream<Uint8Array> {
  return !!v && typeof v === 'object' && typeof (v as { getReader?: unknown }).getReader === 'function';
}

export function tooLarge(artifactId: number, limit: number, size?: number): FederationError {
  const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
  return new FederationError('too-large', `artifact ${artifactId} is ${size !== undefined ? mib(size) : 'larger than that'}, over the ${mib(limit)} limit`, {
    artifactId,
    limit,
    ...(size !== undefined ? { size } : {}),
  });
}

/** The stream's bytes, or 'too-large' as soon as they pass maxBytes (the rest is not read). */
async function readCapped(body: ReadableStream<Uint8Array>, maxBytes: number, artifactId: number, contentLength: number): Promise<Uint8Array> {
  const reader = body.getReader();
  try {
    if (Number.isFinite(contentLength) && contentLength > maxBytes) throw tooLarge(artifactId, maxBytes, contentLength);
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw tooLarge(artifactId, maxBytes);
      chunks.push(value);
    }
    return Buffer.concat(chunks, total);
  } catch (e) {
    // Closes the connection instead of leaving the rest of the body unread.
    await reader.cancel().catch(() => undefined);
    throw e;
  }
}

function runInfo(r: { id: number | bigint; run_attempt?: number; name?: string | null; status: string | null; conclusion: string | null; html_url: string; event: string; head_branch: string | null; created_at: string; updated_at: string; run_started_at?: string | null }): WorkflowRunInfo {
  return {
    id: Number(r.id),
    attempt: r.run_attempt ?? 1,
    name: r.name ?? null,
    status: r.status,
    conclusion: r.conclusion,
    htmlUrl: r.html_url,
    event: r.event,
    headBranch: r.head_branch,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    runStartedAt: r.run_started_at ?? null,
  };
}
