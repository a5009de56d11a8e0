// Agents on an engine that cannot see the operator's files (the second dockerd of scripts/remote-docker.sh, in its
// own mount namespace, on tcp://): the files go in through the Engine API into volumes, secrets into a tmpfs
// volume, the output comes back through the API, and removing the agent leaves nothing on that engine.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import * as path from 'node:path';
import { FolderSecretSource, LABEL } from '../../src/core/agents';
import { agentVolumeNames } from '../../src/core/agents/volumes';
import { HOLDER_IMAGE } from '../../src/core/agents/holder';
import { isFederationError } from '../../src/core/errors';
import { nodeFileSystem } from '../../src/node/fs';
import { assertNothingLeft, buildAgentImages, filesContaining, logText, makeWorkspace, markers, waitForAgent } from '../fixtures/agents/engine';
import { failure } from '../helpers/failure';
import { RUN_ID, runLabels } from './helpers';
import { REMOTE_HOST, useRemoteEngine } from './remoteEngine';

const SECRET = `r3mote-${RUN_ID}-value-71c2aa`;

/** What the agent does: reads its workspace, brief and secret, tries to write where it may not, leaves a report. */
const SCRIPT = [
  'set -e',
  'mkdir -p /output/review',
  'cat /workspace/README.md > /output/review/readme.txt',
  "grep '^# ' /brief/MISSION_BRIEF.md | head -n 1 > /output/review/title.txt",
  'test -s /brief/BOOTSTRAP.md && echo BOOTSTRAP=there',
  "sha256sum /secrets/API_TOKEN | cut -d' ' -f1 > /output/review/secret.sha",
  "echo \"SECRET_MODE=$(ls -ln /secrets/API_TOKEN | cut -c1-10)\"",
  "echo \"SECRET_OWNER=$(ls -ln /secrets/API_TOKEN | tr -s ' ' | cut -d' ' -f3)\"",
  "echo \"SECRETS_FS=$(grep ' /secrets ' /proc/mounts | cut -d' ' -f3)\"",
  'echo "ME=$(id -u)"',
  '(touch /workspace/x 2>/dev/null && echo WS=writable) || echo WS=read-only',
  '(touch /secrets/x 2>/dev/null && echo SECRETS=writable) || echo SECRETS=read-only',
  '(touch /brief/x 2>/dev/null && echo BRIEF=writable) || echo BRIEF=read-only',
  'head -c 3000000 /dev/zero > /output/review/big.bin',
  'printf \'{"status":"succeeded","summary":"ran remotely","deliverables":[{"path":"review/readme.txt"}],"startedAt":"2026-12-02T10:00:00Z","finishedAt":"2026-12-02T10:01:00Z"}\' > /output/agent-report.json',
  'echo done',
].join('\n');

