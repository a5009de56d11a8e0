// `federation matrix …` through the command module, as main.ts will call it.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CLI } from '../../helpers/cli';
import { useTempDir } from '../../helpers/tmp';
import { copyDemoMonorepo, matrixCli, pidAlive } from './helpers';


describe('federation matrix (CLI)', function () {
  this.timeout(60_000);
  const tmp = useTempDir('fed-mcli-');
  // Command approvals go to a throwaway file, never the user's own config.
  const savedApprovals = process.env['FEDERATION_APPROVALS_FILE'];
  before(() => {
    process.env['FEDERATION_APPROVALS_FILE'] = path.join(require('node:os').tmpdir(), `fed-approvals-${process.pid}.json`);
  });
  after(() => {
    rmSync(process.env['FEDERATION_APPROVALS_FILE']!, { force: true });
    if (savedApprovals === undefined) delete process.env['FEDERATION_APPROVALS_FILE'];
    else process.env['FEDERATION_APPROVALS_FILE'] = savedApprovals;
  });

  const run = (...argv: string[]) => matrixCli(tmp.path, ...argv);

  beforeEach(() => copyDemoMonorepo(tmp.path));

  it('validate: exit 0 for the demo config; exit 1 with file:line:col for a bad one, nothing run', async () => {
    assert.equal((await run('validate')).code, 0);
    const cfg = path.join(tmp.path, '.github', 'multi-agent-config.yml');
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('tasks: [test-backend, test-frontend]', 'tasks: [test-backend, test-frontnd]'));
    const bad = await run('validate');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /^\.github\/multi-agent-config\.yml:\d+:\d+: unknown task "test-frontnd" in priority_2/m);
    const line = readFileSync(cfg, 'utf8').split('\n').findIndex((l) => l.includes('test-frontnd')) + 1;
    const col = readFileSync(cfg, 'utf8').split('\n')[line - 1]!.indexOf('test-frontnd') + 1;
    assert.match(bad.err, new RegExp(`:${line}:${col}: unknown task`));
    const json = await run('validate', '--json');
    assert.equal(JSON.parse(json.out).valid, false);
    const r = await run('run');
    assert.equal(r.code, 1);
    assert.equal(existsSync(path.join(tmp.path, '.federation', 'runs')), false, 'nothing ran');
  });

  it('a module folder that does not exist stops run before anything starts', async () => {
    const cfg = path.join(tmp.path, '.github', 'multi-agent-config.yml');
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('module: frontend\n    command: npm run lint', 'module: fronted\n    command: npm run lint'));
    const r = await run('run', '--install-command', 'true', '--allow-workspace-commands');
    assert.equal(r.code, 1);
    assert.match(r.err, /:\d+:13: module folder "fronted" of task "lint-frontend" does not exist/);
    assert.equal(existsSync(path.join(tmp.path, '.federation', 'runs')), false);
  });

  it('plan --json: the documented shape; --only, --priority, --max-parallel; --github-output', async () => {
    const plan = JSON.parse((await run('plan', '--json')).out);
    assert.equal(plan.version, 1);
    assert.equal(plan.configFile, '.github/multi-agent-config.yml');
    assert.deepEqual(plan.waves.map((w: { priority: string; agents: number }) => [w.priority, w.agents]), [['priority_1', 4], ['priority_2', 3], ['priority_3', 2]]);
    const only = JSON.parse((await run('plan', '--json', '--only', 'build-frontend', 'lint-backend')).out);
    assert.deepEqual(only.waves.map((w: { units: { id: string }[] }) => w.units.map((u) => u.id)), [['lint-backend'], [], ['build-frontend']]);
    const p2 = JSON.parse((await run('plan', '--json', '--priority', '2', '--max-parallel', '1')).out);
    assert.deepEqual(p2.waves.map((w: { agents: number }) => w.agents), [0, 1, 0]);
    assert.equal((await run('plan', '--only', 'nope')).code, 1);
    assert.equal((await run('plan', '--max-parallel', 'x')).code, 2);
    await run('plan', '--github-output', 'gh-out.txt');
    assert.match(readFileSync(path.join(tmp.path, 'gh-out.txt'), 'utf8'), /^priority_2_count=3$/m);
  });

  it('run → runs → report (md, json, --out); exit 1 when a task fails that was not allowed to', async () => {
    const r = await run('run', '--install-command', 'mkdir -p node_modules', '--run-id', 'first', '--max-parallel', '2', '--allow-workspace-commands');
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /wave 3 priority_3 "Build & Package"/);
    assert.match(r.out, /run first: passed: 9\/9 passed/);
    const runs = JSON.parse((await run('runs', '--json')).out).runs;
    assert.deepEqual(runs.map((x: { runId: string }) => x.runId), ['first']);
    const md = await run('report');
    assert.match(md.out, /^# Matrix run first: passed/);
    assert.match(md.out, /\| ✅ test-backend\.shard-1-of-2 \| priority_2 \| backend \| passed/);
    const json = JSON.parse((await run('report', '--format', 'json', '--run', 'first')).out);
    assert.equal(json.summary.counts.units, 9);
    assert.equal(json.tasks.length, 9);
    assert.equal((await run('report', '--out', 'out/report.md')).code, 0);
    assert.match(readFileSync(path.join(tmp.path, 'out', 'report.md'), 'utf8'), /## Waves/);
    // The report panel's page as one file: its script, styles and the run's data inlined, nothing fetched.
    assert.equal((await run('report', '--format', 'html', '--out', 'out/report.html')).code, 0);
    const html = readFileSync(path.join(tmp.path, 'out', 'report.html'), 'utf8');
    assert.match(html, /^<!DOCTYPE html>/i);
    assert.match(html, /test-backend\.shard-1-of-2/);
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/i, 'nothing is loaded from elsewhere');

    writeFileSync(path.join(tmp.path, 'backend', 'src', 'bad.js'), 'var x = 1;\nmodule.exports = { tests: { fails: () => false } };\n');
    const failed = await run('run', '--no-setup', '--run-id', 'second', '--json', '--allow-workspace-commands');
    assert.equal(failed.code, 1);
    const s = JSON.parse(failed.out).summary;
    assert.equal(s.status, 'failed');
    const tasks = JSON.parse((await run('report', '--format', 'json', '--run', 'second')).out).tasks as { unit: string; status: string; allowed: string | null }[];
    const lint = tasks.find((t) => t.unit === 'lint-backend')!;
    assert.deepEqual([lint.status, lint.allowed], ['failed', 'allow_warnings'], 'lint failure allowed as a warning');
    assert.equal(tasks.find((t) => t.unit === 'build-backend')!.status, 'passed', 'the next waves still ran');
  });

  it('bad isolation and report arguments are refused', async () => {
    assert.equal((await run('report', '--format', 'pdf')).code, 2);
    assert.equal((await run('run', '--isolation', 'vm')).code, 2);
    assert.equal((await run('report', '--run', 'none-such')).code, 1);
    assert.equal((await run('bogus')).code, 2);
  });

  it('runs workspace-defined commands only when allowed: refused at first, remembered once allowed, refused again when changed', async () => {
    const cfg = path.join(tmp.path, '.github', 'multi-agent-config.yml');
    writeFileSync(cfg, 'tasks:\n  a: {module: ., command: "echo ran > ran.txt"}\npriorities:\n  priority_1: {tasks: [a]}\n');
    const refused = await run('run', '--no-setup');
    assert.equal(refused.code, 1);
    assert.match(refused.err, /has not run here before:\n {2}\.: echo ran > ran\.txt\n.*--allow-workspace-commands/s);
    assert.equal(existsSync(path.join(tmp.path, 'ran.txt')), false, 'nothing ran');
    assert.equal((await run('run', '--no-setup', '--allow-workspace-commands')).code, 0);
    assert.equal(existsSync(path.join(tmp.path, 'ran.txt')), true);
    assert.equal((await run('run', '--no-setup')).code, 0, 'remembered for this workspace');
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('echo ran', 'echo changed'));
    assert.equal((await run('run', '--no-setup')).code, 1, 'a changed command needs allowing again');
  });

  it('SIGINT (Ctrl-C to the CLI\'s process group) stops every process it started and exits 130', async () => {
    const pids = path.join(tmp.path, 'pids');
    writeFileSync(
      path.join(tmp.path, '.github', 'multi-agent-config.yml'),
      `tasks:\n  a: {module: ., command: "sleep 30 & echo $! >> pids; echo $$ >> pids; wait"}\n  b: {module: ., command: "sleep 30 & echo $! >> pids; echo $$ >> pids; wait"}\npriorities:\n  priority_1: {tasks: [a, b]}\n`,
    );
    const { spawn } = await import('node:child_process');
    // The shipped CLI, in a group of its own, and the SIGINT goes to the whole group, as a terminal's Ctrl-C does.
    const child = spawn(process.execPath, [CLI, 'matrix', 'run', '--grace', '0.3', '--allow-workspace-commands'], { cwd: tmp.path, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    try {
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && (existsSync(pids) ? readFileSync(pids, 'utf8').trim().split('\n').length : 0) < 4) await new Promise((r) => setTimeout(r, 20));
      const started = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
      assert.equal(started.length, 4);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      process.kill(-child.pid!, 'SIGINT');
      const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000))]);
      assert.equal(code, 130);
      assert.deepEqual(started.filter(pidAlive), []);
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
  });

  it('workflow writes .github/workflows/multi-agent-deploy.yml', async () => {
    const r = await run('workflow', '--json');
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.out).jobs, ['leader', 'setup', 'priority_1', 'priority_2', 'priority_3', 'report']);
    assert.match(readFileSync(path.join(tmp.path, '.github', 'workflows', 'multi-agent-deploy.yml'), 'utf8'), /^# Generated by "federation matrix workflow"/);
    assert.equal((await run('workflow', '--out', 'wf.yml', '--cli', 'node cli.js')).code, 0);
    assert.match(readFileSync(path.join(tmp.path, 'wf.yml'), 'utf8'), /node cli\.js matrix run/);
  });

  it('workflow --isolation docker: workers pull every task image and run in containers; a task without an image refuses', async () => {
    const cfg = path.join(tmp.path, '.github', 'multi-agent-config.yml');
    const refused = await run('workflow', '--isolation', 'docker', '--out', 'wf-docker.yml');
    assert.equal(refused.code, 1);
    assert.match(refused.err, /names no image/);
    assert.equal(existsSync(path.join(tmp.path, 'wf-docker.yml')), false, 'nothing written');
    writeFileSync(cfg, readFileSync(cfg, 'utf8') + '\ndocker:\n  image: node:20-bookworm-slim\n');
    assert.equal((await run('workflow', '--isolation', 'docker', '--out', 'wf-docker.yml')).code, 0);
    const yml = readFileSync(path.join(tmp.path, 'wf-docker.yml'), 'utf8');
    assert.match(yml, /docker pull "node:20-bookworm-slim"/);
    assert.match(yml, /matrix run .* --isolation docker/);
  });
});
