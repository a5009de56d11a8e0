// `matrix run --isolation docker` against the real engine: every task attempt in its own hardened container (a
// locally built busybox image), through the same runner as local processes. Output in the per-task log, results
// JSON, a failing task that does not stop its wave, a timeout that kills and removes, a cancel that leaves no
// container behind, an engine that is not there, and the CLI. Needs a running engine (scripts/ensure-docker.sh).
import * as assert from 'node:assert/strict';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { workspaceHash } from '../../src/core/agents/labels';
import type { DockerClient } from '../../src/core/docker/client';
import { createDockerodeClient } from '../../src/node/docker/dockerodeClient';
import { FederationError } from '../../src/core/errors';
import { MATRIX_LABEL } from '../../src/core/matrix/containerRunner';
import { prepareDockerIsolation, removeRunContainers } from '../../src/core/matrix/dockerIsolation';
import { planMatrix } from '../../src/core/matrix/plan';
import { readRun } from '../../src/core/matrix/results';
import { MatrixEvent, runMatrix } from '../../src/core/matrix/runner';
import { validateMatrixConfig } from '../../src/core/matrix/validate';
import { nodeFileSystem } from '../../src/node/fs';
import { newLocalProcessRunner } from '../../src/node/process';
import { matrixCli, matrixCliEnv } from '../unit/matrix/helpers';
import { buildTestImage, RUN_ID, runLabels, useEngine } from './helpers';

