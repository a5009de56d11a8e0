// Start Run on GitHub: the real Octokit client against a local server that answers the API calls with GitHub's
// documented shapes: dispatch, find the run, follow the jobs (with a rate-limited answer waited out), fetch the
// report artifact through its 302 redirect, unzip and parse it; failures, cancel and the typed errors.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FederationError } from '../../../src/core/errors';
import { cancelledError, GithubActions, GithubApiError, rateLimitWait } from '../../../src/core/matrix/github';
import { githubRunId, parseGithubRunId, resumeGithubRun, runOnGithub, saveGithubReport, unitsFromJobs, GithubRunEvent } from '../../../src/core/matrix/githubRun';
import { readZip } from '../../../src/core/matrix/githubZip';
import { parseRemoteUrl, parseRepoSlug, remoteUrl, currentBranch, resolveRepo } from '../../../src/core/matrix/githubRemote';
import { planMatrix, MatrixPlan } from '../../../src/core/matrix/plan';
import { listRuns, readRun, summarizeRun, TaskResult } from '../../../src/core/matrix/results';
import { renderJsonReport } from '../../../src/core/matrix/report';
import { main } from '../../../src/cli/main';
import { sleep } from '../../../src/core/sleep';
import { FakeClock } from '../../helpers/fakeClock';
import { FakeGithub, makeZip, startFakeGithub } from '../../helpers/fakeGithub';
import { config, simpleConfig } from './helpers';
import { nodeFileSystem } from '../../../src/node/fs';

const RUN = 4242;
const RUN_ID = githubRunId({ id: RUN, attempt: 1 });

function demoPlan(): MatrixPlan {
  return planMatrix(config(simpleConfig([['lint', 'types'], ['test']])), { configFile: '.github/multi-agent-config.yml' });
}

function result(plan: MatrixPlan, unit: string, status: TaskResult['status'], runId = RUN_ID): TaskResult {
  const wave = plan.waves.find((w) => w.units.some((u) => u.id === unit))!;
  const u = wave.units.find((x) => x.id === unit)!;
  return {
    version: 1, runId, unit, task: u.task, shard: null, priority: u.priority, wave: wave.index, module: u.module, command: u.command,
    status, allowed: null, blocking: status !== 'passed', exitCode: status === 'passed' ? 0 : 1, signal: null, attempts: 1, maxAttempts: 1,
    startedAt: '2026-01-01T10:01:00.000Z', endedAt: '2026-01-01T10:01:02.000Z', durationMs: 2000,
    log: `.federation/runs/${runId}/logs/${unit}.log`, artifacts: [], attemptDetails: [],
  };
}

/** The report job's artifact, as `federation matrix report --format json/md` writes it. */
function reportZip(plan: MatrixPlan, failing?: string, runId = RUN_ID): { zip: Buffer; tasks: TaskResult[] } {
  const tasks = ['lint', 'types', 'test'].map((u) => result(plan, u, u === failing ? 'failed' : 'passed', runId));
  const summary = summarizeRun({ runId, plan, results: tasks });
  return { zip: makeZip({ 'matrix-report.md': '# Matrix run\n', 'matrix-report.json': renderJsonReport(summary, tasks) }), tasks };
}

const jobs = (failing?: string) => [
  { name: 'Leader: plan the matrix', states: [{ status: 'completed' as const }] },
  { name: 'Priority 1 (lint)', states: [{ status: 'in_progress' as const }, { status: 'completed' as const }] },
  { name: 'Priority 1 (types)', states: [{ status: 'queued' as const }, { status: 'completed' as const, conclusion: failing === 'types' ? 'failure' : 'success' }] },
  { name: 'Priority 2 (test)', states: [{ status: 'queued' as const }, { status: 'queued' as const }, { status: 'completed' as const }] },
  { name: 'Leader: report', states: [{ status: 'queued' as const }, { status: 'queued' as const }, { status: 'completed' as const }] },
];

