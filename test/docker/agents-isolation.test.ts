// Isolation of deployed agents, seen from inside a running agent and from the engine: read-only root, secrets
// and workspace; no view of other agents' output or the federation folder; no capabilities, no new privileges,
// seccomp on; the pids limit stops a fork bomb; the memory limit OOM-kills a hog; no network; the secret's value
// nowhere but its own file; the inspect output field by field against the hardening list.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { FolderSecretSource, TMPFS_OPTIONS, type AgentInfo } from '../../src/core/agents';
import type { DockerClient } from '../../src/core/docker/client';
import { PackageRefusedError } from '../../src/core/errors';
import type { PackageManifest } from '../../src/core/packages';
import {
  assertNothingLeft, buildAgentImages, filesContaining, logText, makeWorkspace, markers, rawInspect, waitForAgent, type Workspace,
} from '../fixtures/agents/engine';
import { RUN_ID, runLabels, useEngine } from './helpers';
import { nodeFileSystem } from '../../src/node/fs';

const SECRET = `isolation-${RUN_ID}-Zq8wX2vL5nR7`;
const MiB = 1024 * 1024;

const finished = (a: AgentInfo): boolean => a.status !== 'running' && a.status !== 'created';

describe('Remote agents: isolation (real engine)', function () {
  this.timeout(90_000);
  const engine = useEngine();
  const { suite, each } = engine;
  let client: DockerClient;
  let images: { agent: string; plain: string };
  before(async () => {
    client = engine.client;
    images = await buildAgentImages(client, suite);
  });

  async function deploy(ws: Workspace, script: string, copies = 1): Promise<AgentInfo[]> {
    const { agents } = await ws.service.deploy(['reviewer.brief.md'], {
      copies, command: ['sh', '-c', script], operatorLevel: 'L3', secrets: new FolderSecretSource(nodeFileSystem, ws.secretsDir), labels: runLabels(),
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
      // Other agents' folders (their secrets and output) are never part of a package.
      'ls -A /workspace/.federation/agents >/dev/null 2>&1 && echo AGENTS=visible || echo AGENTS=absent',
      // Patterns from the secret's own file: the value is never put in the command (docker inspect would show it).
      'grep -rlF -f /secrets/API_TOKEN /workspace /brief >/dev/null 2>&1 && echo SECRET_COPY=found || echo SECRET_COPY=none',
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
      assert.equal(m['AGENTS'], 'absent', 'other agents\' folders are never packaged');
      assert.equal(m['SECRET_COPY'], 'none', 'the secret is only at /secrets');
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
    assert.deepEqual(hc['Tmpfs'], { '/tmp': TMPFS_OPTIONS });
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
        ['/brief/BOOTSTRAP.md', folders.packageBootstrap, false],
        ['/brief/MISSION_BRIEF.md', folders.packageBrief, false],
        ['/output', folders.outputDir, true],
        ['/secrets', folders.secretsDir, false],
        ['/workspace', folders.packageWorkspaceDir, false],
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

  it('makes the workspace writable only when the brief asks, and then only its own package copy', async () => {
    const ws = await makeWorkspace(each, images.agent, SECRET);
    execFileSync('mkdir', ['-p', path.join(ws.root, 'docs'), path.join(ws.root, 'examples', 'basic')]);
    execFileSync('sh', ['-c', `echo original > ${path.join(ws.root, 'docs', 'a.md')}; echo example > ${path.join(ws.root, 'examples', 'basic', 'b.txt')}`]);
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
    assert.equal(readFileSync(path.join(ws.service.folders(agent!.id).packageWorkspaceDir, 'docs', 'a.md'), 'utf8'), 'changed\n');
    await ws.service.remove(agent!.id);
    assert.equal(existsSync(ws.service.folders(agent!.id).dir), false);
    await assertNothingLeft(ws, client);
  });

  it('shows the agent only the files its brief lists and its level allows (ls and cat inside the container)', async () => {
    const ws = await makeWorkspace(each, images.agent, SECRET);
    const write = (rel: string, text: string): void => {
      mkdirSync(path.dirname(path.join(ws.root, rel)), { recursive: true });
      writeFileSync(path.join(ws.root, rel), text);
    };
    write('docs/guide.md', 'GUIDE-C1\n');
    write('docs/private.md', '---\nconfidentiality: C2\n---\nPRIVATE-C2\n');
    write('docs/keys.md', '---\nconfidentiality: C3\n---\nKEYS-C3\n');
    write('public/intro.md', '---\nconfidentiality: C0\n---\nINTRO-C0\n');
    write('public/other.md', 'OTHER-UNLISTED\n');
    write('notes.txt', 'NOTES-UNLISTED\n');
    const brief = readFileSync(path.join(ws.root, 'folders.brief.md'), 'utf8')
      .replace('operator_level: L2', 'operator_level: L1')
      .replace(/## Resources[\s\S]*?## Output/, '## Resources\n\n- The guides in `/workspace/docs`.\n- `/workspace/public/intro.md`\n\n## Output');
    write('listed.brief.md', brief);
    const script = [
      'echo "FILES=$(cd /workspace && find . -type f 2>/dev/null | sort | tr "\\n" " ")"',
      'echo "LS_ROOT=$(ls -A /workspace | tr "\\n" " ")"',
      'echo "LS_DOCS=$(ls -A /workspace/docs | tr "\\n" " ")"',
      'echo "LS_PUBLIC=$(ls -A /workspace/public | tr "\\n" " ")"',
      'echo "GUIDE=$(cat /workspace/docs/guide.md)"',
      'echo "INTRO=$(cat /workspace/public/intro.md | tail -n 1)"',
      'for f in docs/private.md docs/keys.md public/other.md notes.txt listed.brief.md .federation/personas.json; do cat /workspace/$f >/dev/null 2>&1 && echo "CAT_$(echo $f | tr -c "a-z\\n" _)=visible" || echo "CAT_$(echo $f | tr -c "a-z\\n" _)=absent"; done',
      'echo "BRIEF=$(ls -A /brief | tr "\\n" " ")"',
      'echo "BOOTSTRAP=$(head -n 1 /brief/BOOTSTRAP.md)"',
      'echo "LEAKS=$(grep -rl -e PRIVATE-C2 -e KEYS-C3 -e OTHER-UNLISTED -e NOTES-UNLISTED /workspace /brief 2>/dev/null | tr "\\n" " ")."',
    ].join('\n');
    const { agents: [agent] } = await ws.service.deploy(['listed.brief.md'], { command: ['sh', '-c', script], labels: runLabels() });
    const done = await waitForAgent(ws.service, agent!.id, finished, 30_000);
    const { stdout, stderr } = await logText(ws.service, agent!.id);
    const seen = `stdout:\n${stdout}\nstderr:\n${stderr}`;
    assert.equal(done.status, 'succeeded', seen);
    const m = markers(stdout);
    assert.equal(m['LS_ROOT'], 'docs public', seen);
    assert.equal(m['LS_DOCS'], 'guide.md', 'C2 and C3 files of a listed folder are left out');
    assert.equal(m['LS_PUBLIC'], 'intro.md', 'only the listed file of that folder');
    assert.equal(m['GUIDE'], 'GUIDE-C1');
    assert.equal(m['INTRO'], 'INTRO-C0');
    for (const f of ['docs_private_md', 'docs_keys_md', 'public_other_md', 'notes_txt', 'listed_brief_md', '_federation_personas_json']) {
      assert.equal(m[`CAT_${f}`], 'absent', `${f}: ${seen}`);
    }
    assert.equal(m['BRIEF'], 'BOOTSTRAP.md MISSION_BRIEF.md');
    assert.match(m['BOOTSTRAP'] ?? '', /^# Bootstrap/, seen);
    assert.equal(m['LEAKS'], '.', 'no unlisted or C2/C3 content anywhere the agent can read');
    // What the container saw is what the package's manifest says it holds.
    const manifest = JSON.parse(readFileSync(path.join(ws.service.folders(agent!.id).packageDir, 'manifest.json'), 'utf8')) as PackageManifest;
    const packaged = manifest.included.filter((e) => e.path.startsWith('workspace/')).map((e) => `./${e.path.slice('workspace/'.length)}`).sort();
    assert.equal(m['FILES'], packaged.join(' '));
    await ws.service.remove(agent!.id);
    await assertNothingLeft(ws, client);
  });

  it('starts nothing when the brief asks for a file above its clearance', async () => {
    const ws = await makeWorkspace(each, images.agent, SECRET);
    mkdirSync(path.join(ws.root, 'docs'));
    writeFileSync(path.join(ws.root, 'docs', 'private.md'), '---\nconfidentiality: C2\n---\nPRIVATE-C2\n');
    writeFileSync(path.join(ws.root, 'asks.brief.md'), readFileSync(path.join(ws.root, 'folders.brief.md'), 'utf8')
      .replace(/## Resources[\s\S]*?## Output/, '## Resources\n\n- `/workspace/docs/private.md`\n\n## Output'));
    const ours = (): string => execFileSync('docker', ['ps', '-aq', '--filter', `label=agent-federation.federation=${ws.service.federationHash}`], { encoding: 'utf8' }).trim();
    assert.equal(ours(), '');
    const e = await ws.service.deploy(['asks.brief.md'], { labels: runLabels() }).then(() => undefined, (x: unknown) => x);
    assert.ok(e instanceof PackageRefusedError, String(e));
    assert.deepEqual(e.files.filter((f) => f.blocking).map((f) => [f.source, f.reason]), [['docs/private.md', 'above-clearance']]);
    assert.equal(ours(), '', 'no container was created');
    assert.equal(existsSync(path.join(ws.root, '.federation', 'agents')), false, 'no agent folder was made');
    await assertNothingLeft(ws, client);
  });
});