/** A tcp:// proxy to the remote engine that can be told to cut every connection after it forwarded `cutAfter` bytes back. */
async function cuttingProxy(target: number): Promise<{ host: string; cutAfter: (bytes: number) => void; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let limit = Infinity;
  const server = createServer((down) => {
    const up = connect(target, '127.0.0.1');
    let sent = 0;
    for (const s of [down, up]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        down.destroy();
        up.destroy();
      });
    }
    down.pipe(up);
    up.on('data', (chunk: Buffer) => {
      sent += chunk.length;
      if (sent > limit) {
        down.write(chunk.subarray(0, Math.max(0, chunk.length - (sent - limit))));
        down.destroy();
        up.destroy();
        return;
      }
      down.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    host: `tcp://127.0.0.1:${port}`,
    cutAfter: (bytes) => (limit = bytes),
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

describe('Agents on an engine that cannot see our files (second engine)', function () {
  this.timeout(120_000);
  const engine = useRemoteEngine();
  let images: { agent: string; plain: string };
  before(async function () {
    this.timeout(180_000);
    images = await buildAgentImages(engine.client, engine.suite);
  });
  after(async () => {
    // The holder image is ours to leave for the next deployment; a test run takes it away again.
    await engine.client.removeImage(HOLDER_IMAGE, { force: true }).catch(() => undefined);
  });

  it("the premise: that engine cannot bind the operator's folders", async () => {
    const ws = await makeWorkspace(engine.each, images.agent, SECRET, REMOTE_HOST);
    const e = await failure(engine.client.createContainer({ image: images.agent, labels: runLabels(), mounts: [{ source: ws.root, target: '/w', readOnly: true }] }));
    assert.equal(e.reason, 'docker-error');
    assert.match(e.message, /bind source path does not exist/);
  });

  it('deploys into volumes: the agent reads its workspace, brief and secret (tmpfs, 0400); collect brings its output back; remove leaves nothing there', async () => {
    const ws = await makeWorkspace(engine.each, images.agent, SECRET, REMOTE_HOST);
    const { agents } = await ws.service.deploy(['reviewer.brief.md'], {
      command: ['sh', '-c', SCRIPT], operatorLevel: 'L3', secrets: new FolderSecretSource(nodeFileSystem, ws.secretsDir), labels: runLabels(),
    });
    const id = agents[0]!.id;
    const done = await waitForAgent(ws.service, id, (a) => a.status !== 'running' && a.status !== 'created', 60_000);
    const { stdout, stderr } = await logText(ws.service, id);
    assert.equal(done.status, 'succeeded', `stdout:\n${stdout}\nstderr:\n${stderr}`);
    const m = markers(stdout);
    assert.equal(m['BOOTSTRAP'], 'there');
    assert.equal(m['SECRET_MODE'], '-r--------');
    assert.equal(m['SECRET_OWNER'], m['ME']);
    assert.equal(m['SECRETS_FS'], 'tmpfs');
    assert.deepEqual([m['WS'], m['SECRETS'], m['BRIEF']], ['read-only', 'read-only', 'read-only']);
    assert.equal(done.hostLabel, REMOTE_HOST);

    // Only the agent is left running there: the holder that filled its volumes is gone.
    const fed = { [LABEL.federation]: ws.service.federationHash };
    assert.deepEqual((await engine.client.listContainers({ labels: fed })).map((c) => c.id), [agents[0]!.containerId]);
    const volumes = agentVolumeNames(ws.service.federationHash, id);
    assert.deepEqual((await engine.client.listVolumes({ labels: fed })).sort(), Object.values(volumes).sort());

    // Every hardening item, checked against what that engine reports.
    const checks = await ws.service.inspectHardening(id);
    assert.deepEqual(checks.filter((c) => !c.ok).map((c) => `${c.check}: ${c.actual}`), []);
    assert.ok(checks.some((c) => c.check === 'secretsVolume' && c.ok));

    // The secret is nowhere but in the agent's tmpfs: not in inspect, env, labels, logs, our files.
    const info = await engine.client.inspectContainer(agents[0]!.containerId!);
    assert.ok(!JSON.stringify(info).includes(SECRET));
    assert.ok(!stdout.includes(SECRET) && !stderr.includes(SECRET));
    assert.equal(existsSync(ws.service.folders(id).secretsDir), false, 'no secrets folder on our side');

    // The report comes through the API (the panel reads the same).
    const report = await ws.service.report(id);
    assert.equal(report.report.summary, 'ran remotely');
    assert.deepEqual(report.deliverables.map((d) => [d.path, d.exists, d.bytes]), [['review/readme.txt', true, 'sample project\n'.length]]);

    const refused = await failure(ws.service.remove(id));
    assert.equal(refused.reason, 'invalid-transition');
    const collected = await ws.service.collect(id, { to: 'collected' });
    assert.deepEqual(collected.files, ['agent-report.json', 'review/big.bin', 'review/readme.txt', 'review/secret.sha', 'review/title.txt']);
    assert.equal(readFileSync(path.join(ws.root, 'collected', 'review', 'readme.txt'), 'utf8'), 'sample project\n');
    assert.equal(readFileSync(path.join(ws.root, 'collected', 'review', 'title.txt'), 'utf8'), '# Review the sample project\n');
    const { createHash } = await import('node:crypto');
    assert.equal(readFileSync(path.join(ws.root, 'collected', 'review', 'secret.sha'), 'utf8').trim(), createHash('sha256').update(SECRET).digest('hex'));

    assert.deepEqual(await ws.service.remove(id), { id, removedContainer: true, removedOutput: true });
    assert.deepEqual(await engine.client.listVolumes({ labels: fed }), [], 'volumes left on the engine');
    await assertNothingLeft(ws, engine.client);
    assert.deepEqual(filesContaining(path.join(ws.root, '.federation'), SECRET), []);
    assert.ok(!ws.logs.join('\n').includes(SECRET));
  });

  it("finds an agent's volumes left behind when its container went (docker rm), keeps uncollected output unless forced", async () => {
    const ws = await makeWorkspace(engine.each, images.agent, SECRET, REMOTE_HOST);
    const { agents } = await ws.service.deploy(['reviewer.brief.md'], {
      command: ['sh', '-c', SCRIPT], operatorLevel: 'L3', secrets: new FolderSecretSource(nodeFileSystem, ws.secretsDir), labels: runLabels(),
    });
    const id = agents[0]!.id;
    await waitForAgent(ws.service, id, (a) => a.status === 'succeeded', 60_000);
    await engine.client.removeContainer(agents[0]!.containerId!, { force: true });

    const listed = await ws.service.volumes({ host: REMOTE_HOST });
    assert.deepEqual(listed.sets.map((x) => [x.agent, x.inUse, x.volumes.length]), [[id, false, 4]]);
    assert.equal(listed.sets[0]!.outputFiles, 5);
    const kept = await ws.service.volumes({ host: REMOTE_HOST, remove: true });
    assert.deepEqual(kept.removed, []);
    assert.match(kept.kept[0]!.why, /5 files nobody collected/);
    const forced = await ws.service.volumes({ host: REMOTE_HOST, remove: true, force: true });
    assert.equal(forced.removed.length, 4);
    assert.deepEqual(await engine.client.listVolumes({ labels: { [LABEL.federation]: ws.service.federationHash } }), []);
    // No probe or holder is left either; the record goes with a forced remove.
    await ws.service.remove(id, { force: true });
    await assertNothingLeft(ws, engine.client);
  });

  it('an engine that goes away mid-collect leaves the copy we had intact and says so', async () => {
    const proxy = await cuttingProxy(Number(new URL(REMOTE_HOST).port));
    try {
      const ws = await makeWorkspace(engine.each, images.agent, SECRET, proxy.host);
      const { agents } = await ws.service.deploy(['reviewer.brief.md'], {
        command: ['sh', '-c', SCRIPT], operatorLevel: 'L3', secrets: new FolderSecretSource(nodeFileSystem, ws.secretsDir), labels: runLabels(),
      });
      const id = agents[0]!.id;
      await waitForAgent(ws.service, id, (a) => a.status === 'succeeded', 60_000);
      await ws.service.report(id); // brings a full copy
      const outputDir = ws.service.folders(id).outputDir;
      const before = readdirSync(path.join(outputDir, 'review')).sort();
      assert.ok(before.includes('big.bin'));

      proxy.cutAfter(64 * 1024);
      const e = await failure(ws.service.collect(id, { to: 'collected' }));
      assert.ok(isFederationError(e));
      assert.equal(e.reason, 'docker-unavailable', e.message);
      assert.match(e.message, new RegExp(proxy.host.replace(/[.:/]/g, '\\$&')));
      assert.deepEqual(readdirSync(path.join(outputDir, 'review')).sort(), before, 'the copy we had is intact');
      assert.equal(readFileSync(path.join(outputDir, 'review', 'big.bin')).length, 3_000_000);
      assert.equal(existsSync(`${outputDir}.incoming`), false);
      assert.equal(existsSync(path.join(ws.root, 'collected')), false, 'nothing half-collected');

      proxy.cutAfter(Infinity);
      await ws.service.collect(id, { to: 'collected' });
      await ws.service.remove(id);
      await assertNothingLeft(ws, engine.client);
    } finally {
      await proxy.close();
    }
  });
});
