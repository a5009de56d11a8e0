// The webhooks of a run's end (src/core/matrix/notifications.ts) with a fake poster and a fake clock: which endings
// are told, the payload, ${env.X}, redaction, retries with backoff, the timeout. The real HTTP path (the Node adapter
// through the shipped CLI against a local server) is notificationsCli.test.ts.
import * as assert from 'node:assert/strict';
import { buildPayload, deliver, expandWebhook, matchesOn, notificationVariables, notifyOn, notifyRun, redactUrl, webhookProblem, type HttpPoster } from '../../../src/core/matrix/notifications';
import { planMatrix } from '../../../src/core/matrix/plan';
import { summarizeRun, type TaskResult } from '../../../src/core/matrix/results';
import { validateMatrixConfig } from '../../../src/core/matrix/validate';
import { FakeClock } from '../../helpers/fakeClock';
import { config } from './helpers';

const CONFIG = 'tasks:\n  lint: { module: ., command: "true" }\n  test: { module: ., command: "true" }\n  build: { module: ., command: "true" }\npriorities:\n  priority_1: { tasks: [lint, test, build] }\n';

function result(unit: string, status: TaskResult['status'], blocking = status === 'failed' || status === 'timed_out'): TaskResult {
  return {
    version: 1, runId: 'r1', unit, task: unit, shard: null, priority: 'priority_1', wave: 0, module: '.', command: 'true', status,
    allowed: null, blocking, exitCode: status === 'passed' ? 0 : 1, signal: null, attempts: 1, maxAttempts: 1,
    startedAt: '2026-11-23T10:00:00.000Z', endedAt: '2026-11-23T10:00:02.000Z', durationMs: 2000, log: null, artifacts: [], attemptDetails: [],
  };
}

function run(statuses: Record<string, TaskResult['status']>, cancelled = false) {
  const plan = planMatrix(config(CONFIG), { configFile: '.github/multi-agent-config.yml' });
  const tasks = Object.entries(statuses).map(([u, s]) => result(u, s));
  const summary = summarizeRun({ runId: 'r1', plan, results: tasks, startedAt: new Date('2026-11-23T10:00:00Z'), endedAt: new Date('2026-11-23T10:00:12.345Z'), cancelled });
  return { summary, tasks };
}

/** Answers each POST with the next of `answers` (a status, an Error to reject with, or 'hang'), recording each. */
function fakePoster(answers: (number | Error | 'hang')[]) {
  const calls: { url: string; body: string; timeoutMs: number; signal: AbortSignal; headers: Record<string, string> }[] = [];
  const poster: HttpPoster = {
    post(url, body, opts) {
      calls.push({ url, body, ...opts });
      const a = answers.shift() ?? 200;
      if (a === 'hang') return new Promise(() => undefined);
      return a instanceof Error ? Promise.reject(a) : Promise.resolve({ status: a });
    },
  };
  return { poster, calls };
}

