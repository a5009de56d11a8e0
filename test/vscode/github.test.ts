// Start Run on GitHub in a real editor: nothing of the extension is stubbed. The user's API URL setting points at
// a local server (started here, in the extension host) that answers the GitHub REST calls with their documented
// shapes; the token is passed as a command argument, which the command accepts only while the API URL is a
// loopback address. The run shows live in the Runs view and, at the end, as a saved run with its report.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { FederationExtensionApi } from '../../src/extension/extension';
import { MatrixPlan, planMatrix } from '../../src/core/matrix/plan';
import { summarizeRun, TaskResult } from '../../src/core/matrix/results';
import { renderJsonReport } from '../../src/core/matrix/report';
import { validateMatrixConfig } from '../../src/core/matrix/validate';
import { FakeGithub, makeZip, startFakeGithub } from '../helpers/fakeGithub';

interface Node {
  kind: string;
  runId?: string;
  description?: string;
  contextValue: string;
  children: Node[];
}

function root(): string {
  return vscode.workspace.workspaceFolders![0]!.uri.fsPath;
}

/** A passed result for every unit of the plan, starting at `startedAt` and lasting a second. */
function passedTasks(plan: MatrixPlan, runId: string, startedAt: string): TaskResult[] {
  const endedAt = new Date(Date.parse(startedAt) + 1000).toISOString();
  return plan.waves.flatMap((w) =>
    w.units.map((u) => ({
      version: 1 as const, runId, unit: u.id, task: u.task, shard: u.shard, priority: u.priority, wave: w.index, module: u.module, command: u.command,
      status: 'passed' as const, allowed: null, blocking: false, exitCode: 0, signal: null, attempts: 1, maxAttempts: 1,
      startedAt, endedAt, durationMs: 1000, log: null, artifacts: [], attemptDetails: [],
    })),
  );
}