describe('matrix on GitHub (real Octokit against a local API server)', function () {
  this.timeout(20_000);
  let server: FakeGithub | undefined;
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'fed-gh-'));
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    rmSync(tmp, { recursive: true, force: true });
  });

  function client(extra: Partial<ConstructorParameters<typeof GithubActions>[0]> = {}): { api: GithubActions; waits: number[] } {
    const waits: number[] = [];
    const api = new GithubActions({
      baseUrl: server!.url, owner: 'octo', repo: 'demo', token: async () => 'test-token',
      // Waits are recorded, not slept: the test checks how long the client would have waited.
      sleep: async (ms, signal) => {
        waits.push(ms);
        if (signal?.aborted) throw new FederationError('cancelled', 'cancelled');
      },
      ...extra,
    });
    return { api, waits };
  }

  it('dispatches, follows the jobs, waits out a rate limit, fetches the report through the 302 and saves it', async () => {
    const plan = demoPlan();
    const { zip } = reportZip(plan);
    const now = Date.UTC(2026, 0, 1, 10, 0, 0);
    server = await startFakeGithub({
      runId: RUN, pollsUntilDone: 2, jobs: jobs(),
      rateLimitJobsOnce: { resetInSeconds: 30, nowMs: now },
      retryAfterOnce: 2,
      artifacts: {
        'matrix-plan': makeZip({ 'plan.json': JSON.stringify(plan) }),
        'matrix-report': zip,
        'matrix-result-lint': makeZip({ 'tasks/lint.json': '{}', 'logs/lint.log': '=== lint attempt 1/1\nok\n' }),
      },
    });
    const rateWaits: number[] = [];
    const { api, waits } = client({ now: () => now, onWait: (w) => rateWaits.push(w.ms) });
    const events: GithubRunEvent[] = [];
    const live: { running: string[]; done: string[] }[] = [];
    const outcome = await runOnGithub({
      api, ref: 'main', pollMs: 10,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'progress') {
          const u = unitsFromJobs(plan, e.jobs, RUN_ID);
          live.push({ running: [...u.running], done: u.results.map((r) => `${r.unit}:${r.status}`) });
        }
      },
    });

    // Dispatch: the documented body, with the token.
    const dispatch = server.requests.find((r) => r.method === 'POST')!;
    assert.equal(dispatch.url, '/repos/octo/demo/actions/workflows/multi-agent-deploy.yml/dispatches');
    assert.deepEqual(JSON.parse(dispatch.body), { ref: 'main' });
    assert.equal(dispatch.auth, 'token test-token');
    assert.equal(outcome.runId, RUN_ID);
    assert.equal(outcome.status, 'passed');
    assert.deepEqual(events.filter((e) => e.type !== 'progress').map((e) => e.type), ['dispatched', 'run-found', 'run-completed', 'report']);

    // The 429 with retry-after: 2 and the 403 with x-ratelimit-remaining 0 (reset in 30 s) were waited out and retried.
    assert.deepEqual(rateWaits, [2000, 31_000]);
    assert.ok(waits.includes(2000) && waits.includes(31_000), `waits ${waits.join(', ')}`);
    const statuses = server.requests.filter((r) => r.url.startsWith(`/repos/octo/demo/actions/runs/${RUN}/jobs`)).map((r) => r.status);
    assert.deepEqual(statuses.slice(0, 2), [403, 200], 'the rate-limited jobs list was asked again');
    assert.equal(server.requests.filter((r) => r.url === `/repos/octo/demo/actions/runs/${RUN}` && r.status === 429).length, 1);

    // The view saw the run in progress: running units first, finished ones later.
    assert.deepEqual(live[0], { running: ['lint'], done: [] });
    assert.deepEqual(live.at(-1)!.done.sort(), ['lint:passed', 'test:passed', 'types:passed']);

    // The report came through the redirect (to /blobs/… on the same server), unzipped and parsed.
    const blob = server.requests.find((r) => /^\/blobs\/\d+\/matrix-report$/.test(r.url) && r.status === 200);
    // On the same origin the header follows the redirect, so the recorder sees it when it is sent (the
    // cross-origin test relies on that).
    assert.equal(blob?.auth, 'token test-token');
    assert.ok(server.requests.some((r) => /\/actions\/artifacts\/\d+\/zip$/.test(r.url) && r.status === 302));
    assert.ok(outcome.report);
    assert.equal(outcome.report.summary.runId, RUN_ID);
    assert.equal(outcome.report.summary.counts.passed, 3);
    assert.equal(outcome.report.markdown, '# Matrix run\n');
    assert.equal(outcome.logs.get('lint'), '=== lint attempt 1/1\nok\n');

    // Saved like a local run: listed, readable, with the log that came back.
    await saveGithubReport(nodeFileSystem, tmp, outcome.report, outcome.logs);
    const runs = await listRuns(nodeFileSystem, tmp);
    assert.deepEqual(runs.map((r) => [r.runId, r.status]), [[RUN_ID, 'passed']]);
    const back = await readRun(nodeFileSystem, tmp, RUN_ID);
    assert.equal(back.tasks.length, 3);
    const lint = back.tasks.find((t) => t.unit === 'lint')!;
    assert.equal(readFileSync(path.join(tmp, lint.log!), 'utf8'), '=== lint attempt 1/1\nok\n');
    assert.equal(back.tasks.find((t) => t.unit === 'test')!.log, null, 'no log came back for test: none is claimed');
  });

  it('a failing job shows as failed while the run goes on, and the run and report say failed', async () => {
    const plan = demoPlan();
    server = await startFakeGithub({ runId: RUN, pollsUntilDone: 2, conclusion: 'failure', jobs: jobs('types'), artifacts: { 'matrix-report': reportZip(plan, 'types').zip } });
    const { api } = client();
    const seen: TaskResult[][] = [];
    const outcome = await runOnGithub({ api, ref: 'main', pollMs: 5, fetchLogs: false, onEvent: (e) => e.type === 'progress' && seen.push(unitsFromJobs(plan, e.jobs, RUN_ID).results) });
    const types = seen.at(-1)!.find((r) => r.unit === 'types')!;
    assert.equal(types.status, 'failed');
    assert.equal(types.blocking, true);
    assert.equal(seen.at(-1)!.find((r) => r.unit === 'lint')!.status, 'passed');
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.report!.summary.status, 'failed');
    assert.equal(outcome.report!.tasks.find((t) => t.unit === 'types')!.status, 'failed');
  });

  it('return_run_details: the run id comes from the dispatch answer (200), no run list needed', async () => {
    server = await startFakeGithub({ runId: RUN, pollsUntilDone: 0, jobs: [], artifacts: { 'matrix-report': reportZip(demoPlan()).zip } });
    const { api } = client();
    const outcome = await runOnGithub({ api, ref: 'main', pollMs: 5, returnRunDetails: true, fetchLogs: false });
    assert.equal(outcome.run.id, RUN);
    assert.equal(JSON.parse(server.requests.find((r) => r.method === 'POST')!.body).return_run_details, true);
    assert.ok(!server.requests.some((r) => r.url.includes('/workflows/multi-agent-deploy.yml/runs')));
  });

  it('cancel (AbortSignal) stops polling: the promise rejects as cancelled and no request follows', async () => {
    server = await startFakeGithub({ runId: RUN, neverEnds: true, jobs: jobs() });
    const real = new GithubActions({ baseUrl: server.url, owner: 'octo', repo: 'demo', token: async () => 'test-token' });
    // The polls wait on a manual clock, and the calls are counted as they start and end: "no request follows the
    // cancel" is then checked as nothing left that could send one (no poll waiting, no call under way), not as a
    // quiet moment of real time.
    const clock = new FakeClock();
    let underWay = 0;
    const api = new Proxy(real, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          underWay++;
          return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args).finally(() => underWay--);
        };
      },
    });
    const abort = new AbortController();
    let progress = 0;
    const running = runOnGithub({
      api, ref: 'main', pollMs: 20, signal: abort.signal,
      sleep: (ms, signal) => sleep(ms, { timers: clock, signal, onAbort: cancelledError }),
      onEvent: (e) => {
        if (e.type === 'progress' && ++progress === 3) abort.abort();
      },
    });
    await assert.rejects(clock.run(running), (e: unknown) => e instanceof FederationError && e.reason === 'cancelled');
    const count = server.requests.length;
    assert.equal(underWay, 0, 'no call under way after the cancel');
    assert.equal(clock.timers, 0, 'no poll waiting after the cancel');
    clock.advance(60_000);
    await new Promise((r) => setImmediate(r));
    assert.equal(server.requests.length, count, 'no request after the cancel');
    assert.equal(progress, 3);
  });

  it('typed errors: no token, a missing workflow (404), a refused token (401), no network', async () => {
    server = await startFakeGithub({ noWorkflow: true });
    const noToken = new GithubActions({ baseUrl: server.url, owner: 'octo', repo: 'demo', token: async () => undefined });
    await assert.rejects(runOnGithub({ api: noToken, ref: 'main' }), (e: unknown) => e instanceof GithubApiError && e.reason === 'github-auth');
    assert.equal(server.requests.length, 0, 'nothing is sent without a token');

    const { api } = client();
    await assert.rejects(runOnGithub({ api, ref: 'main' }), (e: unknown) => e instanceof GithubApiError && e.reason === 'not-found' && e.status === 404 && /multi-agent-deploy\.yml/.test(e.message));

    const badToken = new GithubActions({ baseUrl: server.url, owner: 'octo', repo: 'demo', token: async () => 'wrong' });
    await assert.rejects(runOnGithub({ api: badToken, ref: 'main' }), (e: unknown) => e instanceof GithubApiError && e.reason === 'github-auth' && e.status === 401);

    const url = server.url;
    await server.close();
    server = undefined;
    const offline = new GithubActions({ baseUrl: url, owner: 'octo', repo: 'demo', token: async () => 'test-token' });
    await assert.rejects(runOnGithub({ api: offline, ref: 'main' }), (e: unknown) => e instanceof GithubApiError && e.reason === 'github-unreachable');
  });

  it('a rate limit longer than the allowed wait fails as github-rate-limited', async () => {
    server = await startFakeGithub({ runId: RUN, jobs: jobs(), rateLimitJobsOnce: { resetInSeconds: 3600 } });
    const { api, waits } = client({ maxWaitMs: 60_000 });
    await assert.rejects(runOnGithub({ api, ref: 'main', pollMs: 5 }), (e: unknown) => e instanceof GithubApiError && e.reason === 'github-rate-limited' && e.status === 403);
    assert.ok(!waits.some((w) => w > 60_000), 'it did not sit out the hour');
    const f = { status: 403, response: { headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '2000' } } };
    assert.deepEqual(rateLimitWait(f, 1_000_000, 0), { ms: 1_001_000, status: 403, kind: 'primary' });
    assert.equal(rateLimitWait({ status: 403, response: { headers: {} } }, 0, 0), undefined, 'a bare 403 is a refusal, not a limit');
    assert.equal(rateLimitWait({ status: 429, response: { headers: {} } }, 0, 2)!.ms, 240_000);
  });

  it('a re-run: the report artifact of the followed attempt is taken, not the earlier attempt\'s of the same name', async () => {
    const plan = demoPlan();
    const attempt2 = githubRunId({ id: RUN, attempt: 2 });
    server = await startFakeGithub({
      runId: RUN, runAttempt: 2, runStartedAt: '2026-01-01T11:00:00Z', pollsUntilDone: 0, jobs: [],
      // Attempt 1's report is listed first, as the old lookup (the first one not expired) would take it.
      moreArtifacts: [{ name: 'matrix-report', zip: reportZip(plan, 'types', RUN_ID).zip, createdAt: '2026-01-01T10:04:00Z' }],
      artifacts: { 'matrix-report': reportZip(plan, undefined, attempt2).zip },
      artifactCreatedAt: { 'matrix-report': '2026-01-01T11:04:00Z' },
    });
    const { api } = client();
    const outcome = await runOnGithub({ api, ref: 'main', pollMs: 5, fetchLogs: false });
    assert.equal(outcome.runId, attempt2);
    assert.equal(outcome.report?.summary.runId, attempt2);
    assert.ok(!server.requests.some((r) => r.url === '/repos/octo/demo/actions/artifacts/700/zip'), 'attempt 1\'s report is not downloaded');
  });

  it('a report of another run id is refused (reportProblem) and nothing is saved for either run', async () => {
    const root = path.join(tmp, 'ws');
    mkdirSync(path.join(root, '.github'), { recursive: true });
    writeFileSync(path.join(root, '.github', 'multi-agent-config.yml'), simpleConfig([['lint', 'types'], ['test']]));
    const attempt2 = githubRunId({ id: RUN, attempt: 2 });
    // The artifact is dated after the attempt started, so only the report's own run id tells it is attempt 1's.
    const fake = () => startFakeGithub({ runId: RUN, runAttempt: 2, pollsUntilDone: 0, jobs: [], artifacts: { 'matrix-report': reportZip(demoPlan(), undefined, RUN_ID).zip } });
    server = await fake();
    const { api } = client();
    const events: GithubRunEvent[] = [];
    const outcome = await runOnGithub({ api, ref: 'main', pollMs: 5, fetchLogs: false, onEvent: (e) => events.push(e) });
    assert.equal(outcome.runId, attempt2);
    assert.equal(outcome.report, null);
    assert.ok(outcome.reportProblem?.includes(RUN_ID), outcome.reportProblem);
    const reported = events.find((e) => e.type === 'report');
    assert.ok(reported?.type === 'report' && reported.report === null && reported.problem === outcome.reportProblem);

    await server.close();
    server = await fake();

    const out: string[] = [];
    const saved = process.env['GITHUB_TOKEN'];
    process.env['GITHUB_TOKEN'] = 'test-token';
    try {
      await main(['matrix', 'github-run', '--repo', 'octo/demo', '--ref', 'main', '--api-url', server.url, '--poll', '0.01', '--json'], { out: (t) => out.push(t), err: () => undefined, cwd: root });
    } finally {
      if (saved === undefined) delete process.env['GITHUB_TOKEN'];
      else process.env['GITHUB_TOKEN'] = saved;
    }
    const json = JSON.parse(out.join('\n'));
    assert.equal(json.report, null);
    assert.equal(json.dir, null);
    assert.ok(!existsSync(path.join(root, '.federation', 'runs', RUN_ID)), 'attempt 1\'s folder is not written');
  });

  it('size limits: a report or log listed over its limit is not downloaded; one whose bytes pass the limit is dropped', async () => {
    const plan = demoPlan();
    const report = reportZip(plan).zip;
    // Stored (not deflated) logs, so that the archive sizes follow the text sizes.
    const logZip = (unit: string, n: number) => makeZip({ [`logs/${unit}.log`]: 'x'.repeat(n) }, { store: true });
    server = await startFakeGithub({
      runId: RUN, pollsUntilDone: 0, jobs: [], noContentLength: true,
      artifacts: {
        'matrix-report': report,
        'matrix-result-lint': logZip('lint', 300),
        'matrix-result-types': logZip('types', 2000),
        'matrix-result-test': logZip('test', 1500),
        'matrix-result-e2e': logZip('e2e', 300),
      },
      // test's listing says 100 bytes: only the streamed bytes show it is 1.5 kB.
      listedSizes: { 'matrix-result-test': 100 },
    });
    const { api } = client();
    const outcome = await runOnGithub({ api, ref: 'main', pollMs: 5, limits: { report: report.length, log: 1000, logsTotal: 1500 } });
    assert.ok(outcome.report, outcome.reportProblem);
    assert.deepEqual([...outcome.logs.keys()], ['lint']);
    assert.deepEqual(outcome.skippedLogs.map((l) => [l.unit, l.kind]), [['types', 'too-large'], ['test', 'too-large'], ['e2e', 'over-total']]);
    const downloads = server.requests.filter((r) => /\/actions\/artifacts\/\d+\/zip$/.test(r.url)).map((r) => Number(/(\d+)\/zip$/.exec(r.url)![1]));
    // 700 report, 701 lint, 702 types (listed too large), 703 test (lies), 704 e2e (after test, the total is used up).
    assert.deepEqual(downloads, [700, 701, 703]);

    // The report: listed over the limit → not downloaded; listed under it but bigger → dropped while streaming.
    await server.close();
    server = await startFakeGithub({ runId: RUN, pollsUntilDone: 0, jobs: [], artifacts: { 'matrix-report': report } });
    let r = await runOnGithub({ api: client().api, ref: 'main', pollMs: 5, fetchLogs: false, limits: { report: report.length - 1 } });
    assert.equal(r.report, null);
    assert.match(r.reportProblem ?? '', /limit/);
    assert.ok(!server.requests.some((q) => q.url.endsWith('/zip')), 'not downloaded');
    await server.close();
    server = await startFakeGithub({ runId: RUN, pollsUntilDone: 0, jobs: [], artifacts: { 'matrix-report': report }, listedSizes: { 'matrix-report': 10 } });
    r = await runOnGithub({ api: client().api, ref: 'main', pollMs: 5, fetchLogs: false, limits: { report: report.length - 1 } });
    assert.equal(r.report, null);
    assert.ok(r.reportProblem);
    await assert.rejects(client().api.downloadArtifact(700, { maxBytes: 10 }), (e: unknown) => e instanceof FederationError && e.reason === 'too-large');
  });

  it('a rate limit on one log download stops the log downloads (no wait per artifact); the report stands', async () => {
    server = await startFakeGithub({
      runId: RUN, pollsUntilDone: 0, jobs: [], rateLimitResultDownloads: true,
      artifacts: {
        'matrix-report': reportZip(demoPlan()).zip,
        'matrix-result-lint': makeZip({ 'logs/lint.log': 'a' }),
        'matrix-result-types': makeZip({ 'logs/types.log': 'b' }),
        'matrix-result-test': makeZip({ 'logs/test.log': 'c' }),
      },
    });
    const { api } = client();
    const outcome = await runOnGithub({ api, ref: 'main', pollMs: 5 });
    assert.ok(outcome.report);
    assert.equal(server.requests.filter((r) => r.url.endsWith('/zip') && r.status === 403).length, 1, 'one rate-limited download, then none');
    assert.equal(outcome.logs.size, 0);
    assert.deepEqual(outcome.skippedLogs.map((l) => [l.unit, l.kind]), [['lint', 'rate-limited'], ['types', 'rate-limited'], ['test', 'rate-limited']]);
  });

  it('a download redirected to another origin (the storage URL) does not carry the token there', async () => {
    server = await startFakeGithub({ runId: RUN, pollsUntilDone: 0, jobs: [], crossOriginDownloads: true, artifacts: { 'matrix-report': reportZip(demoPlan()).zip } });
    assert.notEqual(new URL(server.storageUrl).origin, new URL(server.url).origin);
    const { api } = client();
    const outcome = await runOnGithub({ api, ref: 'main', pollMs: 5, fetchLogs: false });
    assert.ok(outcome.report, outcome.reportProblem);
    const zip = server.requests.find((r) => r.server === 'api' && r.url.endsWith('/zip'))!;
    assert.equal(zip.status, 302);
    assert.equal(zip.auth, 'token test-token');
    const blob = server.requests.filter((r) => r.server === 'storage');
    assert.equal(blob.length, 1);
    assert.equal(blob[0]!.status, 200);
    assert.equal(blob[0]!.auth, undefined, 'no Authorization header on the other origin');
  });

  it('takes up a run started earlier from its run id: no dispatch, follows it to the end, fetches its report', async () => {
    server = await startFakeGithub({ runId: RUN, pollsUntilDone: 2, jobs: jobs(), artifacts: { 'matrix-report': reportZip(demoPlan()).zip } });
    const { api } = client();
    const events: string[] = [];
    const outcome = await resumeGithubRun({ api, pollMs: 5, fetchLogs: false, onEvent: (e) => events.push(e.type) }, RUN_ID);
    assert.equal(outcome.runId, RUN_ID);
    assert.equal(outcome.status, 'passed');
    assert.equal(outcome.report?.summary.runId, RUN_ID);
    assert.equal(events[0], 'run-found');
    assert.ok(events.filter((e) => e === 'progress').length >= 2, events.join(','));
    assert.ok(!server.requests.some((r) => r.method === 'POST'), 'nothing was dispatched');
    assert.ok(!server.requests.some((r) => /\/workflows\/[^/]+\/runs/.test(r.url)), 'no run list: the run is known by its id');
  });

  it('taking up a run re-run on GitHub since follows its newest attempt, and the outcome says which', async () => {
    const attempt2 = githubRunId({ id: RUN, attempt: 2 });
    server = await startFakeGithub({ runId: RUN, runAttempt: 2, runStartedAt: '2026-01-01T11:00:00Z', pollsUntilDone: 0, jobs: [], artifacts: { 'matrix-report': reportZip(demoPlan(), undefined, attempt2).zip }, artifactCreatedAt: { 'matrix-report': '2026-01-01T11:04:00Z' } });
    const { api } = client();
    const outcome = await resumeGithubRun({ api, pollMs: 5, fetchLogs: false }, RUN_ID);
    assert.equal(outcome.runId, attempt2);
    assert.equal(outcome.report?.summary.runId, attempt2);
  });

  it('taking up a run: an id that is not gh-<id>-<attempt> is invalid-input, and GitHub is not asked', async () => {
    server = await startFakeGithub({ runId: RUN });
    const { api } = client();
    for (const bad of ['20261121-local', 'gh-12', 'gh-x-1', 'gh-1-1-1']) {
      const err = await resumeGithubRun({ api }, bad).then(() => assert.fail(`accepted ${bad}`), (e: unknown) => e);
      assert.ok(err instanceof FederationError && err.reason === 'invalid-input', String(err));
    }
    assert.equal(server.requests.length, 0);
    assert.deepEqual(parseGithubRunId('gh-4242-3'), { id: 4242, attempt: 3 });
  });

  it('federation matrix github-run --run gh-ID-ATTEMPT takes up a run (no dispatch); a bad id or --ref with it is a usage error', async () => {
    const root = path.join(tmp, 'ws');
    mkdirSync(path.join(root, '.github'), { recursive: true });
    writeFileSync(path.join(root, '.github', 'multi-agent-config.yml'), simpleConfig([['lint', 'types'], ['test']]));
    server = await startFakeGithub({ runId: RUN, pollsUntilDone: 1, jobs: jobs(), artifacts: { 'matrix-report': reportZip(demoPlan()).zip } });
    const run = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const saved = process.env['GITHUB_TOKEN'];
      process.env['GITHUB_TOKEN'] = 'test-token';
      try {
        const code = await main(['matrix', 'github-run', '--repo', 'octo/demo', '--api-url', server!.url, '--poll', '0.01', ...args], { out: (x) => out.push(x), err: (x) => err.push(x), cwd: root });
        return { code, out: out.join('\n'), err: err.join('\n') };
      } finally {
        if (saved === undefined) delete process.env['GITHUB_TOKEN'];
        else process.env['GITHUB_TOKEN'] = saved;
      }
    };
    const ok = await run('--run', RUN_ID, '--json');
    assert.equal(ok.code, 0, ok.err);
    assert.equal(JSON.parse(ok.out).runId, RUN_ID);
    assert.ok(existsSync(path.join(root, '.federation', 'runs', RUN_ID, 'summary.json')));
    assert.ok(!server.requests.some((r) => r.method === 'POST'), 'nothing was dispatched');
    const bad = await run('--run', 'latest');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--run takes a GitHub run's id/);
    const both = await run('--run', RUN_ID, '--ref', 'main');
    assert.equal(both.code, 2);
    assert.match(both.err, /no --ref/);
  });

  it('federation matrix github-run: GITHUB_TOKEN from the environment, --json, the report saved under the root', async () => {
    const root = path.join(tmp, 'ws');
    mkdirSync(path.join(root, '.github'), { recursive: true });
    writeFileSync(path.join(root, '.github', 'multi-agent-config.yml'), simpleConfig([['lint', 'types'], ['test']]));
    server = await startFakeGithub({ runId: RUN, pollsUntilDone: 1, jobs: jobs(), artifacts: { 'matrix-report': reportZip(demoPlan()).zip } });
    const out: string[] = [];
    const err: string[] = [];
    const saved = process.env['GITHUB_TOKEN'];
    process.env['GITHUB_TOKEN'] = 'test-token';
    let code: number;
    try {
      code = await main(['matrix', 'github-run', '--repo', 'octo/demo', '--ref', 'main', '--api-url', server.url, '--poll', '0.01', '--json'], { out: (s) => out.push(s), err: (s) => err.push(s), cwd: root });
    } finally {
      if (saved === undefined) delete process.env['GITHUB_TOKEN'];
      else process.env['GITHUB_TOKEN'] = saved;
    }
    assert.equal(code, 0, err.join('\n'));
    const json = JSON.parse(out.join('\n'));
    assert.equal(json.runId, RUN_ID);
    assert.equal(json.status, 'passed');
    assert.equal(json.report.summary.counts.units, 3);
    assert.ok(existsSync(path.join(root, '.federation', 'runs', RUN_ID, 'summary.json')));
  });
});