describe('matrix notifications (core)', () => {
  it('on: default always; failure hears of failed runs, success of passed ones, a cancelled run only always', () => {
    assert.deepEqual(notifyOn({ webhooks: [] }), ['always']);
    assert.deepEqual(notifyOn({ webhooks: [], on: 'failure' }), ['failure']);
    assert.equal(matchesOn(['failure'], 'failed'), true);
    assert.equal(matchesOn(['failure'], 'passed'), false);
    assert.equal(matchesOn(['failure'], 'cancelled'), false);
    assert.equal(matchesOn(['success'], 'passed'), true);
    assert.equal(matchesOn(['success'], 'failed'), false);
    assert.equal(matchesOn(['failure', 'success'], 'cancelled'), false);
    assert.equal(matchesOn(['always'], 'cancelled'), true);
  });

  it('a run whose end the section does not want tells nobody: nothing is posted', async () => {
    const { poster, calls } = fakePoster([]);
    const { summary, tasks } = run({ lint: 'passed', test: 'passed', build: 'passed' });
    const out = await notifyRun({ section: { webhooks: ['http://127.0.0.1:1/hook'], on: ['failure'] }, summary, tasks, report: null, env: {}, poster });
    assert.deepEqual(out, []);
    assert.equal(calls.length, 0);
    assert.deepEqual(await notifyRun({ section: undefined, summary, tasks, report: null, env: {}, poster }), []);
  });

  it('webhooks as written: only ${env.NAME} placeholders and http(s) URLs; the config validation says where', () => {
    assert.equal(webhookProblem('https://hooks.slack.com/services/${env.SLACK_KEY}'), undefined);
    assert.equal(webhookProblem('${env.WEBHOOK_URL}'), undefined);
    assert.match(webhookProblem('${WEBHOOK_URL}')!, /not a placeholder; write \$\{env\.NAME\}/);
    assert.match(webhookProblem('${env.1X}')!, /not a placeholder/);
    assert.match(webhookProblem('https://x/${env.A')!, /without its closing/);
    assert.match(webhookProblem('ftp://x/hook')!, /http:\/\/ or https:\/\//);
    assert.deepEqual(notificationVariables({ webhooks: ['${env.A}', 'https://h/${env.B}/${env.A}'] }), ['A', 'B']);

    const text = `${CONFIG}notifications:\n  webhooks: ["https://ok.example/hook", "\${SLACK}"]\n  on: [failure, sometimes]\n  timout: 3\n`;
    const v = validateMatrixConfig(text, 'cfg.yml');
    assert.equal(v.config, undefined);
    const codes = v.findings.map((f) => [f.severity, f.code, f.path.join('.')]);
    assert.deepEqual(codes.find((c) => c[1] === 'unknown-key'), ['warning', 'unknown-key', 'notifications.timout']);
    assert.ok(codes.some((c) => c[0] === 'error' && c[1] === 'schema' && c[2].startsWith('notifications.on')), JSON.stringify(codes));
    const fixed = validateMatrixConfig(text.replace(', sometimes', ''), 'cfg.yml');
    const webhook = fixed.findings.find((f) => f.code === 'webhook')!;
    assert.deepEqual([webhook.severity, webhook.path], ['error', ['notifications', 'webhooks', 1]]);
    assert.equal(webhook.range.start.line, text.split('\n').findIndex((l) => l.includes('${SLACK}')), 'the finding points at the webhook');
    assert.ok(validateMatrixConfig(`${CONFIG}notifications:\n  webhooks: ["\${env.HOOK}"]\n  on: failure\n  timeout: 2.5\n  retries: 0\n`, 'cfg.yml').config);
  });

  it('${env.X} is put in; a variable not set (or empty) is a delivery report naming it, with nothing posted and no secret shown', async () => {
    assert.deepEqual(expandWebhook('https://h.example/${env.A}/${env.B}', { A: 'x', B: 'y' }), { url: 'https://h.example/x/y', values: ['x', 'y'] });
    assert.deepEqual(expandWebhook('https://h.example/${env.A}/${env.B}', { A: '' }), { missing: ['A', 'B'] });
    const { poster, calls } = fakePoster([]);
    const { summary, tasks } = run({ lint: 'failed', test: 'passed', build: 'passed' });
    const out = await notifyRun({
      section: { webhooks: ['${env.HOOK_URL}', 'https://hooks.slack.com/services/${env.SLACK_KEY}', '${env.BASE}?token=literal-secret', '${env.NOT_A_URL}'] },
      summary, tasks, report: null, env: { NOT_A_URL: 'mailto:someone' }, poster,
    });
    assert.equal(calls.length, 0);
    assert.deepEqual(out, [
      { url: '${env.HOOK_URL}', ok: false, status: null, attempts: 0, error: 'environment variable HOOK_URL is not set' },
      { url: 'https://hooks.slack.com/…', ok: false, status: null, attempts: 0, error: 'environment variable SLACK_KEY is not set' },
      { url: '${env.BASE}…', ok: false, status: null, attempts: 0, error: 'environment variable BASE is not set' },
      { url: '${env.NOT_A_URL}', ok: false, status: null, attempts: 0, error: 'not an http(s) URL once its variables are put in' },
    ]);
  });

  it('redaction: scheme, host and port only, "/…" when a path or query followed; never userinfo', () => {
    assert.equal(redactUrl('https://user:pw@hooks.slack.com/services/T0/B0/XYZ?token=abc#x'), 'https://hooks.slack.com/…');
    assert.equal(redactUrl('http://127.0.0.1:8080'), 'http://127.0.0.1:8080');
    assert.equal(redactUrl('http://127.0.0.1:8080/'), 'http://127.0.0.1:8080');
    assert.equal(redactUrl('http://h.example?k=1'), 'http://h.example/…');
    assert.equal(redactUrl('not a url'), '(not a URL)');
  });

  it('the payload: run id, status, counts, duration, blocking failures, the report, and a Slack-escaped text', () => {
    const { summary, tasks } = run({ lint: 'failed', test: 'timed_out', build: 'passed' });
    const p = buildPayload(summary, tasks, 'https://github.com/o/r/actions/runs/7?a=1&b=<2>');
    assert.deepEqual(
      { ...p, text: undefined, counts: undefined },
      { text: undefined, counts: undefined, source: 'agent-federation', version: 1, runId: 'r1', status: 'failed', configFile: '.github/multi-agent-config.yml', startedAt: '2026-11-23T10:00:00.000Z', endedAt: '2026-11-23T10:00:12.345Z', durationMs: 12345, failed: ['lint', 'test'], report: 'https://github.com/o/r/actions/runs/7?a=1&b=<2>' },
    );
    assert.deepEqual([p.counts.units, p.counts.passed, p.counts.failed, p.counts.timedOut, p.counts.blockingFailures], [3, 1, 1, 1, 2]);
    assert.equal(p.text, '❌ Matrix run r1 failed: 1/3 passed, 2 blocking failure(s) in 12.3 s (.github/multi-agent-config.yml)\nFailed: lint, test\nReport: https://github.com/o/r/actions/runs/7?a=1&amp;b=&lt;2&gt;');
    assert.equal(buildPayload(run({ lint: 'passed', test: 'passed', build: 'passed' }).summary, [], null).text, '✅ Matrix run r1 passed: 3/3 passed in 12.3 s (.github/multi-agent-config.yml)');
  });

  it('retries a 5xx (and a 429) with waits of 1 s, then 2 s, through the clock, until a 2xx; the body is the payload JSON', async () => {
    const clock = new FakeClock();
    const { poster, calls } = fakePoster([500, 429, 204]);
    const { summary, tasks } = run({ lint: 'failed', test: 'passed', build: 'passed' });
    const start = clock.now().getTime();
    const [d] = await clock.run(notifyRun({ section: { webhooks: ['http://127.0.0.1:9/${env.KEY}'] }, summary, tasks, report: '.federation/runs/r1', env: { KEY: 'hook-secret' }, poster, timers: clock }));
    assert.deepEqual(d, { url: 'http://127.0.0.1:9/…', ok: true, status: 204, attempts: 3 });
    assert.equal(clock.now().getTime() - start, 3000, '1 s and 2 s between the attempts');
    assert.deepEqual(calls.map((c) => c.url), Array(3).fill('http://127.0.0.1:9/hook-secret'));
    assert.equal(calls[0]!.headers['content-type'], 'application/json');
    assert.equal(calls[0]!.timeoutMs, 10_000, 'default timeout 10 s');
    const body = JSON.parse(calls[0]!.body);
    assert.deepEqual([body.runId, body.status, body.failed, body.report], ['r1', 'failed', ['lint'], '.federation/runs/r1']);
    assert.equal(clock.timers, 0, 'no timer left behind');
  });

  it('bounded: `retries` extra attempts at most; a final refusal (4xx) is not retried; errors never show the URL or its secret', async () => {
    const clock = new FakeClock();
    const url = 'https://user:pw@hooks.example/services/hook-secret';
    const down = fakePoster([500, 502, 503, 200]);
    const d1 = await clock.run(deliver(url, '{}', { poster: down.poster, timers: clock, timeoutMs: 1000, retries: 2 }));
    assert.deepEqual(d1, { url: 'https://hooks.example/…', ok: false, status: 503, attempts: 3, error: 'HTTP 503' });
    const gone = fakePoster([404]);
    assert.deepEqual(await clock.run(deliver(url, '{}', { poster: gone.poster, timers: clock, timeoutMs: 1000, retries: 2 })), { url: 'https://hooks.example/…', ok: false, status: 404, attempts: 1, error: 'HTTP 404' });
    const refused = fakePoster([new Error(`connect ECONNREFUSED for ${url}`), new Error('socket hang up near /services/hook-secret')]);
    const d3 = await clock.run(deliver(url, '{}', { poster: refused.poster, timers: clock, timeoutMs: 1000, retries: 1, secrets: ['hook-secret'] }));
    assert.deepEqual(d3, { url: 'https://hooks.example/…', ok: false, status: null, attempts: 2, error: 'socket hang up near /services/***' });
    assert.doesNotMatch(JSON.stringify([d1, d3]), /hook-secret|pw@/);
  });

  it('timeout: an attempt with no answer is abandoned at the timeout (its signal aborted) and retried; the run is never held longer', async () => {
    const clock = new FakeClock();
    const { poster, calls } = fakePoster(['hang', 'hang']);
    const start = clock.now().getTime();
    const d = await clock.run(deliver('http://10.255.255.1/hook', '{}', { poster, timers: clock, timeoutMs: 5000, retries: 1 }));
    assert.deepEqual(d, { url: 'http://10.255.255.1/…', ok: false, status: null, attempts: 2, error: 'no answer within 5 s' });
    assert.equal(clock.now().getTime() - start, 5000 + 1000 + 5000);
    assert.deepEqual(calls.map((c) => c.signal.aborted), [true, true], 'the poster was told to give up');
    assert.equal(clock.timers, 0);
  });

  it('an aborted signal stops the attempt under way and every retry', async () => {
    const clock = new FakeClock();
    const ac = new AbortController();
    const { poster, calls } = fakePoster(['hang', 200]);
    const work = deliver('http://h.example/hook', '{}', { poster, timers: clock, timeoutMs: 60_000, retries: 3, signal: ac.signal });
    await new Promise((r) => setImmediate(r));
    ac.abort();
    assert.deepEqual(await clock.run(work), { url: 'http://h.example/…', ok: false, status: null, attempts: 1, error: 'cancelled' });
    assert.equal(calls.length, 1);
  });
});
