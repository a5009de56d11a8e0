// Isolation of deployed agents, seen from inside a running agent and from the engine: read-only root, secrets
// and workspace; no view of other agents' output or the federation folder; no capabilities, no new privileges,
// seccomp on; the pids limit stops a fork bomb; the memory limit OOM-kills a hog; no network; the secret's value
// nowhere but its own file; the inspect output field by field against the hardening list.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FolderSecretSource, MASK_OPTIONS, TMPFS_OPTIONS, type AgentInfo } from '../../src/core/agents';
import type { DockerClient } from '../../src/core/docker/client';
import { createDockerodeClient } from '../../src/core/docker/dockerodeClient';
import {
  assertNothingLeft, buildAgentImages, filesContaining, logText, makeWorkspace, markers, rawInspect, waitForAgent, type Workspace,
} from '../fixtures/agents/engine';
import { RUN_ID, runLabels, Sweeper } from './helpers';

const SECRET = `isolation-${RUN_ID}-Zq8wX2vL5nR7`;
const MiB = 1024 * 1024;

const finished = (a: AgentInfo): boolean => a.status !== 'running' && a.status !== 'created';

describe('Remote agents: isolation (real engine)', function () {
  this.timeout(90_000);
  let client: DockerClient;
  let images: { agent: string; plain: string };
  const suite = new Sweeper(() => client);
  const each = new Sweeper(() => client);
  const leftovers: string[] = [];

  before(async () => {
    client = createDockerodeClient();
    await client.ping();
    images = await buildAgentImages(client, suite);
  });

  afterEach(async () => {
    leftovers.push(...(await each.cleanup()));
  });

  after(async () => {
    leftovers.push(...(await suite.cleanup()));
    assert.deepEqual(leftovers, [], 'cleanup left things behind');
  });

  async function deploy(ws: Workspace, script: string, copies = 1): Promise<AgentInfo[]> {
    const { agents } = await ws.service.deploy(['reviewer.brief.md'], {
      copies, command: ['sh', '-c', script], secrets: new FolderSecretSource(ws.secretsDir), labels: runLabels(),
    });
    return agents;
  }

  it('confines an agent: read-only root, secrets and workspace; no other agent, no capabilities, no network', async () => {
    const ws = await makeWorkspace(each, images.agent, SECRET);
    const script = [
      "grep -E '^(CapEff|CapPrm|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status",
      'echo "UID=$(id -u)"',
      'touch /rootfile 2>/dev/null && echo ROOT_WRITE=ok || echo ROOT_WRITE=denied',
      'touch /secrets/new 2>/dev/null && echo SECRETS_WRITE=ok || echo SECRETS_WRITE=denied',
      'echo x > /secrets/API_TOKEN 2>/dev/null && echo SECRET_OVERWRITE=ok || echo SECRET_OVERWRITE=denied',
      'touch /workspace/new 2>/dev/null && echo WORKSPACE_WRITE=ok || echo WORKSPACE_WRITE=denied',
      'touch /brief/new 2>/dev/null && echo BRIEF_WRITE=ok || echo BRIEF_WRITE=denied',
      'touch /tmp/scratch && echo TMP_WRITE=ok',
      'echo "SECRET_SHA=$(sha256sum /secrets/API_TOKEN | cut -d" " -f1)"',
      'echo "WORKSPACE=$(ls /workspace | tr "\\n" " ")"',
      'echo "FEDERATION=$(ls -A /workspace/.federation | tr "\\n" " ")."',
      'echo "$AGENT_ID" > /output/mine.txt && echo OUTPUT_WRITE=ok',
      'ls /var/run/docker.sock /run/docker.sock >/dev/null 2>&1 && echo SOCKET=present || echo SOCKET=absent',
      'echo "IFACES=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\\n" " ")"',
      // Both agents run at the same time: neither may see the other's output.
      'sleep 2',
      'echo "OUTPUT=$(ls -A /output | tr "\\n" " ")"',
      'echo "MINE=$(cat /output/mine.txt)"',
    ].join('\n');
    const [a, b] = await deploy(ws, script, 2);
    for (const agent of [a!, b!]) {
      const done = await waitForAgent(ws.service, agent.id, finished, 30_000);
      const { stdout, stderr } = await logText(ws.service, agent.id);
      const seen = `stdout:\n${stdout}\nstderr:\n${stderr}`;
      assert.equal(done.status, 'succeeded', seen);
      const m = markers(stdout);
      assert.equal(m['CapEff'], '0000000000000000', seen);
      assert.equal(m['CapPrm'], '0000000000000000', seen);
      assert.equal(m['CapBnd'], '0000000000000000', seen);
      assert.equal(m['NoNewPrivs'], '1', seen);
      assert.equal(m['Seccomp'], '2', 'seccomp filter mode: the default profile is on');
      assert.notEqual(m['UID'], '0');
      assert.equal(m['ROOT_WRITE'], 'denied', seen);
      assert.equal(m['SECRETS_WRITE'], 'denied', seen);
      assert.equal(m['SECRET_OVERWRITE'], 'denied', seen);
      assert.equal(m['WORKSPACE_WRITE'], 'denied', seen);
      assert.equal(m['BRIEF_WRITE'], 'denied', seen);
      assert.equal(m['TMP_WRITE'], 'ok', seen);
      assert.equal(m['SECRET_SHA'], createHash('sha256').update(SECRET).digest('hex'), 'the secret arrived intact');
      assert.match(m['WORKSPACE'] ?? '', /README\.md/);
      assert.equal(m['FEDERATION'], '.', 'the federation folder (other agents\' secrets and output) is hidden');
      assert.equal(m['OUTPUT_WRITE'], 'ok', seen);
      assert.equal(m['SOCKET'], 'absent');
      assert.equal(m['IFACES'], 'lo', 'network none: loopback only');
      assert.equal(m['OUTPUT'], 'mine.txt', 'only its own output');
      assert.equal(m['MINE'], agent.id);
      assert.ok(!stdout.includes(SECRET) && !stderr.includes(SECRET));
      assert.equal(readFileSync(path.join(ws.service.folders(agent.id).outputDir, 'mine.txt'), 'utf8'), `${agent.id}\n`);
    }

    // The value is in the agents' own secret files and nowhere else: not in the engine's record, not in state.
    for (const agent of [a!, b!]) assert.ok(!JSON.stringify(rawInspect(agent.containerId!)).includes(SECRET), 'not in docker inspect');
    assert.deepEqual(filesContaining(path.join(ws.root, '.federation'), SECRET), [
      `agents/${a!.id}/secrets/API_TOKEN`, `agents/${b!.id}/secrets/API_TOKEN`,
    ].sort());
    assert.ok(!ws.logs.join('\n').includes(SECRET));
    for (const agent of [a!, b!]) await ws.service.remove(agent.id, { force: true });
    assert.deepEqual(filesContaining(path.join(ws.root, '.federation'), SECRET), []);
    await assertNothingLeft(ws, client);
  });

  it('is hardened as the engine reports it, field by field', async () => {
    const ws = await makeWorkspace(each, images.agent, SECRET);
    const [agent] = await deploy(ws, 'exec sleep 60');
    const checks = await ws.service.inspectHardening(agent!.id);
    assert.deepEqual(checks.filter((c) => !c.ok), []);
    assert.ok(checks.length >= 18, `${checks.length} checks`);

    const raw = rawInspect(agent!.containerId!);
    const hc = raw['HostConfig'] as Record<string, any>;
    const folders = ws.service.folders(agent!.id);
    assert.deepEqual(hc['CapDrop'], ['ALL']);
    assert.equal(hc['CapAdd'], null);
    assert.equal(hc['Privileged'], false);
    assert.deepEqual(hc['SecurityOpt'], ['no-new-privileges']);
    assert.equal(hc['ReadonlyRootfs'], true);
    assert.deepEqual(hc['Tmpfs'], { '/tmp': TMPFS_OPTIONS, '/workspace/.federation': MASK_OPTIONS });
    assert.equal(hc['Memory'], 64 * MiB);
    assert.equal(hc['MemorySwap'], 64 * MiB, 'no swap beyond the limit');
    assert.equal(hc['NanoCpus'], 500_000_000);
    assert.equal(hc['PidsLimit'], 64);
    assert.equal(hc['NetworkMode'], 'none');
    assert.equal(hc['PidMode'], '', 'own pid namespace');
    assert.notEqual(hc['IpcMode'], 'host');
    assert.equal(hc['UTSMode'], '');
    assert.equal(hc['UsernsMode'], '');
    // CgroupnsMode is left to the engine: "host" is its default on cgroup v1 hosts and the port cannot change it yet.
    assert.ok(!hc['Devices'] || (hc['Devices'] as unknown[]).length === 0, 'no devices');
    assert.equal(hc['Binds'], null, 'mounts only through the Mounts list below');
    assert.deepEqual(
      (raw['Mounts'] as Array<Record<string, any>>).map((m) => [m['Destination'], m['Source'], m['RW']]).sort(),
      [
        ['/brief', folders.briefDir, false],
        ['/output', folders.outputDir, true],
        ['/secrets', folders.secretsDir, false],
        ['/workspace', ws.root, false],
      ],
    );
    const config = raw['Config'] as Record<string, any>;
    assert.match(config['User'], /^[1-9]\d*:\d+$/, 'a non-root uid');
    assert.deepEqual((config['Env'] as string[]).map((e) => e.split('=')[0]).filter((k) => !k!.startsWith('AGENT_')).sort(), ['HOME', 'PATH']);
    assert.equal(config['WorkingDir'], '/workspace');
    assert.ok(!JSON.stringify(raw).includes(SECRET));
    await ws.service.remove(agent!.id, { force: true });
    await assertNothingLeft(ws, client);
  });

  it('stops a fork bomb at the pids limit', async () => {
    const ws = await makeWorkspace(each, images.agent, SECRET);
    const script = [
      // The watcher is forked first; after its sleep it uses shell builtins only (no fork is possible then).
      '(sleep 4',
      ' read cur < /sys/fs/cgroup/pids/pids.current 2>/dev/null || read cur < /sys/fs/cgroup/pids.current',
      ' read ev < /sys/fs/cgroup/pids/pids.events 2>/dev/null || read ev < /sys/fs/cgroup/pids.events',
      ' read max < /sys/fs/cgroup/pids/pids.max 2>/dev/null || read max < /sys/fs/cgroup/pids.max',
      ' echo "PIDS_CURRENT=$cur"; echo "PIDS_EVENTS=$ev"; echo "PIDS_MAX=$max"',
      ' for i in 1 2 3 4 5 6 7 8 9 10; do kill -9 -1 2>/dev/null; done) &',
      'sleep 1',
      'bomb() { bomb | bomb & }',
      'bomb 2>/dev/null',
      'wait 2>/dev/null',
      'exit 0',
    ].join('\n');
    const [agent] = await deploy(ws, script);
    let done: AgentInfo;
    try {
      done = await waitForAgent(ws.service, agent!.id, finished, 30_000);
    } catch {
      // Contained but not ended by itself: stop it; the markers below still tell.
      done = await ws.service.stop(agent!.id, { graceSeconds: 0 });
    }
    const { stdout } = await logText(ws.service, agent!.id);
    const m = markers(stdout);
    assert.equal(m['PIDS_MAX'], '64', stdout);
    const current = Number(m['PIDS_CURRENT']);
    // The bomb collapses once forks fail; what matters is that the limit refused them and held.
    assert.ok(current >= 1 && current <= 64, `pids.current ${m['PIDS_CURRENT']}`);
    const refused = /^max (\d+)$/.exec(m['PIDS_EVENTS'] ?? '');
    assert.ok(refused && Number(refused[1]) > 0, `forks were refused: pids.events ${m['PIDS_EVENTS']}`);
    assert.notEqual(done.status, 'running');
    // The engine (and this machine) stayed responsive throughout.
    assert.ok((await ws.service.list()).hosts.every((h) => h.reachable));
    await ws.service.remove(agent!.id, { force: true });
    await assertNothingLeft(ws, client);
  });

  it('OOM-kills a memory hog and shows it as such', async () => {
    const ws = await makeWorkspace(each, images.agent, SECRET);
    // busybox tail buffers a whole "line"; /dev/zero never ends one, so it grows until the limit.
    const [agent] = await deploy(ws, 'exec tail /dev/zero');
    const done = await waitForAgent(ws.service, agent!.id, finished, 30_000);
    assert.equal(done.status, 'oom-killed');
    assert.equal(done.oomKilled, true);
    assert.equal(done.exitCode, 137);
    const listed = (await ws.service.list()).agents.find((a) => a.id === agent!.id)!;
    assert.equal(listed.status, 'oom-killed');
    await ws.service.remove(agent!.id);
    await assertNothingLeft(ws, client);
  });

  it('makes the workspace writable only when the brief asks, and then only its own copy of the listed folders', async () => {
    const ws = await makeWorkspace(each, images.agent, SECRET);
    execFileSync('mkdir', ['-p', path.join(ws.root, 'docs'), path.join(ws.root, 'examples', 'basic')]);
    execFileSync('sh', ['-c', `echo original > ${path.join(ws.root, 'docs', 'a.md')}`]);
    const { agents: [agent] } = await ws.service.deploy(['folders.brief.md'], {
      command: ['sh', '-c', 'echo changed > /workspace/docs/a.md && echo EDIT=ok; echo "TOP=$(ls /workspace | tr "\\n" " ")"'],
      labels: runLabels(),
    });
    const done = await waitForAgent(ws.service, agent!.id, finished, 30_000);
    const { stdout } = await logText(ws.service, agent!.id);
    assert.equal(done.status, 'succeeded', stdout);
    const m = markers(stdout);
    assert.equal(m['EDIT'], 'ok');
    assert.equal(m['TOP'], 'docs examples', 'only the listed folders');
    assert.equal(readFileSync(path.join(ws.root, 'docs', 'a.md'), 'utf8'), 'original\n', 'the real workspace is untouched');
    assert.equal(readFileSync(path.join(ws.service.folders(agent!.id).workspaceDir, 'docs', 'a.md'), 'utf8'), 'changed\n');
    await ws.service.remove(agent!.id);
    assert.equal(existsSync(ws.service.folders(agent!.id).dir), false);
    await assertNothingLeft(ws, client);
  });
});