describe('Matrix runs in containers (real engine)', function () {
  this.timeout(90_000);
  const engine = useEngine();
  const { suite, each } = engine;
  let client: DockerClient;
  let image: string;
  before(async () => {
    client = engine.client;
    image = await buildTestImage(client, 'matrix');
    suite.image(image);
  });

  /** A repository with modules a/ and b/, a shared scripts/ folder and the given config body. */
  function workspace(config: string): string {
    const root = each.tempDir('matrix');
    for (const d of ['a', 'b', 'scripts', '.github', '.federation']) mkdirSync(path.join(root, d), { recursive: true });
    writeFileSync(path.join(root, 'scripts', 'shared.txt'), 'shared script text\n');
    writeFileSync(path.join(root, '.federation', 'secret.txt'), 'federation state\n');
    writeFileSync(path.join(root, '.github', 'multi-agent-config.yml'), config);
    return root;
  }

  async function planned(root: string) {
    const text = readFileSync(path.join(root, '.github', 'multi-agent-config.yml'), 'utf8');
    const { config, findings } = validateMatrixConfig(text, 'multi-agent-config.yml');
    assert.ok(config, JSON.stringify(findings));
    const plan = planMatrix(config);
    const isolation = await prepareDockerIsolation({ fs: nodeFileSystem, client, root, config, plan, labels: runLabels() });
    return { config, plan, isolation };
  }

  const ours = async (runId: string) => client.listContainers({ labels: { [MATRIX_LABEL.run]: runId } });

  it('runs every task in its own hardened container: logs, results, a failure does not stop the wave', async () => {
    const root = workspace(`
docker: { image: ${image}, memory: 256m, pids: 64 }
tasks:
  hello:
    module: a
    command: 'echo "hello from $FEDERATION_UNIT_ID attempt $FEDERATION_ATTEMPT"; echo to-stderr >&2; pwd; cat ../scripts/shared.txt; echo built > out.txt; echo "task env $GREETING"'
    env: { GREETING: hi }
  confined:
    module: a
    command: >-
      grep -E '^(CapEff|NoNewPrivs)' /proc/self/status;
      touch /rootfile 2>&1 || echo rootfs-read-only;
      touch /workspace/rootfile 2>&1 || echo workspace-read-only;
      echo "federation: [$(ls /workspace/.federation)]";
      echo "net: $(ls /sys/class/net | tr '\\n' ' ')";
      echo "home $HOME";
      echo "pids $(cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null | head -1)";
      echo "leak [$HOST_ONLY_SECRET] [$PATH_FROM_HOST]"
  fails:
    module: b
    command: 'echo "uid $(id -u)"; echo failing; touch b-was-writable; exit 3'
  next:
    module: b
    command: echo next wave
priorities:
  priority_1: { tasks: [hello, confined, fails] }
  priority_2: { tasks: [next] }
`);
    // b/ belongs to someone else: its container runs as that owner, not as us.
    chownSync(path.join(root, 'b'), 1000, 1000);
    const { plan, isolation } = await planned(root);
    const events: MatrixEvent[] = [];
    const out = await runMatrix({
      root, plan, processRunnerFactory: newLocalProcessRunner, fs: nodeFileSystem, isolation, setup: false, runId: `m1-${RUN_ID}`,
      env: { ...process.env, HOST_ONLY_SECRET: 'leaked', PATH_FROM_HOST: '/host/bin' },
      onEvent: (e) => events.push(e),
    });
    const by = new Map(out.results.map((r) => [r.unit, r]));
    const log = (unit: string) => readFileSync(path.join(root, by.get(unit)!.log!), 'utf8');

    assert.equal(by.get('hello')!.status, 'passed', log('hello'));
    assert.match(log('hello'), /^=== hello attempt 1\/1 in a: /);
    assert.match(log('hello'), /hello from hello attempt 1\n/);
    assert.match(log('hello'), /to-stderr\n/);
    assert.match(log('hello'), /^\/workspace\/a$/m);
    assert.match(log('hello'), /shared script text/);
    assert.match(log('hello'), /task env hi/);
    assert.equal(readFileSync(path.join(root, 'a', 'out.txt'), 'utf8'), 'built\n', 'the module folder is writable');

    const c = log('confined');
    assert.equal(by.get('confined')!.status, 'passed', c);
    assert.match(c, /CapEff:\s+0000000000000000/);
    assert.match(c, /NoNewPrivs:\s+1/);
    assert.match(c, /rootfs-read-only/);
    assert.match(c, /workspace-read-only/);
    assert.match(c, /federation: \[\]/, '.federation is hidden');
    assert.match(c, /net: lo $/m, 'network none: loopback only');
    assert.match(c, /home \/tmp/);
    assert.match(c, /pids 64/);
    assert.match(c, /leak \[\] \[\]/, 'the host environment stays out');

    const f = by.get('fails')!;
    assert.deepEqual([f.status, f.exitCode, f.blocking, f.attempts], ['failed', 3, true, 1]);
    assert.match(log('fails'), /uid 1000\n/);
    assert.equal(existsSync(path.join(root, 'b', 'b-was-writable')), true);
    assert.equal(by.get('next')!.status, 'passed', 'the next wave ran after the failure');
    assert.match(log('next'), /next wave/);

    assert.equal(out.summary.status, 'failed');
    assert.deepEqual([out.summary.counts.passed, out.summary.counts.failed, out.summary.counts.blockingFailures], [3, 1, 1]);
    const saved = await readRun(nodeFileSystem, root, out.runId);
    assert.deepEqual(saved.tasks.map((t) => [t.unit, t.status, t.exitCode]).sort(), [['confined', 'passed', 0], ['fails', 'failed', 3], ['hello', 'passed', 0], ['next', 'passed', 0]]);
    assert.equal(saved.summary.status, 'failed');
    assert.ok(events.some((e) => e.type === 'wave-finished' && e.wave.index === 1));
    assert.deepEqual(await ours(out.runId), [], 'every container was removed');
  });

  it("records each attempt's CPU time and peak memory from the container's own cgroup, whoever the task runs as", async () => {
    const root = workspace(`
docker: { image: ${image}, memory: 256m }
tasks:
  burn:
    module: a
    command: 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; dd if=/dev/zero of=/dev/null bs=48M count=1 2>/dev/null'
  other:
    module: b
    command: 'true'
priorities:
  priority_1: { tasks: [burn, other] }
`);
    // b/ belongs to someone else: its task runs as that owner and must still be able to leave its counters.
    chownSync(path.join(root, 'b'), 1000, 1000);
    const { plan, isolation } = await planned(root);
    const out = await runMatrix({ root, plan, processRunnerFactory: newLocalProcessRunner, fs: nodeFileSystem, env: process.env, isolation, setup: false, runId: `m9-${RUN_ID}` });
    const by = new Map(out.results.map((r) => [r.unit, r]));
    const burn = by.get('burn')!.resources!;
    assert.equal(by.get('burn')!.status, 'passed');
    assert.equal(burn.source, 'cgroup', JSON.stringify(burn));
    assert.ok(burn.cpuMs! >= 100, `CPU ${burn.cpuMs} ms`);
    assert.ok(burn.peakMemoryBytes! >= 48 << 20 && burn.peakMemoryBytes! <= 256 << 20, `peak ${burn.peakMemoryBytes}`);
    const other = by.get('other')!.resources!;
    assert.equal(other.source, 'cgroup', JSON.stringify(other));
    assert.ok(other.peakMemoryBytes! < burn.peakMemoryBytes!, 'each container counts its own');
    assert.deepEqual(readdirSync(path.join(root, '.federation', 'cache', 'usage')), [], 'the usage folders go with their attempts');
    assert.deepEqual(await ours(out.runId), []);
  });

  it('hides .git, .vscode and .federation from every task, the root module\'s too; a worktree\'s .git file as well', async () => {
    const root = workspace(`
docker: { image: ${image} }
tasks:
  top:
    module: .
    command: >-
      echo "git: [$(ls -A /workspace/.git)] vscode: [$(ls -A /workspace/.vscode)] federation: [$(ls -A /workspace/.federation)]";
      cat /workspace/.git/config 2>&1 | grep -c token || true;
      (echo evil > .git/hooks/pre-commit) 2>/dev/null || echo hooks-refused;
      (echo evil > .vscode/tasks.json) 2>/dev/null || echo tasks-refused;
      echo ok > top.txt
  sub:
    module: a
    command: >-
      echo "git: [$(ls -A /workspace/.git)]";
      (echo x > /workspace/top-from-a.txt) 2>/dev/null || echo root-read-only
priorities:
  priority_1: { tasks: [top, sub] }
`);
    mkdirSync(path.join(root, '.git', 'hooks'), { recursive: true });
    writeFileSync(path.join(root, '.git', 'config'), '[remote "origin"]\n  url = https://user:token-abc@example.com/r.git\n');
    mkdirSync(path.join(root, '.vscode'));
    writeFileSync(path.join(root, '.vscode', 'settings.json'), '{}');
    const { plan, isolation } = await planned(root);
    const out = await runMatrix({ root, plan, processRunnerFactory: newLocalProcessRunner, fs: nodeFileSystem, env: process.env, isolation, setup: false, runId: `m6-${RUN_ID}` });
    const log = (unit: string) => readFileSync(path.join(root, out.results.find((r) => r.unit === unit)!.log!), 'utf8');
    assert.equal(out.summary.status, 'passed', log('top') + log('sub'));
    assert.match(log('top'), /git: \[\] vscode: \[\] federation: \[\]/);
    assert.match(log('top'), /^0$/m, 'the remote URL\'s token is not readable');
    assert.match(log('top'), /hooks-refused/);
    assert.match(log('top'), /tasks-refused/);
    assert.equal(existsSync(path.join(root, '.git', 'hooks', 'pre-commit')), false);
    assert.equal(existsSync(path.join(root, '.vscode', 'tasks.json')), false);
    assert.equal(readFileSync(path.join(root, 'top.txt'), 'utf8'), 'ok\n', 'the root module still writes the repository');
    assert.match(log('sub'), /git: \[\]/);
    assert.match(log('sub'), /root-read-only/);

    // A git worktree: .git is a file naming the real git folder; rewriting it could point git at hooks of the task's.
    const wt = workspace(`
docker: { image: ${image} }
tasks:
  top: { module: ., command: 'echo "gitfile: [$(cat .git)]"; (echo "gitdir: ./evil" > .git) 2>/dev/null || echo gitfile-refused' }
priorities:
  priority_1: { tasks: [top] }
`);
    writeFileSync(path.join(wt, '.git'), 'gitdir: /elsewhere/.git/worktrees/wt\n');
    const w = await planned(wt);
    const out2 = await runMatrix({ root: wt, plan: w.plan, processRunnerFactory: newLocalProcessRunner, fs: nodeFileSystem, env: process.env, isolation: w.isolation, setup: false, runId: `m7-${RUN_ID}` });
    const text = readFileSync(path.join(wt, out2.results[0]!.log!), 'utf8');
    assert.equal(out2.summary.status, 'passed', text);
    assert.match(text, /gitfile: \[\]/);
    assert.match(text, /gitfile-refused/);
    assert.equal(readFileSync(path.join(wt, '.git'), 'utf8'), 'gitdir: /elsewhere/.git/worktrees/wt\n');
  });

  it('refuses a module reached through a symlink (mod -> ../..) before any container exists', async () => {
    const root = workspace(`
docker: { image: ${image} }
tasks:
  escape: { module: mod, command: 'echo pwned > pwned.txt' }
priorities:
  priority_1: { tasks: [escape] }
`);
    symlinkSync('../..', path.join(root, 'mod'));
    const text = readFileSync(path.join(root, '.github', 'multi-agent-config.yml'), 'utf8');
    const { config } = validateMatrixConfig(text, 'x.yml');
    const plan = planMatrix(config!);
    const e = await prepareDockerIsolation({ fs: nodeFileSystem, client, root, config: config!, plan, labels: runLabels() }).then(() => undefined, (x: unknown) => x);
    assert.ok(e instanceof FederationError);
    assert.equal(e.reason, 'outside-workspace');
    // The config check refuses it first (before approvals, the engine or any container).
    const r = await matrixCli(root, 'run', '--isolation', 'docker', '--no-setup', '--run-id', `m8-${RUN_ID}`);
    assert.equal(r.code, 1);
    assert.match(r.err, /leads outside the repository through a symlink|goes through a symlink/);
    assert.equal(existsSync(path.join(root, '..', '..', 'pwned.txt')), false);
    assert.deepEqual(await ours(`m8-${RUN_ID}`), []);
  });

  it('a timeout stops and removes the container; retries go through the same path', async () => {
    const root = workspace(`
docker: { image: ${image} }
tasks:
  slow: { module: a, command: 'echo started; sleep 60; echo never', timeout: 0.03, retries: 1 }
priorities:
  priority_1: { tasks: [slow] }
failure_handling: { retry: { backoff: fixed, initial_delay: 0.2 } }
`);
    const { plan, isolation } = await planned(root);
    const runId = `m2-${RUN_ID}`;
    const seen: Promise<number>[] = [];
    const t0 = Date.now();
    const out = await runMatrix({
      root, plan, processRunnerFactory: newLocalProcessRunner, fs: nodeFileSystem, env: process.env, isolation, setup: false, runId, graceMs: 1000,
      onEvent: (e) => {
        // Looked at while the attempt runs (its container lives ~1.8 s).
        if (e.type === 'task-started') seen.push(new Promise((r) => setTimeout(r, 700)).then(() => ours(runId)).then((l) => l.length));
      },
    });
    const r = out.results[0]!;
    assert.deepEqual([r.status, r.attempts, r.exitCode, r.signal], ['timed_out', 2, null, 'SIGTERM']);
    assert.ok(r.attemptDetails.every((a) => a.timedOut && a.durationMs < 6000), JSON.stringify(r.attemptDetails));
    assert.ok(Date.now() - t0 < 20_000);
    const text = readFileSync(path.join(root, r.log!), 'utf8');
    assert.equal(text.match(/^started$/gm)?.length, 2, text);
    assert.doesNotMatch(text, /^never$/m);
    assert.match(text, /=== slow attempt 2\/2/);
    assert.deepEqual(await Promise.all(seen), [1, 1], 'one container per attempt while it ran');
    assert.deepEqual(await ours(runId), [], 'killed and removed');
  });

  it('cancelling the run stops and removes every container it started', async () => {
    const root = workspace(`
docker: { image: ${image} }
tasks:
  one: { module: a, command: 'trap "" TERM; sleep 60' }
  two: { module: b, command: sleep 60 }
  later: { module: a, command: echo later }
priorities:
  priority_1: { tasks: [one, two] }
  priority_2: { tasks: [later] }
`);
    const { plan, isolation } = await planned(root);
    const runId = `m3-${RUN_ID}`;
    const ac = new AbortController();
    let running = 0;
    const started = new Set<string>();
    const p = runMatrix({
      root, plan, processRunnerFactory: newLocalProcessRunner, fs: nodeFileSystem, env: process.env, isolation, setup: false, runId, graceMs: 1000, signal: ac.signal,
      onEvent: (e) => {
        if (e.type !== 'task-started') return;
        started.add(e.unit);
        if (started.size === 2) {
          // Cancel once both containers are up (polled: a busy engine takes its time to start them).
          void (async () => {
            for (const until = Date.now() + 20_000; running < 2 && Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
              running = (await ours(runId)).filter((c) => c.state === 'running').length;
            }
            ac.abort();
          })();
        }
      },
    });
    const out = await p;
    assert.equal(running, 2, 'both tasks ran in containers');
    assert.equal(out.summary.status, 'cancelled');
    const by = new Map(out.results.map((r) => [r.unit, r.status]));
    assert.deepEqual([by.get('one'), by.get('two'), by.get('later')], ['cancelled', 'cancelled', 'cancelled']);
    assert.deepEqual(await ours(runId), [], 'nothing left behind, even the one that ignores SIGTERM');
  });

  it('refuses before any task when the engine is not there or an image is missing', async () => {
    const root = workspace(`
tasks:
  a: { module: a, command: 'echo hi > ran.txt', image: ${image} }
  b: { module: b, command: 'echo hi > ran.txt', image: af-test/none-such:${RUN_ID} }
priorities:
  priority_1: { tasks: [a, b] }
`);
    const text = readFileSync(path.join(root, '.github', 'multi-agent-config.yml'), 'utf8');
    const { config } = validateMatrixConfig(text, 'x.yml');
    const plan = planMatrix(config!);
    const down = createDockerodeClient({ host: `unix://${path.join(root, 'no-engine.sock')}` });
    const e1 = await prepareDockerIsolation({ fs: nodeFileSystem, client: down, root, config: config!, plan }).then(() => undefined, (e: unknown) => e);
    assert.ok(e1 instanceof FederationError);
    assert.equal(e1.reason, 'docker-unavailable');
    assert.match(e1.message, /Is Docker running\?/);
    const e2 = await prepareDockerIsolation({ fs: nodeFileSystem, client, root, config: config!, plan }).then(() => undefined, (e: unknown) => e);
    assert.ok(e2 instanceof FederationError);
    assert.equal(e2.reason, 'not-found');
    assert.match(e2.message, new RegExp(`af-test/none-such:${RUN_ID} \\(b\\)`));
    assert.equal(existsSync(path.join(root, 'a', 'ran.txt')), false);
  });

  describe('CLI', () => {
    const savedApprovals = process.env['FEDERATION_APPROVALS_FILE'];
    before(() => {
      process.env['FEDERATION_APPROVALS_FILE'] = path.join(suite.tempDir('approvals'), 'approvals.json');
    });
    after(() => {
      if (savedApprovals === undefined) delete process.env['FEDERATION_APPROVALS_FILE'];
      else process.env['FEDERATION_APPROVALS_FILE'] = savedApprovals;
    });

    const cli = matrixCli;

    it('matrix run --isolation docker runs in containers; an unreachable engine stops it before any task; matrix clean removes leftovers', async () => {
      const root = workspace(`
docker: { image: ${image} }
tasks:
  a: { module: a, command: 'echo in-container > ran.txt; pwd' }
priorities:
  priority_1: { tasks: [a] }
`);
      const down = await matrixCliEnv(root, { DOCKER_HOST: `unix://${path.join(root, 'no-engine.sock')}` }, 'run', '--isolation', 'docker', '--no-setup', '--allow-workspace-commands');
      assert.equal(down.code, 1);
      assert.match(down.err, /Is Docker running\?/);
      assert.equal(existsSync(path.join(root, 'a', 'ran.txt')), false, 'nothing ran');

      const runId = `m5-${RUN_ID}`;
      const ok = await cli(root, '--json', 'run', '--isolation', 'docker', '--no-setup', '--run-id', runId);
      assert.equal(ok.code, 0, ok.err);
      assert.equal(JSON.parse(ok.out).summary.status, 'passed');
      assert.equal(readFileSync(path.join(root, 'a', 'ran.txt'), 'utf8'), 'in-container\n');
      assert.match(readFileSync(path.join(root, '.federation', 'runs', runId, 'logs', 'a.log'), 'utf8'), /^\/workspace\/a$/m);

      // A crashed run's container: found by its run label and removed.
      const { id } = await client.createContainer({
        image, cmd: ['sleep', '60'], labels: { ...runLabels(), [MATRIX_LABEL.run]: 'crashed-run', [MATRIX_LABEL.federation]: workspaceHash(nodeFileSystem, root) },
      });
      await client.startContainer(id);
      const cleaned = await cli(root, '--json', 'clean', '--run', 'crashed-run');
      assert.equal(cleaned.code, 0, cleaned.err);
      assert.equal(JSON.parse(cleaned.out).removed.length, 1);
      assert.deepEqual(await ours('crashed-run'), []);
      assert.deepEqual(await removeRunContainers(nodeFileSystem, client, { root, runId: 'crashed-run' }), []);
    });
  });
});