describe('GitHub pieces: zip reader, remotes', () => {
  it('loading the GitHub modules does not load Octokit; the first API call does', () => {
    const dir = path.resolve(__dirname, '..', '..', '..', 'src', 'core', 'matrix');
    const script = `
      const M = require('module'); const seen = []; const load = M._load;
      M._load = function (r, ...a) { if (String(r).startsWith('@octokit/')) seen.push(r); return load.call(this, r, ...a); };
      require(${JSON.stringify(path.join(dir, 'index.js'))});
      const { GithubActions } = require(${JSON.stringify(path.join(dir, 'github.js'))});
      require(${JSON.stringify(path.join(dir, 'githubRun.js'))});
      const before = seen.length;
      new GithubActions({ owner: 'o', repo: 'r', token: async () => 't' }).call({ what: 'x' }, async () => 1)
        .then(() => process.stdout.write(JSON.stringify({ before, after: seen })));`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script]).toString()) as { before: number; after: string[] };
    assert.equal(out.before, 0, 'nothing of Octokit at load');
    assert.ok(out.after.includes('@octokit/core'), 'the hook sees it on the first call');
  });

  it('loading the zip reader does not load yauzl; the first read does', () => {
    const dir = path.resolve(__dirname, '..', '..', '..', 'src', 'core', 'matrix');
    const helpers = path.resolve(__dirname, '..', '..', 'helpers', 'fakeGithub.js');
    const script = `
      const M = require('module'); const seen = []; const load = M._load;
      M._load = function (r, ...a) { if (r === 'yauzl') seen.push(r); return load.call(this, r, ...a); };
      require(${JSON.stringify(path.join(dir, 'index.js'))});
      require(${JSON.stringify(path.join(dir, 'githubRun.js'))});
      const { readZip } = require(${JSON.stringify(path.join(dir, 'githubZip.js'))});
      const { makeZip } = require(${JSON.stringify(helpers)});
      const before = seen.length;
      readZip(makeZip({ 'a.txt': 'a' })).then((files) => process.stdout.write(JSON.stringify({ before, after: seen, a: files.get('a.txt').toString() })));`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script]).toString()) as { before: number; after: string[]; a: string };
    assert.equal(out.before, 0, 'nothing of yauzl at load');
    assert.deepEqual([out.after.includes('yauzl'), out.a], [true, 'a'], 'the hook sees it on the first read');
  });

  it('reads deflated and stored entries, checks CRCs, refuses broken archives', async () => {
    const big = 'x'.repeat(10_000);
    const files = await readZip(makeZip({ 'a.txt': 'hello', 'dir/b.json': big }));
    assert.equal(files.get('a.txt')!.toString(), 'hello');
    assert.equal(files.get('dir/b.json')!.toString(), big);
    assert.equal((await readZip(makeZip({ 's.txt': 'stored' }, { store: true }))).get('s.txt')!.toString(), 'stored');
    const corrupt = makeZip({ 'a.txt': 'hello' }, { store: true });
    corrupt[corrupt.indexOf('hello')] = 'j'.charCodeAt(0);
    await assert.rejects(readZip(corrupt), (e: unknown) => e instanceof FederationError && e.reason === 'invalid-input' && /CRC/.test(e.message));
    await assert.rejects(readZip(Buffer.from('not a zip at all, not at all')), (e: unknown) => e instanceof FederationError && e.reason === 'invalid-input');
    await assert.rejects(readZip(makeZip({ 'big.txt': big }), { maxTotalBytes: 100 }), (e: unknown) => e instanceof FederationError && e.reason === 'invalid-input' && /more than 100 bytes/.test(e.message));
    const truncated = makeZip({ 'a.txt': big });
    await assert.rejects(readZip(Buffer.concat([truncated.subarray(0, 40), truncated.subarray(60)])), (e: unknown) => e instanceof FederationError && e.reason === 'invalid-input');
    // An entry whose data inflates to more (or less) than its directory entry says is refused, small entries
    // (inflated in one call) and large ones (streamed) alike.
    const large = 'z'.repeat(3 * 1048576);
    assert.equal((await readZip(makeZip({ 'large.log': large }))).get('large.log')!.toString(), large);
    for (const [content, declared] of [[big, 100], [big, 20_000], [large, 2 * 1048576], [large, 4 * 1048576]] as const) {
      await assert.rejects(readZip(makeZip({ 'a.txt': content }, { declaredSizes: { 'a.txt': declared } })), (e: unknown) => e instanceof FederationError && e.reason === 'invalid-input' && /a\.txt/.test(e.message), `${content.length} declared as ${declared}`);
    }
    await assert.rejects(readZip(makeZip({ '../escape.txt': 'x' })), (e: unknown) => e instanceof FederationError && e.reason === 'invalid-input');
  });

  it('reads ZIP64 archives: the ZIP64 end record and the sizes and offsets in ZIP64 extra fields', async () => {
    const report = JSON.stringify({ a: 1, text: 'y'.repeat(5000) });
    const files = await readZip(makeZip({ 'matrix-report.json': report, 'logs/u.log': 'log line\n', 'logs/': '' }, { zip64: true }));
    assert.deepEqual([...files.keys()], ['matrix-report.json', 'logs/u.log']);
    assert.equal(files.get('matrix-report.json')!.toString(), report);
    assert.equal((await readZip(makeZip({ 's.txt': 'stored' }, { zip64: true, store: true }))).get('s.txt')!.toString(), 'stored');
  });

  it('refuses a ZIP64 entry that declares more than 4 GiB by the limit, before inflating it', async () => {
    const zip = makeZip({ 'huge.bin': 'tiny' }, { zip64: true, declaredSizes: { 'huge.bin': 5 * 2 ** 30 } });
    await assert.rejects(readZip(zip), (e: unknown) => e instanceof FederationError && e.reason === 'invalid-input' && /more than 268435456 bytes/.test(e.message));
  });

  it('reads an archive of more than 65535 entries (a ZIP64 end record) made by Python\'s zipfile, when python3 is installed', async function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fed-zip64-'));
    try {
      const out = path.join(dir, 'many.zip');
      this.timeout(60_000); // ~2 s to write and ~3 s to read 65,600 entries on a 2-core machine
      const py = [
        'import io, sys, zipfile',
        'b = io.BytesIO()',
        'with zipfile.ZipFile(b, "w") as z:',
        '    for i in range(65600): z.writestr(f"u{i}", f"{i}" if i % 1000 == 0 else "")',
        'open(sys.argv[1], "wb").write(b.getvalue())',
      ].join('\n');
      try {
        execFileSync('python3', ['-c', py, out]);
      } catch {
        this.skip();
      }
      const data = readFileSync(out);
      assert.equal(data.readUInt16LE(data.length - 22 + 10), 0xffff, 'the classic end record has no room for the count');
      const files = await readZip(data);
      assert.equal(files.size, 65600);
      assert.deepEqual([files.get('u0')!.toString(), files.get('u65000')!.toString(), files.get('u65599')!.length], ['0', '65000', 0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads an archive made by Info-ZIP (another implementation), when zip is installed', async function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fed-zip-'));
    try {
      writeFileSync(path.join(dir, 'matrix-report.json'), JSON.stringify({ a: 1, text: 'y'.repeat(5000) }));
      mkdirSync(path.join(dir, 'logs'));
      writeFileSync(path.join(dir, 'logs', 'u.log'), 'log line\n');
      try {
        execFileSync('zip', ['-q', '-r', 'out.zip', 'matrix-report.json', 'logs'], { cwd: dir });
      } catch {
        this.skip();
      }
      const files = await readZip(readFileSync(path.join(dir, 'out.zip')));
      assert.equal(JSON.parse(files.get('matrix-report.json')!.toString()).a, 1);
      assert.equal(files.get('logs/u.log')!.toString(), 'log line\n');
      assert.ok(!files.has('logs/'), 'folders are left out');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('owner/repo from https and ssh remotes, settings and worktree git files', async () => {
    for (const url of ['https://github.com/octo/demo.git', 'https://github.com/octo/demo', 'git@github.com:octo/demo.git', 'ssh://git@github.com/octo/demo.git', 'ssh://git@ghe.example.com:2222/octo/demo', 'https://user@ghe.example.com/octo/demo.git/']) {
      const r = parseRemoteUrl(url);
      assert.ok(r, url);
      assert.deepEqual([r.owner, r.repo], ['octo', 'demo'], url);
    }
    assert.equal(parseRemoteUrl('/some/local/path'), undefined);
    assert.deepEqual(parseRepoSlug('octo/demo'), { owner: 'octo', repo: 'demo' });
    assert.equal(parseRepoSlug('octo'), undefined);

    const dir = mkdtempSync(path.join(os.tmpdir(), 'fed-git-'));
    try {
      // A linked worktree: .git is a file; HEAD is the worktree's, the config is the common dir's.
      mkdirSync(path.join(dir, 'main', '.git', 'worktrees', 'wt'), { recursive: true });
      writeFileSync(path.join(dir, 'main', '.git', 'config'), '[core]\n\tbare = false\n[remote "upstream"]\n\turl = https://github.com/other/thing.git\n[remote "origin"]\n\turl = git@github.com:octo/demo.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n');
      writeFileSync(path.join(dir, 'main', '.git', 'worktrees', 'wt', 'HEAD'), 'ref: refs/heads/feature/x\n');
      writeFileSync(path.join(dir, 'main', '.git', 'worktrees', 'wt', 'commondir'), '../..\n');
      mkdirSync(path.join(dir, 'wt'));
      writeFileSync(path.join(dir, 'wt', '.git'), `gitdir: ${path.join(dir, 'main', '.git', 'worktrees', 'wt')}\n`);
      assert.equal(await remoteUrl(nodeFileSystem, path.join(dir, 'wt')), 'git@github.com:octo/demo.git');
      assert.equal(await currentBranch(nodeFileSystem, path.join(dir, 'wt')), 'feature/x');
      assert.deepEqual(await resolveRepo(nodeFileSystem, path.join(dir, 'wt')), { owner: 'octo', repo: 'demo' });
      assert.deepEqual(await resolveRepo(nodeFileSystem, path.join(dir, 'wt'), 'me/other'), { owner: 'me', repo: 'other' });
      await assert.rejects(resolveRepo(nodeFileSystem, dir), (e: unknown) => e instanceof FederationError && e.reason === 'not-found');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
