import * as assert from 'node:assert/strict';
import { HARDENED_DEFAULTS, isDockerStatus, type DockerEvent, type LogChunk } from '../../../src/core/docker/client';
import { FakeDockerClient } from '../../helpers/fakeDocker';
import { FederationError } from '../../../src/core/errors';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function failure(p: Promise<unknown>): Promise<FederationError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof FederationError);
    return e;
  }
  assert.fail('expected a failure');
}

describe('FakeDockerClient', () => {
  let fake: FakeDockerClient;
  beforeEach(() => {
    fake = new FakeDockerClient();
    fake.addImage('agent:1', { 'from-image': 'yes' });
  });

  it('runs the engine state machine: created, running, exited, removed', async () => {
    const { id } = await fake.createContainer({ image: 'agent:1', name: 'a1', labels: { team: 'x' } });
    let info = await fake.inspectContainer('a1');
    assert.equal(info.state, 'created');
    assert.equal(info.exitCode, null);
    assert.deepEqual(info.labels, { 'from-image': 'yes', team: 'x' });

    await fake.startContainer(id);
    await fake.startContainer(id); // no-op, like the engine's 304
    info = await fake.inspectContainer(id.slice(0, 12));
    assert.equal(info.state, 'running');
    assert.ok(info.startedAt);

    assert.ok(isDockerStatus(await failure(fake.removeContainer(id)), 409));
    await fake.stopContainer(id);
    await fake.stopContainer(id); // no-op
    info = await fake.inspectContainer(id);
    assert.equal(info.state, 'exited');
    assert.equal(info.exitCode, 143);

    await fake.removeContainer(id);
    assert.ok(isDockerStatus(await failure(fake.inspectContainer(id)), 404));
  });

  it('refuses unknown images and duplicate names like the engine', async () => {
    assert.ok(isDockerStatus(await failure(fake.createContainer({ image: 'nope:0' })), 404));
    await fake.createContainer({ image: 'agent:1', name: 'dup' });
    assert.ok(isDockerStatus(await failure(fake.createContainer({ image: 'agent:1', name: 'dup' })), 409));
  });

  it('reports the hardening it was given', async () => {
    const { id } = await fake.createContainer({ image: 'agent:1', hardening: { ...HARDENED_DEFAULTS, nanoCpus: 1e9 } });
    const h = (await fake.inspectContainer(id)).hardening;
    assert.deepEqual(h.capDrop, ['ALL']);
    assert.equal(h.readOnlyRootfs, true);
    assert.equal(h.noNewPrivileges, true);
    assert.equal(h.network, 'none');
    assert.equal(h.nanoCpus, 1e9);
    assert.equal(h.pidsLimit, HARDENED_DEFAULTS.pidsLimit);
  });

  it('plays scripted output and exit, with follow ending when the container stops', async () => {
    fake.onStart = (f, id) => {
      f.emitLog(id, 'stdout', 'hello\n');
      setTimeout(() => {
        f.emitLog(id, 'stderr', 'warn\n');
        f.exit(id, 2);
      }, 5);
    };
    const { id } = await fake.createContainer({ image: 'agent:1' });
    await fake.startContainer(id);
    const waited = fake.waitContainer(id);
    const followed = await collect(fake.logs(id, { follow: true }));
    assert.deepEqual(followed, [{ stream: 'stdout', text: 'hello\n' }, { stream: 'stderr', text: 'warn\n' }] satisfies LogChunk[]);
    assert.deepEqual(await waited, { exitCode: 2 });
    assert.deepEqual(await collect(fake.logs(id, { tail: 1 })), [{ stream: 'stderr', text: 'warn\n' }]);
  });

  it('streams events filtered by label, and replays history with since', async () => {
    const since = new Date(Date.now() - 1);
    const events = fake.events({ labels: { team: 'x' } });
    await events.ready;
    const { id } = await fake.createContainer({ image: 'agent:1', labels: { team: 'x' } });
    const other = await fake.createContainer({ image: 'agent:1', labels: { team: 'y' } });
    await fake.startContainer(other.id);
    await fake.startContainer(id);
    fake.exit(id, 0, { oomKilled: true });
    events.close();
    const seen = await collect(events);
    assert.deepEqual(seen.map((e) => e.action), []); // close() drops what was not read yet
    const replay = fake.events({ labels: { team: 'x' }, since });
    const got: DockerEvent[] = [];
    for await (const e of replay) {
      got.push(e);
      if (e.action === 'die') break;
    }
    assert.deepEqual(got.map((e) => e.action), ['create', 'start', 'oom', 'die']);
    assert.equal(got[3]?.exitCode, 0);
    assert.ok(got.every((e) => e.id === id));
    assert.equal((await fake.inspectContainer(id)).oomKilled, true);
  });

  it('delivers live events to a reader that is waiting', async () => {
    const events = fake.events();
    const reader = (async () => {
      const got: string[] = [];
      for await (const e of events) {
        got.push(e.action);
        if (e.action === 'stop') return got;
      }
      return got;
    })();
    const { id } = await fake.createContainer({ image: 'agent:1' });
    await fake.startContainer(id);
    await fake.stopContainer(id);
    assert.deepEqual(await reader, ['create', 'start', 'kill', 'die', 'stop']);
  });

  it('fails every call when "unavailable", and injected failures once', async () => {
    fake.unavailable = true;
    assert.equal((await failure(fake.ping())).reason, 'docker-unavailable');
    assert.equal((await failure(collect(fake.events()))).reason, 'docker-unavailable');
    fake.unavailable = false;
    fake.failNext('startContainer', new FederationError('docker-timeout', 'slow'));
    const { id } = await fake.createContainer({ image: 'agent:1' });
    assert.equal((await failure(fake.startContainer(id))).reason, 'docker-timeout');
    await fake.startContainer(id);
    assert.deepEqual(fake.calls, ['ping', 'events', 'createContainer', 'startContainer', 'startContainer']);
  });

  it('honours signals and wait timeouts', async () => {
    const { id } = await fake.createContainer({ image: 'agent:1' });
    await fake.startContainer(id);
    assert.equal((await failure(fake.waitContainer(id, { timeoutMs: 10 }))).reason, 'docker-timeout');
    const controller = new AbortController();
    const waiting = fake.waitContainer(id, { signal: controller.signal });
    controller.abort();
    assert.equal((await failure(waiting)).reason, 'cancelled');
    assert.equal((await failure(fake.ping({ signal: AbortSignal.abort() }))).reason, 'cancelled');
    const follow = fake.logs(id, { follow: true, signal: controller.signal });
    assert.deepEqual(await collect(follow), []);
  });

  it('lists containers, volumes and networks by label', async () => {
    await fake.createContainer({ image: 'agent:1', labels: { run: '1' } });
    await fake.createContainer({ image: 'agent:1', labels: { run: '2' } });
    assert.equal((await fake.listContainers({ labels: { run: '1' } })).length, 1);
    assert.equal((await fake.listContainers()).length, 2);
    await fake.createVolume({ name: 'v', labels: { run: '1' } });
    assert.deepEqual(await fake.listVolumes({ labels: { run: '1' } }), ['v']);
    await fake.removeVolume('v');
    const net = await fake.createNetwork({ name: 'n', labels: { run: '1' } });
    assert.deepEqual((await fake.listNetworks({ labels: { run: '1' } })).map((n) => n.id), [net]);
    await fake.removeNetwork('n');
    assert.deepEqual(await fake.listNetworks(), []);
  });
});
