// The container runner's isolation decisions against the in-memory engine (test/helpers/fakeDocker.ts): what a task's
// container may see and write (symlinked modules refused, .git/.vscode/.federation hidden), which environment gets
// in, which leftovers a run removes, and that an attempt's timeout holds even when the engine is slow or refuses to
// stop. The real engine's view of the same is in test/docker/matrix.test.ts.
import * as assert from 'node:assert/strict';
import { chownSync, existsSync, mkdirSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { workspaceHash } from '../../../src/core/agents/labels';
import type { ContainerInfo } from '../../../src/core/docker/client';
import { FakeDockerClient } from '../../helpers/fakeDocker';
import { FederationError } from '../../../src/core/errors';
import { ContainerProcessRunner, MATRIX_LABEL } from '../../../src/core/matrix/containerRunner';
import { dockerFindings, prepareDockerIsolation, removeRunContainers } from '../../../src/core/matrix/dockerIsolation';
import { effectiveIsolation } from '../../../src/core/matrix/isolation';
import { planMatrix } from '../../../src/core/matrix/plan';
import type { ProcessSpec } from '../../../src/core/matrix/processPort';
import { runMatrix } from '../../../src/core/matrix/runner';
import { runSetup } from '../../../src/core/matrix/setup';
import { moduleFindings, validateMatrixConfig } from '../../../src/core/matrix/validate';
import { RunSlot } from '../../../src/extension/matrix/runSlot';
import type { Timers } from '../../../src/core/ports';
import { nodeFileSystem } from '../../../src/node/fs';
import { FakeClock } from '../../helpers/fakeClock';
import { useTempDir } from '../../helpers/tmp';
import { FakeRunner, noLocalProcesses } from './fakeRunner';
import { matrixCommandInProcess } from './helpers';

const IMAGE = 'af-test/matrix:fake';
const FILE = '.github/multi-agent-config.yml';

function configText(tasks: Record<string, string>): string {
  return `docker: { image: ${IMAGE} }\ntasks:\n${Object.entries(tasks).map(([id, m]) => `  ${id}: { module: "${m}", command: "true" }\n`).join('')}priorities:\n  priority_1: { tasks: [${Object.keys(tasks).join(', ')}] }\n`;
}

describe('matrix container runner (fake engine)', function () {
  this.timeout(10_000);
  const tmp = useTempDir('fed-mcr-');
  let root: string;
  let fake: FakeDockerClient;

  beforeEach(() => {
    root = path.join(realpathSync(tmp.path), 'repo');
    for (const d of ['a', 'a/sub', '.federation/runs', '.github']) mkdirSync(path.join(root, d), { recursive: true });
    fake = new FakeDockerClient();
    fake.addImage(IMAGE);
  });

  const runner = (env: Record<string, string> = {}, timers?: Timers) =>
    new ContainerProcessRunner({ fs: nodeFileSystem, client: fake, root, image: IMAGE, network: 'none', unit: { id: 'u', env }, limits: { memoryBytes: 1 << 30, pidsLimit: 64 }, ...(timers ? { timers } : {}) });
  const spec = (cwd: string, over: Partial<ProcessSpec> = {}): ProcessSpec => ({
    command: 'true',
    cwd,
    env: { FEDERATION_RUN_ID: 'r1', FEDERATION_ATTEMPT: '1' },
    logFile: path.join(root, '.federation', 'runs', 'u.log'),
    timeoutMs: 5000,
    graceMs: 100,
    ...over,
  });
  /** Runs one attempt and returns what the engine was asked to create. */
  async function created(cwd: string, env?: Record<string, string>, specEnv?: Record<string, string>): Promise<ContainerInfo> {
    let info: Promise<ContainerInfo> | undefined;
    fake.onStart = (f, id) => {
      info = f.inspectContainer(id);
      f.exit(id, 0);
    };
    const out = await runner(env).run(spec(cwd, specEnv ? { env: specEnv } : {}));
    assert.equal(out.exitCode, 0, out.error);
    assert.ok(info, 'a container started');
    return info;
  }

  describe('symlinked module folders', () => {
    beforeEach(() => {
      // The review's scenario: a module that is a symlink out of the repository, and one that stays inside.
      symlinkSync('..', path.join(root, 'mod'));
      symlinkSync('a', path.join(root, 'alias'));
      mkdirSync(path.join(root, 'real'));
      symlinkSync(path.join(root, 'a'), path.join(root, 'real', 'link'));
    });

    it('a module whose real path leaves the repository is a config error for every isolation', () => {
      const text = configText({ out: 'mod', inside: 'alias' });
      const { config } = validateMatrixConfig(text, FILE);
      const findings = moduleFindings(nodeFileSystem, text, FILE, config!, root);
      assert.deepEqual(findings.map((f) => [f.code, f.path.join('.')]), [['module-missing', 'tasks.out.module']]);
      assert.match(findings[0]!.message, /leads outside the repository through a symlink/);
    });

    it('docker isolation refuses any symlink in the module path, before anything runs', async () => {
      const text = configText({ inside: 'alias', nested: 'real/link/sub', plain: 'a/sub' });
      const { config } = validateMatrixConfig(text, FILE);
      const plan = planMatrix(config!);
      const findings = dockerFindings(nodeFileSystem, text, FILE, config!, plan, root);
      assert.deepEqual(findings.map((f) => [f.code, f.path.join('.')]), [['module-symlink', 'tasks.inside.module'], ['module-symlink', 'tasks.nested.module']]);
      assert.match(findings[1]!.message, /goes through a symlink \(real\/link\)/);
      const e = await prepareDockerIsolation({ fs: nodeFileSystem, client: fake, root, config: config!, plan }).then(() => undefined, (x: unknown) => x);
      assert.ok(e instanceof FederationError);
      assert.equal(e.reason, 'outside-workspace');
      assert.deepEqual(fake.calls.filter((c) => c === 'createContainer'), []);
    });

    it('the runner itself refuses a symlinked working folder: no container is created', async () => {
      for (const cwd of [path.join(root, 'mod'), path.join(root, 'alias'), path.join(root, '..')]) {
        const out = await runner().run(spec(cwd));
        assert.match(out.error ?? '', /not a real folder inside the repository/, cwd);
      }
      assert.equal(fake.calls.includes('createContainer'), false);
    });

    it('process isolation and setup skip a module that leads outside (a symlink made after the config check)', async () => {
      const { config } = validateMatrixConfig(configText({ out: 'mod' }), FILE);
      writeFileSync(path.join(tmp.path, 'package-lock.json'), '{}');
      const plan = planMatrix(config!);
      const fakeRunner = new FakeRunner();
      const out = await runMatrix({ root, plan, processRunnerFactory: noLocalProcesses, fs: nodeFileSystem, env: process.env, isolation: fakeRunner, setup: false });
      assert.equal(out.results[0]!.status, 'skipped');
      assert.equal(fakeRunner.calls.length, 0);
      const setup = await runSetup({ fs: nodeFileSystem, env: process.env, root, plan, runner: fakeRunner, logsDir: path.join(root, '.federation', 'logs') });
      assert.equal(setup[0]!.action, 'failed');
      assert.equal(fakeRunner.calls.length, 0, 'no install ran in the folder outside');
    });

    it('a module inside .git, .vscode or .federation is refused', () => {
      mkdirSync(path.join(root, '.git', 'hooks'), { recursive: true });
      const text = configText({ hooks: '.git/hooks' });
      const { config } = validateMatrixConfig(text, FILE);
      assert.deepEqual(moduleFindings(nodeFileSystem, text, FILE, config!, root).map((f) => f.code), ['module-missing']);
    });
  });

  describe('what a task container sees', () => {
    it('hides .git and .vscode (folders and files) as well as .federation; only the module folder is writable', async () => {
      mkdirSync(path.join(root, '.git', 'hooks'), { recursive: true });
      mkdirSync(path.join(root, '.vscode'));
      const sub = await created(path.join(root, 'a'));
      const usageDir = (info: ContainerInfo) => path.join(root, '.federation', 'cache', 'usage', info.name);
      assert.deepEqual(sub.mounts.map((m) => [m.source, m.target, m.readOnly]), [[root, '/workspace', true], [path.join(root, 'a'), '/workspace/a', false], [usageDir(sub), '/run/federation-usage', false]]);
      assert.equal(existsSync(usageDir(sub)), false, 'the usage folder goes with its attempt');
      for (const hidden of ['/workspace/.git', '/workspace/.vscode', '/workspace/.federation']) assert.match(sub.tmpfs[hidden] ?? '', /^ro,/, hidden);

      const top = await created(root);
      assert.deepEqual(top.mounts.map((m) => [m.target, m.readOnly]), [['/workspace', false], ['/run/federation-usage', false]], 'the root module writes the repository');
      for (const hidden of ['/workspace/.git', '/workspace/.vscode', '/workspace/.federation']) assert.match(top.tmpfs[hidden] ?? '', /^ro,/, `${hidden} is hidden even from the root module`);
    });

    it("runs the command under the usage wrapper and reports the cgroup counters it leaves; a link in their place is not read", async () => {
      // The engine's side: the container's wrapper leaves `content` in the folder mounted at /run/federation-usage.
      let seen: ContainerInfo | undefined;
      const container = (content: (dir: string) => void) => {
        fake.onStart = (f, id) => {
          void f.inspectContainer(id).then((info) => {
            seen = info;
            content(info.mounts.find((m) => m.target === '/run/federation-usage')!.source);
            f.exit(id, 0);
          });
        };
      };
      container((dir) => writeFileSync(path.join(dir, 'usage'), 'usage_usec 1500000\nuser_usec 1200000\nsystem_usec 300000\nmemory.peak 73400320\nv1 \nmemory.max_usage_in_bytes \n'));
      const out = await runner().run(spec(path.join(root, 'a'), { command: 'npm test' }));
      assert.deepEqual(out.usage, { userMs: 1200, systemMs: 300, peakMemoryBytes: 73400320, source: 'cgroup' });
      assert.deepEqual(seen!.cmd.slice(0, 2), ['/bin/sh', '-c']);
      assert.deepEqual(seen!.cmd.slice(3), ['federation-task', 'npm test', '/sys/fs/cgroup', '/run/federation-usage/usage']);
      container((dir) => symlinkSync(path.join(root, '.github'), path.join(dir, 'usage')));
      assert.equal((await runner().run(spec(path.join(root, 'a')))).usage, undefined);
    });

    it("the usage folder belongs to the module's owner, who the task runs as (root can give it away)", async function () {
      if (process.getuid?.() !== 0) this.skip();
      mkdirSync(path.join(root, 'b'));
      chownSync(path.join(root, 'b'), 1000, 1001);
      let seen: { owner: [number, number]; user: string } | undefined;
      fake.onStart = (f, id) => {
        void f.inspectContainer(id).then((info) => {
          const st = statSync(info.mounts.find((m) => m.target === '/run/federation-usage')!.source);
          seen = { owner: [st.uid, st.gid], user: info.user };
          f.exit(id, 0);
        });
      };
      await runner().run(spec(path.join(root, 'b')));
      assert.deepEqual(seen, { owner: [1000, 1001], user: '1000:1001' });
    });

    it('a .git file (a worktree) is covered by an empty read-only file; absent entries need no mask', async () => {
      writeFileSync(path.join(root, '.git'), 'gitdir: /elsewhere/.git/worktrees/x\n');
      const info = await created(root);
      const mask = info.mounts.find((m) => m.target === '/workspace/.git');
      assert.ok(mask, JSON.stringify(info.mounts));
      assert.equal(mask.readOnly, true);
      assert.equal(realpathSync(mask.source).startsWith(path.join(root, '.federation') + path.sep), true, 'under the hidden .federation');
      assert.equal(require('node:fs').statSync(mask.source).size, 0);
      assert.equal(info.tmpfs['/workspace/.vscode'], undefined);
    });

    it('only the task\'s own variables get in, not inherited names such as constructor', async () => {
      const info = await created(path.join(root, 'a'), { OWN: '1' }, { OWN: 'yes', constructor: 'x', toString: 'y', HOST_SECRET: 'z', FEDERATION_RUN_ID: 'r1' });
      assert.deepEqual(info.env, { HOME: '/tmp', OWN: 'yes', FEDERATION_RUN_ID: 'r1' });
    });
  });

  describe('timeouts', () => {
    // The attempt's timeout, the grace period and the engine's slowness all run on this clock: exact, and no test
    // here waits for real time to pass.
    let clock: FakeClock;
    beforeEach(() => {
      clock = new FakeClock();
    });
    const attempt = async (over: Partial<ProcessSpec>) => {
      const t0 = clock.now().getTime();
      const out = await clock.run(runner({}, clock).run(spec(path.join(root, 'a'), over)));
      return { out, elapsed: clock.now().getTime() - t0 };
    };

    it('count from the start of the attempt: a slow engine start is part of the time', async () => {
      const slow = fake;
      const start = slow.startContainer.bind(slow);
      slow.startContainer = async (id, opts) => {
        await new Promise((r) => clock.setTimeout(() => r(undefined), 300));
        return start(id, opts);
      };
      // The command alone would finish well within the timeout.
      slow.onStart = (f, id) => void clock.setTimeout(() => f.containerIds().includes(id) && f.exit(id, 0), 100);
      const { out, elapsed } = await attempt({ timeoutMs: 200 });
      assert.equal(out.timedOut, true, JSON.stringify(out));
      assert.equal(elapsed, 300, 'stopped as soon as the slow start was over');
      assert.deepEqual(fake.containerIds(), [], 'removed');
    });

    it('a stop the engine refuses is followed by a forced removal after the grace period', async () => {
      fake.failNext('stopContainer', new FederationError('docker-error', 'stop refused', { statusCode: 500 }));
      fake.onStart = () => undefined; // never exits by itself
      const { out, elapsed } = await attempt({ timeoutMs: 50, graceMs: 100 });
      assert.deepEqual([out.timedOut, out.signal], [true, 'SIGKILL'], JSON.stringify(out));
      assert.equal(elapsed, 150, 'the timeout, then the grace period, then the removal');
      assert.deepEqual(fake.containerIds(), []);
    });

    it('a container neither stopped nor removed does not leave the attempt waiting forever', async () => {
      fake.failNext('stopContainer', new FederationError('docker-error', 'stop refused', { statusCode: 500 }));
      fake.failNext('removeContainer', new FederationError('docker-error', 'remove refused', { statusCode: 500 }));
      fake.onStart = () => undefined;
      const { out, elapsed } = await attempt({ timeoutMs: 50, graceMs: 50 });
      assert.equal(out.timedOut, true);
      assert.ok(out.error, 'the wait was given up with an error');
      assert.equal(elapsed, 100, 'given up once the grace period was over');
    });
  });

  describe('leftovers after a run', () => {
    it('removeRunContainers takes only this workspace\'s containers of a run id', async () => {
      const mine = await fake.createContainer({ image: IMAGE, labels: { [MATRIX_LABEL.run]: 'shared', [MATRIX_LABEL.federation]: workspaceHash(nodeFileSystem, root) } });
      const theirs = await fake.createContainer({ image: IMAGE, labels: { [MATRIX_LABEL.run]: 'shared', [MATRIX_LABEL.federation]: 'another-workspace' } });
      await removeRunContainers(nodeFileSystem, fake, { root, runId: 'shared' });
      assert.deepEqual(fake.containerIds(), [theirs.id]);
      assert.notEqual(mine.id, theirs.id);
    });

    it('matrix run --run-id leaves another workspace\'s containers with the same run id alone', async () => {
      const saved = { approvals: process.env['FEDERATION_APPROVALS_FILE'] };
      process.env['FEDERATION_APPROVALS_FILE'] = path.join(tmp.path, 'approvals.json');
      try {
        writeFileSync(path.join(root, FILE), configText({ t: 'a' }));
        const theirs = await fake.createContainer({ image: IMAGE, labels: { [MATRIX_LABEL.run]: 'shared', [MATRIX_LABEL.federation]: 'another-workspace' } });
        fake.onStart = (f, id) => f.exit(id, 0);
        const r = await matrixCommandInProcess(root, { clientFactory: async () => fake }, 'run', '--isolation', 'docker', '--no-setup', '--run-id', 'shared', '--allow-workspace-commands');
        assert.equal(r.code, 0, r.err);
        assert.deepEqual(fake.containerIds(), [theirs.id]);
      } finally {
        if (saved.approvals === undefined) delete process.env['FEDERATION_APPROVALS_FILE'];
        else process.env['FEDERATION_APPROVALS_FILE'] = saved.approvals;
      }
    });
  });
});

describe('matrix isolation setting', () => {
  it('the user\'s value is the floor: a workspace may raise it to docker, never lower it', () => {
    assert.equal(effectiveIsolation(undefined), 'process');
    assert.equal(effectiveIsolation({ defaultValue: 'process' }), 'process');
    assert.equal(effectiveIsolation({ defaultValue: 'process', globalValue: 'docker', workspaceValue: 'process' }), 'docker');
    assert.equal(effectiveIsolation({ defaultValue: 'process', globalValue: 'docker', workspaceFolderValue: 'process' }), 'docker');
    assert.equal(effectiveIsolation({ defaultValue: 'process', workspaceValue: 'docker' }), 'docker');
    assert.equal(effectiveIsolation({ defaultValue: 'process', globalValue: 'process', workspaceFolderValue: 'docker' }), 'docker');
    assert.equal(effectiveIsolation({ defaultValue: 'process', globalValue: 'vm' }), 'process');
  });
});

describe('matrix run slot (Runs view)', () => {
  it('is taken before anything is awaited: a second start meanwhile is refused until the first releases it', () => {
    const slot = new RunSlot();
    const first = slot.claim();
    const e = (() => {
      try {
        slot.claim();
      } catch (x) {
        return x;
      }
      return undefined;
    })();
    assert.ok(e instanceof FederationError);
    assert.equal(e.reason, 'invalid-input');
    slot.release(first);
    const ac = new AbortController();
    const second = slot.claim(ac.signal);
    ac.abort();
    assert.equal(second.abort.signal.aborted, true, 'the caller\'s cancel reaches a run being prepared');
    slot.release(first);
    assert.equal(slot.active, second, 'a stale release does not free another run\'s slot');
  });
});