describe('Start Run on GitHub in a real editor (local API server)', function () {
  this.timeout(120_000);
  let server: FakeGithub | undefined;
  const settings = () => vscode.workspace.getConfiguration('agentFederation');

  after(async () => {
    await settings().update('github.apiUrl', undefined, vscode.ConfigurationTarget.Global);
    await server?.close();
  });

  it('dispatches, follows the jobs live in the Runs view and saves the report as a run', async () => {
    const api = await vscode.extensions.getExtension<FederationExtensionApi>('agent-federation.agent-federation')!.activate();
    const configFile = path.join(root(), '.github', 'multi-agent-config.yml');
    const config = validateMatrixConfig(fs.readFileSync(configFile, 'utf8'), configFile).config!;
    const plan = planMatrix(config, { configFile: '.github/multi-agent-config.yml' });
    const runId = 'gh-777-1';
    const units = plan.waves.flatMap((w) => w.units.map((u) => ({ w, u })));
    const tasks = passedTasks(plan, runId, '2020-01-01T10:01:00.000Z');
    // Times in the past: the saved run sorts after the runs the other in-editor tests start and look for first.
    const summary = summarizeRun({ runId, plan, results: tasks });
    server = await startFakeGithub({
      owner: 'octo', repo: 'demo', runId: 777, token: 'editor-test-token', pollsUntilDone: 3,
      jobs: [
        { name: 'Leader: plan the matrix', states: [{ status: 'completed' }] },
        ...units.map(({ w, u }) => ({ name: `${w.name} (${u.id})`, states: [{ status: 'in_progress' as const }, { status: 'in_progress' as const }, { status: 'completed' as const }] })),
        { name: 'Leader: report', states: [{ status: 'queued' }, { status: 'queued' }, { status: 'completed' }] },
      ],
      artifacts: { 'matrix-report': makeZip({ 'matrix-report.json': renderJsonReport(summary, tasks), 'matrix-report.md': '# report\n' }) },
    });
    await settings().update('github.apiUrl', server.url, vscode.ConfigurationTarget.Global);

    const tree = api.runsTree!;
    const seen: string[] = [];
    const sub = tree.onDidChangeTreeData!(async () => {
      const runs = ((await tree.getChildren()) ?? []) as Node[];
      const gh = runs.find((r) => r.runId === runId);
      if (gh) seen.push(`${gh.contextValue}|${gh.children.flatMap((w) => w.children).filter((u) => u.contextValue.startsWith('unit:running')).length}`);
    });
    let result: { runId: string; status: string; report: { summary: { counts: { units: number } } } | null };
    try {
      result = (await vscode.commands.executeCommand('agentFederation.startGithubRun', { repository: 'octo/demo', ref: 'main', token: 'editor-test-token', pollSeconds: 0.2 })) as typeof result;
    } finally {
      sub.dispose();
    }
    assert.strictEqual(result.runId, runId);
    assert.strictEqual(result.status, 'passed');
    assert.strictEqual(result.report!.summary.counts.units, units.length);
    assert.ok(seen.some((s) => s.startsWith('run:running|') && Number(s.split('|')[1]) > 0), `the view showed running units (saw ${[...new Set(seen)].join(', ')})`);
    assert.ok(server.requests.some((r) => r.method === 'POST' && r.url.endsWith('/dispatches') && r.auth === 'token editor-test-token'));

    const runs = ((await tree.getChildren()) ?? []) as Node[];
    const gh = runs.find((r) => r.runId === runId)!;
    assert.strictEqual(gh.contextValue, 'run:passed');
    assert.match(gh.description ?? '', /^GitHub/);
    assert.ok(fs.existsSync(path.join(root(), '.federation', 'runs', runId, 'summary.json')));
  });

  it('Follow Run on GitHub takes up a run this window did not start (as after a reload): live in the view, then its report', async () => {
    const api = await vscode.extensions.getExtension<FederationExtensionApi>('agent-federation.agent-federation')!.activate();
    const configFile = path.join(root(), '.github', 'multi-agent-config.yml');
    const plan = planMatrix(validateMatrixConfig(fs.readFileSync(configFile, 'utf8'), configFile).config!, { configFile: '.github/multi-agent-config.yml' });
    const runId = 'gh-778-1';
    // What the window that dispatched it left behind: the run's folder with its plan, no report.
    fs.mkdirSync(path.join(root(), '.federation', 'runs', runId), { recursive: true });
    fs.writeFileSync(path.join(root(), '.federation', 'runs', runId, 'plan.json'), JSON.stringify(plan));
    const units = plan.waves.flatMap((w) => w.units.map((u) => ({ w, u })));
    const tasks = passedTasks(plan, runId, '2020-01-01T09:01:00.000Z');
    await server?.close();
    server = await startFakeGithub({
      owner: 'octo', repo: 'demo', runId: 778, token: 'editor-test-token', pollsUntilDone: 3,
      jobs: units.map(({ w, u }) => ({ name: `${w.name} (${u.id})`, states: [{ status: 'in_progress' as const }, { status: 'in_progress' as const }, { status: 'completed' as const }] })),
      artifacts: { 'matrix-report': makeZip({ 'matrix-report.json': renderJsonReport(summarizeRun({ runId, plan, results: tasks }), tasks) }) },
    });
    await settings().update('github.apiUrl', server.url, vscode.ConfigurationTarget.Global);
    const tree = api.runsTree!;
    const item = async () => (((await tree.getChildren()) ?? []) as Node[]).find((r) => r.runId === runId);
    const deadline = Date.now() + 10_000;
    while ((await item())?.contextValue !== 'run:incomplete:github' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const before = (await item())!;
    assert.strictEqual(before.contextValue, 'run:incomplete:github', 'listed as a GitHub run without its report, not followed here');
    assert.match(before.description ?? '', /^GitHub · no report yet/);

    const seen: string[] = [];
    const sub = tree.onDidChangeTreeData!(async () => {
      const gh = await item();
      if (gh) seen.push(gh.contextValue);
    });
    let result: { runId: string; status: string; report: { summary: { counts: { units: number } } } | null };
    try {
      result = (await vscode.commands.executeCommand('agentFederation.followGithubRun', { runId, repository: 'octo/demo', token: 'editor-test-token', pollSeconds: 0.2 })) as typeof result;
    } finally {
      sub.dispose();
    }
    assert.strictEqual(result.runId, runId);
    assert.strictEqual(result.status, 'passed');
    assert.strictEqual(result.report!.summary.counts.units, units.length);
    assert.ok(seen.includes('run:running'), `the view showed it running while followed (saw ${[...new Set(seen)].join(', ')})`);
    assert.ok(!server.requests.some((r) => r.method === 'POST'), 'nothing was dispatched');
    assert.strictEqual((await item())!.contextValue, 'run:passed');
    assert.ok(fs.existsSync(path.join(root(), '.federation', 'runs', runId, 'summary.json')));
  });

  it('Follow Run on GitHub on a run re-run since: its newest attempt is followed and saved; a broken plan.json breaks nothing', async () => {
    const api = await vscode.extensions.getExtension<FederationExtensionApi>('agent-federation.agent-federation')!.activate();
    const configFile = path.join(root(), '.github', 'multi-agent-config.yml');
    const plan = planMatrix(validateMatrixConfig(fs.readFileSync(configFile, 'utf8'), configFile).config!, { configFile: '.github/multi-agent-config.yml' });
    const [old, newest] = ['gh-779-1', 'gh-779-2'];
    const oldDir = path.join(root(), '.federation', 'runs', old);
    fs.mkdirSync(oldDir, { recursive: true });
    // Hand-edited into something that is JSON but not a plan: the config's plan is used instead.
    fs.writeFileSync(path.join(oldDir, 'plan.json'), '{"waves": {"not": "a list"}}');
    const units = plan.waves.flatMap((w) => w.units.map((u) => ({ w, u })));
    const tasks = passedTasks(plan, newest, '2020-01-01T08:01:00.000Z');
    await server?.close();
    server = await startFakeGithub({
      owner: 'octo', repo: 'demo', runId: 779, runAttempt: 2, runStartedAt: '2026-01-01T11:00:00Z', token: 'editor-test-token', pollsUntilDone: 2,
      jobs: units.map(({ w, u }) => ({ name: `${w.name} (${u.id})`, states: [{ status: 'in_progress' as const }, { status: 'completed' as const }] })),
      artifacts: { 'matrix-report': makeZip({ 'matrix-report.json': renderJsonReport(summarizeRun({ runId: newest, plan, results: tasks }), tasks) }) },
      artifactCreatedAt: { 'matrix-report': '2026-01-01T11:04:00Z' },
    });
    await settings().update('github.apiUrl', server.url, vscode.ConfigurationTarget.Global);
    const result = (await vscode.commands.executeCommand('agentFederation.followGithubRun', { runId: old, repository: 'octo/demo', token: 'editor-test-token', pollSeconds: 0.2 })) as { runId: string; status: string };
    assert.strictEqual(result.runId, newest);
    assert.strictEqual(result.status, 'passed');
    assert.ok(fs.existsSync(path.join(root(), '.federation', 'runs', newest, 'summary.json')));
    assert.ok(!fs.existsSync(oldDir), 'the older attempt\'s folder, which held only its plan, is gone');
    const runs = ((await api.runsTree!.getChildren()) ?? []) as Node[];
    assert.ok(!runs.some((r) => r.runId === old));
    assert.strictEqual(runs.find((r) => r.runId === newest)?.contextValue, 'run:passed');
    const err = await Promise.resolve(vscode.commands.executeCommand('agentFederation.followGithubRun', { runId: 'latest', token: 'editor-test-token' })).then(() => undefined, (e: unknown) => e);
    assert.match(String((err as Error)?.message ?? err), /"latest" is not a run on GitHub/);
  });
});
