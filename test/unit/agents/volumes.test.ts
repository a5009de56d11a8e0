// Agents whose engine gets copies of their files (transfer 'volumes'), against the FakeDockerClient: what goes into
// each volume with which owner and mode, what comes back and what never does, and that nothing stays behind.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { LABEL, MapSecretSource } from '../../../src/core/agents';
import { agentVolumeNames } from '../../../src/core/agents/volumes';
import { HOLDER_IMAGE, pauseProgram } from '../../../src/core/agents/holder';
import { FederationError } from '../../../src/core/errors';
import { loadAgent } from '../../../src/core/reports/data';
import { nodeFileSystem } from '../../../src/node/fs';
import { statSync } from 'node:fs';
import { failure, filesUnder, useWorld } from './helpers';

const SECRET = 'tok-remote-5b2d8f4a6c0e';
const secrets = new MapSecretSource({ API_TOKEN: SECRET });

describe('agents on an engine that gets copies (volumes, FakeDockerClient)', () => {
  const world = useWorld();

  it('fills four volumes through a holder, mounts them as the bind mounts were, and keeps secrets off our disk', async () => {
    const { w } = world;
    const service = w.make({ transfer: 'volumes' });
    const { agents } = await service.deploy(['reviewer.brief.md'], { operatorLevel: 'L3', secrets });
    const id = agents[0]!.id;
    const v = agentVolumeNames(service.federationHash, id);
    const info = await w.fake.inspectContainer(agents[0]!.containerId!);
    assert.deepEqual(info.mounts.map((m) => [m.target, m.type, m.source, m.readOnly]).sort(), [
      ['/brief', 'volume', v.brief, true], ['/output', 'volume', v.output, false], ['/secrets', 'volume', v.secrets, true], ['/workspace', 'volume', v.workspace, true],
    ]);
    const [uid, gid] = info.user.split(':').map(Number);
    const secretsVolume = w.fake.volumeContent(v.secrets);
    assert.equal(secretsVolume.get('API_TOKEN')?.content?.toString(), SECRET);
    assert.equal(secretsVolume.get('API_TOKEN')?.mode, 0o400);
    assert.ok(w.fake.volumeContent(v.brief).has('MISSION_BRIEF.md') && w.fake.volumeContent(v.brief).has('BOOTSTRAP.md'));
    assert.ok(w.fake.volumeContent(v.workspace).has('README.md') || w.fake.volumeContent(v.workspace).size >= 1);
    assert.ok(uid !== undefined && gid !== undefined && uid !== 0);
    // The holder was started (it holds the secrets' tmpfs) and removed once the agent ran.
    assert.ok(w.fake.calls.includes('buildImage'), 'the holder image is built on that engine');
    assert.deepEqual(w.fake.containerIds(), [agents[0]!.containerId]);
    assert.equal(existsSync(service.folders(id).secretsDir), false);
    assert.deepEqual(filesUnder(path.join(w.root, '.federation')).filter((f) => readFileSync(path.join(w.root, '.federation', f)).includes(SECRET)), []);
    const checks = await service.inspectHardening(id);
    assert.deepEqual(checks.filter((c) => c.check.endsWith('Volume') && !c.ok), []);
  });

  it('brings /output back without what climbs out of it; remove takes the volumes', async () => {
    const { w } = world;
    const service = w.make({ transfer: 'volumes' });
    const { agents } = await service.deploy(['reviewer.brief.md'], { operatorLevel: 'L3', secrets });
    const id = agents[0]!.id;
    const v = agentVolumeNames(service.federationHash, id);
    w.fake.writeVolumeFile(v.output, 'agent-report.json', JSON.stringify({ status: 'succeeded', summary: 'ok', deliverables: [{ path: 'r/a.md' }], startedAt: '2026-12-02T10:00:00Z', finishedAt: '2026-12-02T10:01:00Z' }));
    w.fake.writeVolumeFile(v.output, 'r/a.md', 'finding\n');
    w.fake.writeVolumeFile(v.output, '../escape.txt', 'planted');
    w.fake.exit(agents[0]!.containerId!, 0);

    const report = await service.report(id);
    assert.deepEqual(report.deliverables.map((d) => [d.path, d.exists]), [['r/a.md', true]]);
    const collected = await service.collect(id, { to: 'got' });
    assert.deepEqual(collected.files, ['agent-report.json', 'r/a.md']);
    assert.equal(readFileSync(path.join(w.root, 'got', 'r', 'a.md'), 'utf8'), 'finding\n');
    assert.deepEqual(readdirSync(path.join(service.folders(id).dir)).filter((n) => n.includes('escape')), []);
    assert.equal(existsSync(path.join(service.folders(id).dir, 'escape.txt')), false);

    await service.remove(id);
    assert.deepEqual(await w.fake.listVolumes({ labels: { [LABEL.federation]: service.federationHash } }), []);
  });

  it('the report panel\'s loader brings a remote agent\'s report here; a read with nothing new leaves our copy untouched', async () => {
    const { w } = world;
    const service = w.make({ transfer: 'volumes' });
    const { agents } = await service.deploy(['reviewer.brief.md'], { operatorLevel: 'L3', secrets });
    const id = agents[0]!.id;
    const v = agentVolumeNames(service.federationHash, id);
    const before = await loadAgent(nodeFileSystem, w.root, { agentId: id }, service);
    assert.equal(before.model.report ?? undefined, undefined, 'no report written yet');
    w.fake.writeVolumeFile(v.output, 'agent-report.json', JSON.stringify({ status: 'succeeded', summary: 'remote ok', deliverables: [{ path: 'r/a.md' }], startedAt: '2026-12-02T10:00:00Z', finishedAt: '2026-12-02T10:01:00Z' }));
    w.fake.writeVolumeFile(v.output, 'r/a.md', 'finding\n');
    w.fake.exit(agents[0]!.containerId!, 0);

    const loaded = await loadAgent(nodeFileSystem, w.root, { agentId: id }, service);
    assert.equal(loaded.model.report?.summary, 'remote ok');
    assert.equal(loaded.model.error ?? undefined, undefined);
    const report = path.join(service.folders(id).outputDir, 'agent-report.json');
    const inode = statSync(report).ino;
    // Again: not pulled again for the same stop, and a pull with the same files (report) swaps nothing in (a panel's
    // folder watcher would wake on a swap and read again, forever).
    const again = await loadAgent(nodeFileSystem, w.root, { agentId: id }, service);
    assert.equal(again.model.report?.summary, 'remote ok');
    assert.equal(statSync(report).ino, inode, 'the copy we had was kept, not replaced');
    await service.report(id);
    assert.equal(statSync(report).ino, inode, 'the same files pulled: nothing swapped in');
    // A changed file there is a new copy here (report and collect always ask the engine).
    w.fake.writeVolumeFile(v.output, 'r/a.md', 'finding, revised\n');
    await service.report(id);
    assert.equal(readFileSync(path.join(service.folders(id).outputDir, 'r', 'a.md'), 'utf8'), 'finding, revised\n');
    assert.notEqual(statSync(report).ino, inode);
  });

  it('a failed deployment takes its volumes and holder with it', async () => {
    const { w } = world;
    const service = w.make({ transfer: 'volumes' });
    w.fake.failNext('startContainer', new FederationError('docker-error', 'boom', {}));
    const e = await failure(service.deploy(['reviewer.brief.md'], { operatorLevel: 'L3', secrets }));
    assert.equal(e.reason, 'docker-error');
    assert.deepEqual(await w.fake.listVolumes({}), []);
    assert.deepEqual(w.fake.containerIds(), []);
  });

  it('one holder fills every agent of a deployment, each in its own volumes, and a holder left behind goes with an agent\'s volumes', async () => {
    const { w } = world;
    const service = w.make({ transfer: 'volumes' });
    const { agents } = await service.deploy(['reviewer.brief.md'], { operatorLevel: 'L3', secrets, copies: 3 });
    // Three agents and one holder: four creates, four starts.
    assert.equal(w.fake.calls.filter((c) => c === 'createContainer').length, 4);
    assert.equal(w.fake.calls.filter((c) => c === 'startContainer').length, 4);
    for (const a of agents) {
      const v = agentVolumeNames(service.federationHash, a.id);
      assert.equal(w.fake.volumeContent(v.secrets).get('API_TOKEN')?.content?.toString(), SECRET, a.id);
      assert.ok(w.fake.volumeContent(v.brief).has('MISSION_BRIEF.md'), a.id);
    }
    assert.deepEqual(w.fake.containerIds().sort(), agents.map((a) => a.containerId).sort());

    // A holder that outlived its deployment (the process died) does not keep an agent's volumes from going.
    const a = agents[0]!;
    const v = agentVolumeNames(service.federationHash, a.id);
    await w.fake.createContainer({
      image: HOLDER_IMAGE, labels: { [LABEL.federation]: service.federationHash, 'agent-federation.volume': 'holder', [`agent-federation.volume.holds.${a.id}`]: '1' },
      mounts: [{ type: 'volume', source: v.secrets, target: `/fill/${a.id}/secrets` }],
    });
    await service.remove(a.id, { force: true });
    assert.deepEqual(w.fake.containerIds().sort(), agents.slice(1).map((x) => x.containerId).sort());
    assert.deepEqual((await w.fake.listVolumes({ labels: { [LABEL.agent]: a.id } })), []);
  });

  it('a restart of an agent whose secrets lived in memory is refused, saying why', async () => {
    const { w } = world;
    const service = w.make({ transfer: 'volumes' });
    const { agents } = await service.deploy(['reviewer.brief.md'], { operatorLevel: 'L3', secrets });
    const e = await failure(service.restart(agents[0]!.id));
    assert.equal(e.reason, 'invalid-transition');
    assert.match(e.message, /deploy its brief again/);
  });

  it('the holder program is a static ELF for x86-64 and arm64, and other engines are told clearly', () => {
    for (const arch of ['x86_64', 'aarch64', 'amd64', 'arm64']) {
      const b = pauseProgram(arch);
      assert.deepEqual([...b.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);
      assert.equal(b.readBigUInt64LE(96), BigInt(b.length));
    }
    assert.equal(HOLDER_IMAGE.includes(':'), true);
    assert.throws(() => pauseProgram('s390x'), (e: { reason?: string }) => e.reason === 'unavailable');
  });
});
