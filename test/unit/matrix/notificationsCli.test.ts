// The config's webhooks through the shipped CLI (dist/cli.js as a process, the Node HTTP adapter) against a real
// HTTP server on 127.0.0.1: what is POSTed, a 500 answered by a retry, a port nobody listens on and a server that
// never answers, each reported (redacted) and none changing the run's exit code.
import * as assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, type CliResult } from '../../helpers/cli';
import { useTempDir } from '../../helpers/tmp';
import { MatrixService } from '../../../src/core/matrix/service';
import type { NotificationDelivery } from '../../../src/core/matrix/notifications';
import { nodeFileSystem } from '../../../src/node/fs';
import { nodeHttpPoster } from '../../../src/node/http';
import { newLocalProcessRunner } from '../../../src/node/process/localRunner';

interface Received {
  path: string;
  contentType: string | undefined;
  body: Record<string, unknown>;
}

/** A webhook server: /ok answers 200, /flaky 500 then 200, /hang never answers; every request is recorded. */
async function webhookServer(): Promise<{ base: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  let flaky = 0;
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (d: string) => (text += d));
    req.on('end', () => {
      const p = req.url ?? '';
      received.push({ path: p, contentType: req.headers['content-type'], body: JSON.parse(text) as Record<string, unknown> });
      if (p.startsWith('/hang')) return void hanging.push(res);
      res.statusCode = p.startsWith('/flaky') && flaky++ === 0 ? 500 : 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    received,
    close: () => {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 that nobody listens on (taken, then let go). */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

const SECRET = 'T000-B000-very-secret-key';

describe('federation matrix: notifications to a real webhook server (as shipped)', function () {
  this.timeout(60_000);
  const tmp = useTempDir('fed-notify-');
  let server: Awaited<ReturnType<typeof webhookServer>>;
  let approvals: string;

  beforeEach(async () => {
    server = await webhookServer();
    approvals = path.join(os.tmpdir(), `fed-approvals-notify-${process.pid}.json`);
  });
  afterEach(async () => {
    await server.close();
    rmSync(approvals, { force: true });
  });

  function writeConfig(notifications: string, failing: boolean): void {
    mkdirSync(path.join(tmp.path, '.github'), { recursive: true });
    writeFileSync(
      path.join(tmp.path, '.github', 'multi-agent-config.yml'),
      `tasks:\n  good: { module: ., command: "true" }\n  bad: { module: ., command: "${failing ? 'exit 3' : 'true'}" }\npriorities:\n  priority_1: { tasks: [good, bad] }\n${notifications}`,
    );
  }

  const cli = (env: Record<string, string | undefined>, ...argv: string[]): Promise<CliResult> =>
    runCli(['matrix', ...argv], { cwd: tmp.path, env: { FEDERATION_APPROVALS_FILE: approvals, GITHUB_ACTIONS: undefined, ...env } });

  it('a failed run: every webhook is POSTed its summary, a 500 is retried, the unreachable and the silent ones are reported; exit 1 as without them', async () => {
    const dead = await closedPort();
    writeConfig(
      [
        'notifications:',
        '  on: [failure]',
        '  timeout: 0.5',
        '  retries: 1',
        '  webhooks:',
        `    - "${server.base}/ok/\${env.HOOK_KEY}"`,
        `    - "${server.base}/flaky"`,
        `    - "http://127.0.0.1:${dead}/nobody"`,
        `    - "${server.base}/hang"`,
        '    - "${env.NOT_SET_HOOK}"',
        '',
      ].join('\n'),
      true,
    );
    const r = await cli({ HOOK_KEY: SECRET }, 'run', '--no-setup', '--allow-workspace-commands', '--run-id', 'n1', '--json');
    assert.equal(r.code, 1, `a blocking failure is exit 1, whatever the webhooks did\n${r.err}`);
    const out = JSON.parse(r.out) as { summary: { status: string }; notifications: { url: string; ok: boolean; status: number | null; attempts: number; error?: string }[] };
    assert.equal(out.summary.status, 'failed');
    const [ok, flaky, dead1, hang, unset] = out.notifications;
    assert.deepEqual(ok, { url: `${server.base}/…`, ok: true, status: 200, attempts: 1 });
    assert.deepEqual(flaky, { url: `${server.base}/…`, ok: true, status: 200, attempts: 2 });
    assert.deepEqual([dead1!.url, dead1!.ok, dead1!.status, dead1!.attempts], [`http://127.0.0.1:${dead}/…`, false, null, 2]);
    assert.match(dead1!.error!, /ECONNREFUSED/);
    assert.deepEqual(hang, { url: `${server.base}/…`, ok: false, status: null, attempts: 2, error: 'no answer within 0.5 s' });
    assert.deepEqual(unset, { url: '${env.NOT_SET_HOOK}', ok: false, status: null, attempts: 0, error: 'environment variable NOT_SET_HOOK is not set' });
    assert.ok(!(r.out + r.err).includes(SECRET), 'the URL\'s secret is never printed');

    const first = server.received.find((x) => x.path === `/ok/${SECRET}`)!;
    assert.ok(first, `POSTed to the expanded URL: ${server.received.map((x) => x.path).join(', ')}`);
    assert.equal(first.contentType, 'application/json');
    const body = first.body;
    assert.deepEqual([body['source'], body['runId'], body['status'], body['failed'], body['report']], ['agent-federation', 'n1', 'failed', ['bad'], '.federation/runs/n1']);
    assert.deepEqual([(body['counts'] as { units: number }).units, (body['counts'] as { passed: number }).passed], [2, 1]);
    assert.equal(typeof body['durationMs'], 'number');
    assert.match(body['text'] as string, /^❌ Matrix run n1 failed: 1\/2 passed, 1 blocking failure\(s\) in [\d.]+ s \(\.github\/multi-agent-config\.yml\)\nFailed: bad\nReport: \.federation\/runs\/n1$/);
    assert.deepEqual(server.received.map((x) => x.path.replace(SECRET, 'KEY')).sort(), ['/flaky', '/flaky', '/hang', '/hang', '/ok/KEY']);
  });

  it('without --json the deliveries are stderr lines; a run that passed is exit 0 with every webhook down; `on` leaves out what it does not want', async () => {
    const dead = await closedPort();
    writeConfig(`notifications:\n  retries: 0\n  webhooks: ["http://127.0.0.1:${dead}/hooks/\${env.HOOK_KEY}", "${server.base}/ok"]\n`, false);
    const r = await cli({ HOOK_KEY: SECRET }, 'run', '--no-setup', '--allow-workspace-commands', '--run-id', 'p1');
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, new RegExp(`^notification to http://127\\.0\\.0\\.1:${dead}/… not delivered after 1 attempt\\(s\\): .*ECONNREFUSED`, 'm'));
    assert.match(r.err, new RegExp(`^notified ${server.base.replace(/\./g, '\\.')}/… \\(HTTP 200\\)$`, 'm'));
    assert.ok(!r.err.includes(SECRET));
    assert.equal(server.received.length, 1);
    assert.equal(server.received[0]!.body['status'], 'passed');

    // `matrix notify` (the workflow's report job) tells them again for a stored run.
    const again = await cli({ HOOK_KEY: SECRET }, 'notify', '--run', 'p1', '--json');
    assert.equal(again.code, 0, again.err);
    assert.deepEqual(JSON.parse(again.out).notifications.map((n: { ok: boolean }) => n.ok), [false, true]);
    assert.equal(server.received.length, 2);

    writeConfig(`notifications:\n  on: failure\n  webhooks: ["${server.base}/ok"]\n`, false);
    const quiet = await cli({}, 'run', '--no-setup', '--allow-workspace-commands', '--run-id', 'p2', '--json');
    assert.equal(quiet.code, 0, quiet.err);
    assert.deepEqual(JSON.parse(quiet.out).notifications, []);
    // A GitHub worker (one unit) never tells: the report job does, once.
    writeConfig(`notifications:\n  webhooks: ["${server.base}/ok"]\n`, false);
    assert.equal((await cli({}, 'run', '--no-setup', '--allow-workspace-commands', '--unit', 'good', '--run-id', 'w1')).code, 0);
    assert.equal(server.received.length, 2, 'nothing more was POSTed');
  });

  it('a webhook written wrong is a config error naming the file and the key; nothing runs', async () => {
    writeConfig('notifications:\n  webhooks: ["${SLACK_URL}"]\n', false);
    const r = await cli({}, 'run', '--no-setup', '--allow-workspace-commands');
    assert.equal(r.code, 1);
    assert.match(r.err, /^\.github\/multi-agent-config\.yml:\d+:\d+: notifications\.webhooks\.0: "\$\{SLACK_URL\}" is not a placeholder; write \$\{env\.NAME\}/m);
    assert.equal(server.received.length, 0);
  });

  it('onNotified (the editor\'s runs): the run resolves while a webhook still hangs; the deliveries come afterwards', async () => {
    writeConfig(['notifications:', '  timeout: 1', '  retries: 0', '  webhooks:', `    - "${server.base}/hang"`, `    - "${server.base}/ok"`, ''].join('\n'), false);
    const service = new MatrixService({
      root: tmp.path, fs: nodeFileSystem, env: process.env, clientFactory: async () => { throw new Error('no docker here'); },
      processRunnerFactory: newLocalProcessRunner, http: nodeHttpPoster, approvals: { approve: async () => undefined },
    });
    let told: ((d: NotificationDelivery[]) => void) | undefined;
    const delivered = new Promise<NotificationDelivery[]>((resolve) => (told = resolve));
    let settled = false;
    void delivered.then(() => (settled = true));
    const outcome = await service.run({ onNotified: (d) => told!(d) });
    assert.equal(outcome.summary.status, 'passed');
    assert.deepEqual(outcome.notifications, []);
    assert.equal(settled, false, 'the run resolved before the silent webhook\'s 1 s timeout: it did not wait for them');
    const deliveries = await delivered;
    assert.deepEqual(deliveries.map((d) => [d.ok, d.status]), [[false, null], [true, 200]]);
    assert.match(deliveries[0]!.error ?? '', /no answer within 1 s/);
  });
});
