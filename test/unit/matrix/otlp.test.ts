// `federation matrix report --format otlp` through the shipped CLI (dist/cli.js as a process) against a real
// OTLP/HTTP receiver on 127.0.0.1 (node:http): what it receives is decoded and checked against the run's own
// results (hierarchy by parent span id, names, attributes, status, times), and so is the --out file. Then the
// failures: a refusal, no receiver, one that never answers, and one that is briefly unavailable (retried).
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { hasStack, runCli, type CliResult } from '../../helpers/cli';
import { useTempDir } from '../../helpers/tmp';
import { decodeOtlp, type DecodedSpan } from './otlpDecode';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A receiver answering each request with the next of `answers` (the last one repeats); 'hang' never answers. */
async function receiver(answers: Array<number | 'hang'> = [200]): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      got.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const a = answers[Math.min(got.length - 1, answers.length - 1)]!;
      if (a === 'hang') return;
      res.writeHead(a, { 'content-type': 'application/json' }).end(a === 200 ? '{}' : '{"message":"no such tenant"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    got,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

interface TaskJson {
  unit: string;
  task: string;
  priority: string;
  status: string;
  exitCode: number | null;
  startedAt: string;
  endedAt: string;
  attemptDetails: { attempt: number; startedAt: string; endedAt: string; exitCode: number | null; resources?: { userMs: number | null; peakMemoryBytes: number | null } }[];
}

const ns = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;

describe('federation matrix report --format otlp (as shipped, to a real receiver)', function () {
  this.timeout(60_000);
  const tmp = useTempDir('fed-otlp-');
  const approvals = path.join(os.tmpdir(), `fed-approvals-otlp-${process.pid}.json`);
  after(() => rmSync(approvals, { force: true }));
  const cli = (env: Record<string, string | undefined>, ...argv: string[]): Promise<CliResult> =>
    runCli(['matrix', ...argv], { cwd: tmp.path, env: { FEDERATION_APPROVALS_FILE: approvals, OTEL_EXPORTER_OTLP_HEADERS: undefined, FEDERATION_OTLP_HEADERS: undefined, ...env } });

  /** A run with a pass, a retried failure and a second wave: its results as `report --format json` gives them. */
  async function run(): Promise<TaskJson[]> {
    mkdirSync(path.join(tmp.path, '.github'));
    writeFileSync(path.join(tmp.path, '.github', 'multi-agent-config.yml'), [
      'tasks:',
      '  ok: { module: ., command: "true" }',
      '  flaky: { module: ., command: "exit 3", retries: 1 }',
      '  later: { module: ., command: "true" }',
      'failure_handling: { retry: { backoff: none } }',
      'priorities:',
      '  priority_1: { tasks: [ok, flaky] }',
      '  priority_2: { tasks: [later] }',
      '',
    ].join('\n'));
    const r = await cli({}, 'run', '--no-setup', '--allow-workspace-commands', '--run-id', 'otlp-1');
    assert.equal(r.code, 1, `flaky fails the run\n${r.err}`);
    return JSON.parse((await cli({}, 'report', '--format', 'json', '--run', 'otlp-1')).out).tasks as TaskJson[];
  }

  /** The decoded trace against the run's results: the tree by parent ids, names, times, status, attributes. */
  function checkTrace(text: string, tasks: TaskJson[]): void {
    const d = decodeOtlp(text);
    assert.equal(d.resource['service.name'], 'agent-federation-matrix');
    const root = d.byName('matrix run');
    assert.equal(root.parentSpanId, undefined);
    assert.equal(root.attributes['federation.run.id'], 'otlp-1');
    assert.equal(root.status.code, 2, 'the run failed: ERROR');
    const children = (s: DecodedSpan) => d.spans.filter((x) => x.parentSpanId === s.spanId);
    assert.deepEqual(children(root).map((s) => s.name).sort(), ['wave priority_1', 'wave priority_2']);
    assert.deepEqual(children(d.byName('wave priority_1')).map((s) => s.name).sort(), ['flaky', 'ok']);
    assert.deepEqual(children(d.byName('wave priority_2')).map((s) => s.name), ['later']);
    assert.equal(new Set(d.spans.map((s) => s.traceId)).size, 1);
    for (const t of tasks) {
      const unit = d.byName(t.unit);
      assert.deepEqual([unit.startNs, unit.endNs], [ns(t.startedAt), ns(t.endedAt)], t.unit);
      assert.deepEqual([unit.attributes['matrix.task'], unit.attributes['matrix.priority'], unit.attributes['matrix.status'], unit.attributes['process.exit.code']], [t.task, t.priority, t.status, t.exitCode], t.unit);
      assert.equal(unit.status.code, t.status === 'passed' ? 1 : 2, t.unit);
      const attempts = children(unit).sort((a, b) => Number(a.attributes['matrix.attempt']) - Number(b.attributes['matrix.attempt']));
      assert.deepEqual(attempts.map((a) => a.attributes['matrix.attempt']), t.attemptDetails.map((a) => a.attempt), t.unit);
      t.attemptDetails.forEach((a, i) => {
        const s = attempts[i]!;
        assert.deepEqual([s.startNs, s.endNs, s.attributes['process.exit.code']], [ns(a.startedAt), ns(a.endedAt), a.exitCode], `${t.unit} attempt ${a.attempt}`);
        // Measured where the launcher measures (rusage); absent, not 0, where it does not.
        if (a.resources?.peakMemoryBytes != null) assert.equal(s.attributes['matrix.memory.peak_bytes'], a.resources.peakMemoryBytes);
        else assert.equal('matrix.memory.peak_bytes' in s.attributes, false);
      });
    }
    const flaky = d.byName('flaky');
    assert.deepEqual([flaky.status.message, children(flaky).length], ['failed, exit code 3', 2]);
  }

  it('--otlp-endpoint: POSTs OTLP/JSON to /v1/traces with the configured headers; the receiver gets the whole run', async () => {
    const tasks = await run();
    const rx = await receiver();
    try {
      const r = await cli({ OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=t1,x-api-key=from-otel', FEDERATION_OTLP_HEADERS: 'x-api-key=s3cr%3Dt' }, 'report', '--otlp-endpoint', rx.url, '--run', 'otlp-1', '--json');
      assert.equal(r.code, 0, r.err);
      const printed = JSON.parse(r.out) as { traceId: string; spans: number; endpoint: string };
      assert.equal(rx.got.length, 1);
      const req = rx.got[0]!;
      assert.deepEqual([req.method, req.url, req.headers['content-type']], ['POST', '/v1/traces', 'application/json']);
      assert.deepEqual([req.headers['x-tenant'], req.headers['x-api-key']], ['t1', 's3cr=t'], 'FEDERATION_OTLP_HEADERS wins key by key');
      checkTrace(req.body, tasks);
      const d = decodeOtlp(req.body);
      assert.deepEqual([printed.traceId, printed.spans, printed.endpoint], [d.spans[0]!.traceId, d.spans.length, `${rx.url}/v1/traces`]);

      // Exported again: the same trace, the same span ids (a backend merges it, nothing is duplicated).
      assert.equal((await cli({}, 'report', '--format', 'otlp', '--otlp-endpoint', `${rx.url}/custom/path`, '--run', 'otlp-1')).code, 0);
      assert.equal(rx.got[1]!.url, '/custom/path', 'an endpoint with a path is used as it is');
      const ids = (body: string) => decodeOtlp(body).spans.map((s) => `${s.traceId}/${s.spanId}/${s.parentSpanId}`).sort();
      assert.deepEqual(ids(rx.got[1]!.body), ids(req.body));
    } finally {
      await rx.close();
    }
  });

  it('--out FILE: the same OTLP/JSON in a file, written whole (no temporary file left); with an endpoint, both', async () => {
    const tasks = await run();
    const r = await cli({}, 'report', '--format', 'otlp', '--out', 'traces/run.json');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^wrote traces\/run\.json: trace [0-9a-f]{32}, 10 span\(s\)$/m);
    const text = readFileSync(path.join(tmp.path, 'traces', 'run.json'), 'utf8');
    checkTrace(text, tasks);
    assert.deepEqual(readdirSync(path.join(tmp.path, 'traces')), ['run.json']);
    const rx = await receiver();
    try {
      assert.equal((await cli({}, 'report', '--out', 'traces/both.json', '--otlp-endpoint', rx.url)).code, 0);
      assert.deepEqual(JSON.parse(rx.got[0]!.body), JSON.parse(readFileSync(path.join(tmp.path, 'traces', 'both.json'), 'utf8')));
    } finally {
      await rx.close();
    }
  });

  it('a receiver that refuses, none at all, one that never answers: export-failed, exit 1, no stack; a 503 is retried', async () => {
    await run();
    const expectFailure = async (url: string, what: RegExp, extra: string[] = []) => {
      const started = Date.now();
      const r = await cli({}, '--json', 'report', '--otlp-endpoint', url, '--otlp-timeout', '2', ...extra);
      assert.equal(r.code, 1, r.err);
      assert.equal(hasStack(r.err), false, r.err);
      const error = JSON.parse(r.err).error as { reason: string; message: string; details: Record<string, unknown> };
      assert.equal(error.reason, 'export-failed');
      assert.match(error.message, what);
      assert.ok(Date.now() - started < 15_000, 'bounded by the timeout');
      const text = await cli({}, 'report', '--otlp-endpoint', url, '--otlp-timeout', '2', ...extra);
      assert.equal(text.code, 1);
      assert.match(text.err, /^federation matrix: The OTLP receiver at /m);
      assert.equal(hasStack(text.err), false, text.err);
      return error;
    };

    const refusing = await receiver([400]);
    try {
      const e = await expectFailure(refusing.url, /refused the trace with HTTP 400.*no such tenant/);
      assert.equal(e.details['status'], 400);
    } finally {
      await refusing.close();
    }

    const gone = await receiver();
    const goneUrl = gone.url;
    await gone.close();
    const e = await expectFailure(goneUrl, /could not be reached or did not answer within 2 s \(ECONNREFUSED\)/);
    assert.equal(e.details['code'], 'ECONNREFUSED');

    const hanging = await receiver(['hang']);
    try {
      await expectFailure(hanging.url, /did not answer within 2 s/);
    } finally {
      await hanging.close();
    }

    const busy = await receiver([503, 200]);
    try {
      const r = await cli({}, 'report', '--otlp-endpoint', busy.url, '--otlp-timeout', '8');
      assert.equal(r.code, 0, r.err);
      assert.equal(busy.got.length, 2, 'retried once after the 503');
      assert.equal(busy.got[1]!.body, busy.got[0]!.body);
    } finally {
      await busy.close();
    }
  });
});
