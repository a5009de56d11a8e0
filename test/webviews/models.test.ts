// The panels' pure parts without a browser: view-model mappings, the Markdown export, the message guards, the
// page HTML and its CSP, and reading run and agent folders from disk.
import * as assert from 'node:assert/strict';
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { REPORT_FILE } from '../../src/core/agents/schema';
import { RUNS_DIR } from '../../src/core/matrix/results';
import { deliverablePath, loadAgent, loadRun, resolveAgentRef, resolveRunId, unitLogPath } from '../../src/core/reports/data';
import { contentSecurityPolicy, exportHtml, makeNonce, pageHtml, scriptSafeJson } from '../../src/core/reports/html';
import { agentReportModel, dashboardModel, logTail, mdText, missionFromBrief, runReportMarkdown, runReportModel } from '../../src/core/reports/models';
import { isModelOf, parseHostMessage, parsePageMessage } from '../../src/core/reports/protocol';
import { agentInfo, agentModel, agentRecord, BRIEF, dashboardModelFixture, liveRunModel, LOG, NOW, runModel, snapshot } from '../fixtures/webviews/models';
import { makeRun } from '../fixtures/webviews/runs';
import { nodeFileSystem } from '../../src/node/fs';

describe('report panels: view models', () => {
  describe('run report', () => {
    const model = runModel({ units: 60, waves: 4, agents: 5 });

    it('lists every planned unit once, with its wave and times relative to the start', () => {
      assert.equal(model.tasks.length, 60);
      assert.equal(new Set(model.tasks.map((t) => t.unit)).size, 60);
      for (const t of model.tasks) {
        assert.ok(t.startMs !== null && t.endMs !== null && t.endMs >= t.startMs, `${t.unit} has a span`);
        assert.ok(t.endMs! <= model.spanMs, `${t.unit} ends inside the timeline`);
      }
    });

    it('puts units on lanes no wider than the wave and never two at once on a lane', () => {
      for (const w of model.waves) {
        const mine = model.tasks.filter((t) => t.wave === w.index);
        assert.ok(w.lanes >= 1 && w.lanes <= w.agents, `wave ${w.index}: ${w.lanes} lanes for ${w.agents} agents`);
        for (let lane = 0; lane < w.lanes; lane++) {
          const spans = mine.filter((t) => t.lane === lane).sort((a, b) => a.startMs! - b.startMs!);
          for (let i = 1; i < spans.length; i++) assert.ok(spans[i]!.startMs! >= spans[i - 1]!.endMs! - 2, `overlap on lane ${lane} of wave ${w.index}`);
        }
      }
    });

    it('counts retries, keeps each attempt and shows the leader and setup steps', () => {
      const retried = model.tasks.filter((t) => t.attempts > 1);
      assert.equal(model.counts.retried, retried.length);
      assert.ok(retried.length > 0);
      for (const t of retried) assert.equal(t.attemptSpans.length, t.attempts);
      assert.deepEqual(model.phases.map((p) => p.kind), ['plan', 'setup', 'report']);
      assert.equal(model.phases[1]!.endMs - model.phases[1]!.startMs, model.metrics.setupMs);
    });

    it('keeps the config history oldest first, at most 20, with this run marked', () => {
      const long = runModel({ historyRuns: 25 });
      assert.equal(long.history.length, 20);
      assert.deepEqual(long.history.map((h) => h.startedAt), [...long.history.map((h) => h.startedAt)].sort());
      assert.equal(long.history.filter((h) => h.current).length, 1);
      assert.equal(long.history[long.history.length - 1]!.runId, long.runId);
    });

    it('compares with the previous run: newly failing, fixed, slower', () => {
      const before = makeRun({ runId: 'prev', units: 10, failUnits: [2], passUnits: [], start: '2026-11-20T09:00:00Z' });
      const after = makeRun({ runId: 'now', units: 10, failUnits: [5], passUnits: [2], slowdown: 1.6, start: '2026-11-21T09:00:00Z' });
      const m = runReportModel({ summary: after.summary, tasks: after.tasks, previous: { summary: before.summary, tasks: before.tasks }, now: NOW });
      const c = m.comparison!;
      assert.equal(c.previousRunId, 'prev');
      assert.deepEqual(c.newlyFailing.map((f) => f.unit), [after.tasks[5]!.unit]);
      assert.deepEqual(c.fixed, [after.tasks[2]!.unit]);
      assert.ok(c.slower.length > 0 && c.slower.every((s) => s.afterMs > s.beforeMs));
      assert.deepEqual(c.slower.map((s) => s.afterMs - s.beforeMs), [...c.slower.map((s) => s.afterMs - s.beforeMs)].sort((a, b) => b - a));
      assert.equal(c.totalDeltaMs, m.metrics.totalMs - before.summary.totalMs);
    });

    it('shows a run in progress as running, with running and pending units', () => {
      const live = liveRunModel({ units: 30 });
      assert.equal(live.status, 'running');
      assert.equal(live.live, true);
      assert.ok(live.counts.running > 0, 'some units run');
      assert.ok(live.counts.pending > 0, 'some units wait');
      assert.equal(live.endedAt, null);
      assert.ok(live.tasks.filter((t) => t.status === 'running').every((t) => t.startMs !== null && t.endMs === null));
      assert.ok(!live.phases.some((p) => p.kind === 'report'));
    });

    it('writes Markdown that no unit name can break or inject into', () => {
      const evil = makeRun({ units: 4, names: ['<img src=x onerror=alert(1)>|x', 'line\nbreak [link](javascript:alert(1))'], failEvery: 2 });
      const md = runReportMarkdown(runReportModel({ summary: evil.summary, tasks: evil.tasks, now: NOW }));
      assert.ok(!/(?<!\\)</.test(md), 'every < is escaped: no raw tag');
      assert.ok(!/(?<!\\)\[link(?<!\\)\]\(/.test(md), 'no live link');
      // Every row of the task table keeps its 9 cells: escaped pipes do not split them.
      const rows = md.slice(md.indexOf('## Tasks')).split('\n').filter((l) => l.startsWith('| '));
      assert.equal(rows.length, 2 + 4);
      for (const row of rows) assert.equal(row.split(/(?<!\\)\|/).length, 11, row);
      assert.equal(mdText('a|b<c>`d`'), 'a\\|b\\<c\\>\\`d\\`');
      const good = runReportMarkdown(runModel());
      assert.match(good, /^# Matrix run 20261121T090000Z-a1b2: failed/);
      assert.match(good, /\| Speedup over sequential \| \d+\.\d\d× /);
      assert.match(good, /## Failures/);
      assert.match(good, /## Compared with /);
    });
  });

  describe('agent report', () => {
    it('takes the mission from the brief and the figures from the engine and the record', () => {
      const m = agentModel();
      assert.equal(m.title, 'Review the sample project');
      assert.match(m.mission, /^Read every file of the project/);
      assert.ok(!m.mission.includes('## '), 'only the section body');
      assert.equal(m.status, 'succeeded');
      assert.equal(m.durationMs, 792_000);
      assert.equal(m.statusText, 'exited 0 after 13m 12s');
      assert.deepEqual(m.resources.find((r) => r.label === 'Memory limit'), { label: 'Memory limit', value: '64 MiB' });
      assert.equal(m.report!.deliverables[2]!.exists, false);
      assert.equal(m.report!.metrics.length, 4);
    });

    it('keeps the last 200 log lines without terminal codes', () => {
      const many = Array.from({ length: 500 }, (_, i) => `\x1b[31mline ${i}\x1b[0m\r`).join('\n');
      const tail = logTail(many);
      assert.equal(tail.length, 200);
      assert.equal(tail[0], 'line 300');
      assert.equal(tail[199], 'line 499');
      assert.ok(!logTail(LOG).some((l) => l.includes('\x1b')));
    });

    it('works without the engine (status unknown) and without a brief mission', () => {
      const m = agentReportModel({ id: 'a-1', ref: { agentId: 'a-1' }, record: agentRecord(), briefText: '# Only a title\n', now: NOW });
      assert.equal(m.status, 'unknown');
      assert.equal(m.mission, '');
      assert.equal(m.report, null);
      assert.deepEqual(missionFromBrief(BRIEF).title, 'Review the sample project');
    });
  });

  describe('dashboard', () => {
    it('shows personas with their tasks, open handoffs, held locks and agents by host', () => {
      const d = dashboardModelFixture();
      assert.deepEqual(d.personas.map((p) => [p.id, p.status]), [['research', 'active'], ['devops', 'idle'], ['writer', 'offline']]);
      assert.deepEqual(d.personas[0]!.tasks.map((t) => t.id), ['T1', 'T3'], 'own task first, then the handoff waiting for it');
      assert.deepEqual(d.handoffs.map((h) => h.taskId), ['T3']);
      assert.deepEqual(d.locks.map((l) => [l.resource, l.expired]), [['staging-db', false], ['release-branch', true]]);
      assert.deepEqual(d.queue.unassigned.map((t) => t.id), ['T4', 'T7']);
      assert.deepEqual(d.agents.hosts.map((h) => [h.label, h.reachable, h.agents.length]), [['unix:///var/run/docker.sock', true, 3], ['ssh://build-01', false, 1]]);
      assert.deepEqual(d.agents.byStatus, { succeeded: 1, running: 1, 'oom-killed': 1, unknown: 1 });
      assert.deepEqual(d.dependencies.edges, [{ from: 'T1', to: 'T4', satisfied: false }, { from: 'T5', to: 'T7', satisfied: true }]);
      assert.deepEqual(d.dependencies.nodes.map((n) => [n.id, n.readiness]), [['T1', 'in_progress'], ['T5', 'done'], ['T4', 'blocked'], ['T7', 'ready']]);
    });

    it('lists the parts it could not read instead of failing', () => {
      const snap = snapshot();
      snap.queue = { ok: false, error: { reason: 'state-corrupt', message: 'queue.json: not valid JSON' } };
      const d = dashboardModel({ snapshot: snap, root: '/w', records: [agentRecord()], now: NOW });
      assert.deepEqual(d.problems, ['queue: queue.json: not valid JSON']);
      assert.equal(d.queue.total, 0);
      assert.equal(d.agents.live, false);
      assert.deepEqual(d.agents.byStatus, { unknown: 1 });
    });
  });
});

describe('report panels: protocol', () => {
  it('accepts the messages each page may send, and nothing else', () => {
    assert.deepEqual(parsePageMessage('run', { type: 'openLog', unit: 'backend-unit' }), { type: 'openLog', unit: 'backend-unit' });
    assert.deepEqual(parsePageMessage('run', { type: 'export', format: 'html' }), { type: 'export', format: 'html' });
    assert.deepEqual(parsePageMessage('agent', { type: 'openDeliverable', index: 2 }), { type: 'openDeliverable', index: 2 });
    assert.deepEqual(parsePageMessage('dashboard', { type: 'openHandoff', taskId: 'T3' }), { type: 'openHandoff', taskId: 'T3' });
    assert.deepEqual(parsePageMessage('agent', { type: 'rendered', section: 'agent', ms: 3.2, items: 4 }), { type: 'rendered', section: 'agent', ms: 3.2, items: 4 });
    const refused: Array<[Parameters<typeof parsePageMessage>[0], unknown]> = [
      ['run', null], ['run', 'ready'], ['run', []], ['run', { type: 'nope' }],
      ['run', { type: 'ready', extra: 1 }],
      ['run', { type: 'openLog', unit: 42 }], ['run', { type: 'openLog', unit: '' }], ['run', { type: 'openLog', unit: 'x'.repeat(513) }],
      ['run', { type: 'openLog', unit: 'u', path: '/etc/passwd' }],
      ['run', { type: 'export', format: 'pdf' }],
      ['agent', { type: 'openLog', unit: 'u' }], ['dashboard', { type: 'rerunFailed' }],
      ['agent', { type: 'openDeliverable', index: -1 }], ['agent', { type: 'openDeliverable', index: 1.5 }], ['agent', { type: 'openDeliverable', index: '1' }],
      ['run', { type: 'rendered', section: 'x', ms: Infinity, items: 1 }],
    ];
    for (const [kind, m] of refused) assert.equal(parsePageMessage(kind, m), undefined, JSON.stringify(m));
  });

  it('checks the shape of models from the extension', () => {
    const m = runModel();
    assert.ok(isModelOf('run', m));
    assert.ok(!isModelOf('agent', m));
    assert.ok(isModelOf('agent', agentModel()));
    assert.ok(isModelOf('dashboard', dashboardModelFixture()));
    assert.ok(!isModelOf('dashboard', { ...dashboardModelFixture(), dependencies: undefined }), 'the page draws the dependency graph: it must be there');
    assert.ok(!isModelOf('dashboard', { ...dashboardModelFixture(), dependencies: { ...dashboardModelFixture().dependencies, nodes: [{ id: 'T1' }] } }));
    assert.deepEqual(parseHostMessage('run', { type: 'update', model: m })?.type, 'update');
    assert.equal(parseHostMessage('run', { type: 'init', model: { ...m, tasks: 'x' } }), undefined);
    assert.equal(parseHostMessage('run', { type: 'init', model: { ...m, tasks: [{ unit: 'a' }] } }), undefined);
    assert.equal(parseHostMessage('run', { type: 'notice', level: 'warn', text: 'x' }), undefined);
    assert.deepEqual(parseHostMessage('agent', { type: 'notice', level: 'error', text: 'x' }), { type: 'notice', level: 'error', text: 'x' });
  });
});

describe('report panels: HTML', () => {
  it('renders with a fresh nonce and the webview CSP', () => {
    const a = makeNonce();
    const b = makeNonce();
    assert.notEqual(a, b);
    assert.match(a, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(contentSecurityPolicy('https://x.vscode-cdn.net', 'N'),
      "default-src 'none'; script-src 'nonce-N'; style-src https://x.vscode-cdn.net 'nonce-N'; img-src https://x.vscode-cdn.net data:; font-src https://x.vscode-cdn.net");
    const html = pageHtml({ kind: 'run', title: 'Run "x"', cspSource: 'https://c', nonce: a, scriptUri: 'https://c/run.js', styleUri: 'https://c/run.css' });
    assert.ok(html.includes(`<script nonce="${a}" src="https://c/run.js"></script>`));
    assert.ok(html.includes('<title>Run &quot;x&quot;</title>'));
    assert.equal((html.match(/<script/g) ?? []).length, 1);
  });

  it('exports a file whose embedded data cannot close its script element', () => {
    assert.equal(scriptSafeJson({ a: '</script><!--' }), '{"a":"\\u003c/script\\u003e\\u003c!--"}');
    const m = runModel({ units: 3, names: ['</script><script>alert(1)</script>'] });
    const html = exportHtml({ kind: 'run', title: 't', model: m, script: 'var s = "</script>";', css: 'a{}</style>' });
    assert.equal((html.match(/<\/script>/g) ?? []).length, 2, 'only the two real closing tags');
    assert.ok(!html.includes('</style></style>'));
    assert.match(html, /content="default-src 'none'; script-src 'nonce-[\w-]+'; style-src 'nonce-[\w-]+'; img-src data:"/);
    assert.equal(JSON.parse(html.match(/<script type="application\/json" id="af-model">(.*?)<\/script>/s)![1]!).runId, m.runId);
  });
});

describe('report panels: reading runs and agents', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'panels-data-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  async function writeRun(run: ReturnType<typeof makeRun>, withSummary: boolean, only?: number): Promise<string> {
    const dir = path.join(root, RUNS_DIR, run.summary.runId);
    await fs.mkdir(path.join(dir, 'tasks'), { recursive: true });
    await fs.mkdir(path.join(dir, 'logs'), { recursive: true });
    await fs.writeFile(path.join(dir, 'plan.json'), JSON.stringify(run.plan));
    for (const t of run.tasks.slice(0, only ?? run.tasks.length)) await fs.writeFile(path.join(dir, 'tasks', `${t.unit}.json`), JSON.stringify(t));
    if (withSummary) await fs.writeFile(path.join(dir, 'summary.json'), JSON.stringify(run.summary));
    return dir;
  }

  it('finds a run by id, by folder, by a file in it, and the latest by default', async () => {
    const a = makeRun({ runId: '20261120T090000Z-aaaa', start: '2026-11-20T09:00:00Z' });
    const b = makeRun({ runId: '20261121T090000Z-bbbb', start: '2026-11-21T09:00:00Z' });
    const dirA = await writeRun(a, true);
    await writeRun(b, true);
    assert.equal(await resolveRunId(nodeFileSystem, root, undefined), '20261121T090000Z-bbbb');
    assert.equal(await resolveRunId(nodeFileSystem, root, '20261120T090000Z-aaaa'), '20261120T090000Z-aaaa');
    assert.equal(await resolveRunId(nodeFileSystem, root, dirA), '20261120T090000Z-aaaa');
    assert.equal(await resolveRunId(nodeFileSystem, root, path.join(dirA, 'tasks', 'x.json')), '20261120T090000Z-aaaa');
    assert.equal(await resolveRunId(nodeFileSystem, root, { fsPath: dirA }), '20261120T090000Z-aaaa');
    await assert.rejects(resolveRunId(nodeFileSystem, root, '/etc'), /not a run folder/);
    await assert.rejects(resolveRunId(nodeFileSystem, root, path.join(root, RUNS_DIR, '..', 'x', 'y')), /not a run folder/);
  });

  it('loads a finished run with its history and the previous run', async () => {
    const older = makeRun({ runId: '20261120T090000Z-aaaa', start: '2026-11-20T09:00:00Z', units: 12 });
    const newer = makeRun({ runId: '20261121T090000Z-bbbb', start: '2026-11-21T09:00:00Z', units: 12, failEvery: 5 });
    await writeRun(older, true);
    await writeRun(newer, true);
    const { model } = await loadRun(nodeFileSystem, root, newer.summary.runId, { now: NOW });
    assert.equal(model.status, 'failed');
    assert.deepEqual(model.history.map((h) => h.runId), [older.summary.runId, newer.summary.runId]);
    assert.equal(model.comparison?.previousRunId, older.summary.runId);
  });

  it('loads a run in progress: results so far, running units from their logs, the rest pending', async () => {
    const run = makeRun({ runId: '20261121T093000Z-live', units: 10 });
    const dir = await writeRun(run, false, 4);
    const runningUnit = run.tasks[4]!;
    await fs.writeFile(path.join(dir, 'logs', `${runningUnit.unit}.log`), `=== ${runningUnit.unit} attempt 1/1 in ${runningUnit.module}: npm test (${new Date().toISOString()})\nworking…\n`);
    const { model } = await loadRun(nodeFileSystem, root, run.summary.runId);
    assert.equal(model.status, 'running');
    assert.equal(model.live, true);
    assert.equal(model.tasks.filter((t) => ['passed', 'failed', 'timed_out'].includes(t.status)).length, 4);
    assert.deepEqual(model.tasks.filter((t) => t.status === 'running').map((t) => t.unit), [runningUnit.unit]);
    assert.equal(model.counts.pending, 5);
  });

  it('opens only logs inside the run folder', () => {
    const run = makeRun({ runId: 'r1', units: 2 });
    const tasks = run.tasks.map((t, i) => ({ ...t, log: i ? '../../../../etc/passwd' : t.log }));
    assert.equal(unitLogPath(root, 'r1', tasks[0]!.unit, tasks), path.join(root, tasks[0]!.log!));
    assert.equal(unitLogPath(root, 'r1', tasks[1]!.unit, tasks), undefined);
  });

  it('reads an agent report from its output folder and refuses links out of it', async () => {
    const id = 'reviewer-1a2b3c';
    const out = path.join(root, '.federation', 'agents', id, 'output');
    await fs.mkdir(path.join(out, 'findings'), { recursive: true });
    await fs.writeFile(path.join(out, 'review.md'), '# Review\n');
    await fs.writeFile(path.join(root, 'secret.txt'), 'secret');
    await fs.symlink(path.join(root, 'secret.txt'), path.join(out, 'findings', 'sql.md'));
    await fs.writeFile(path.join(out, REPORT_FILE), JSON.stringify({
      status: 'succeeded', summary: 'Done.', startedAt: '2026-11-21T09:10:02Z', finishedAt: '2026-11-21T09:23:10Z',
      deliverables: [{ path: 'review.md', description: 'the review' }, { path: 'findings/sql.md' }, { path: '/output/none.txt' }],
    }));
    await fs.mkdir(path.join(root, '.federation'), { recursive: true });
    await fs.writeFile(path.join(root, '.federation', 'agents.json'), JSON.stringify({ version: 1, revision: 1, agents: [agentRecord()] }));
    const source = {
      get: async () => agentInfo({ status: 'running', exitCode: null, finishedAt: undefined, durationSeconds: undefined, uptimeSeconds: 30 }),
      list: async () => ({ agents: [], hosts: [] }),
      logs: async () => {
        const chunks = [{ text: 'hello\n' }, { text: '\x1b[1mworld\x1b[0m\n' }];
        return { close() {}, async *[Symbol.asyncIterator]() { yield* chunks; } };
      },
    };
    const { model, outputDir } = await loadAgent(nodeFileSystem, root, resolveAgentRef(root, id), source, { now: NOW });
    assert.equal(model.status, 'running');
    assert.equal(model.live, true);
    assert.deepEqual(model.logTail, ['hello', 'world']);
    assert.deepEqual(model.report!.deliverables.map((d) => [d.path, d.exists]), [['review.md', true], ['findings/sql.md', false], ['/output/none.txt', false]]);
    assert.equal(await deliverablePath(nodeFileSystem, outputDir, 'review.md'), path.join(out, 'review.md'));
    assert.equal(await deliverablePath(nodeFileSystem, outputDir, 'findings/sql.md'), undefined, 'a link is never opened');
    assert.equal(await deliverablePath(nodeFileSystem, outputDir, '../../agents.json'), undefined);

    const viaFile = await loadAgent(nodeFileSystem, root, resolveAgentRef(root, path.join(out, REPORT_FILE)), undefined);
    assert.equal(viaFile.model.id, id, 'a report inside an agent folder is that agent');
    const elsewhere = path.join(root, 'copy.json');
    await fs.copyFile(path.join(out, REPORT_FILE), elsewhere);
    const plain = await loadAgent(nodeFileSystem, root, resolveAgentRef(root, elsewhere), undefined);
    assert.equal(plain.model.report?.summary, 'Done.');
    assert.match(plain.model.logNote ?? '', /no container/);
  });

  it('does not wait forever for an engine that does not answer', async () => {
    const hang = new Promise<never>(() => undefined);
    const source = { get: () => hang, list: () => hang, logs: () => hang };
    const t0 = Date.now();
    const { model } = await loadAgent(nodeFileSystem, root, { agentId: 'ghost-1' }, source, { timeoutMs: 200 });
    assert.ok(Date.now() - t0 < 3000);
    assert.match(model.error ?? '', /did not answer/);
  });
});
