// Containers through the Docker boundary against a real engine: confinement checked from inside the container,
// lifecycle, demultiplexed logs, events, limits. Needs a running engine (scripts/ensure-docker.sh).

import * as assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDockerStatus, type DockerClient, type DockerEvent, type LogChunk } from '../../src/core/docker/client';
import { buildTestImage, collect, firstMatching, runLabels, runToExit, uniqueName, useEngine } from './helpers';
import { failure } from '../helpers/failure';

const MiB = 1024 * 1024;

/** KEY=value lines printed by a test script. */
function markers(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^([A-Za-z_]+)[=:]\s*(.*)$/.exec(line);
    if (m) out[m[1] as string] = (m[2] as string).trim();
  }
  return out;
}

// Reads cgroup limits with shell builtins only, so it works even when no more processes may be forked.
// cgroup v1 paths first, then v2.
const READ_LIMITS = [
  'read mem < /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || read mem < /sys/fs/cgroup/memory.max',
  'echo "MEM_LIMIT=$mem"',
  'read pmax < /sys/fs/cgroup/pids/pids.max 2>/dev/null || read pmax < /sys/fs/cgroup/pids.max',
  'echo "PIDS_MAX=$pmax"',
].join('\n');

describe('Docker boundary: containers (real engine)', function () {
  this.timeout(60_000);
  const engine = useEngine();
  const { suite, each } = engine;
  let client: DockerClient;
  let image: string;
  before(async () => {
    client = engine.client;
    image = await buildTestImage(client, 'containers');
    suite.image(image);
  });

  it('confines a hardened container, as seen from inside and from the engine', async () => {
    const secrets = each.tempDir('secrets');
    writeFileSync(join(secrets, 'token'), 's3cret\n');
    chmodSync(secrets, 0o755); // mkdtemp makes 0700; the container's user must be able to read it
    const output = each.tempDir('output');
    chmodSync(output, 0o777); // written by uid 65534
    const script = [
      "grep -E '^(CapEff|CapPrm|CapBnd|NoNewPrivs):' /proc/self/status",
      'echo "UID=$(id -u) GID=$(id -g)"',
      'touch /rootfile 2>/dev/null && echo ROOT_WRITE=ok || echo ROOT_WRITE=denied',
      'touch /secrets/new 2>/dev/null && echo SECRETS_WRITE=ok || echo SECRETS_WRITE=denied',
      'echo "SECRET=$(cat /secrets/token)"',
      'echo from-container > /output/result.txt && echo OUTPUT_WRITE=ok',
      'touch /tmp/scratch && echo TMP_WRITE=ok',
      'echo "GREETING=$GREETING"',
      'echo "PWD=$(pwd)"',
      // Interface names from /proc/net/dev (its first two lines are headers).
      'echo "IFACES=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\\n" " ")"',
      READ_LIMITS,
      'echo to-stderr >&2',
    ].join('\n');
    const name = uniqueName('hardened');
    const spec = {
      name,
      image,
      user: '65534:65534',
      cmd: ['sh', '-c', script],
      env: { GREETING: 'hello there' },
      workingDir: '/output',
      labels: { ...runLabels(), 'agent-federation.test-case': 'hardened' },
      mounts: [
        { source: secrets, target: '/secrets', readOnly: true },
        { source: output, target: '/output' },
      ],
      // The image has no /tmp, so the tmpfs gets mode=1777. (Were /tmp also the workingDir, the engine would make
      // it 0755 root-owned first and the tmpfs would copy that mode, mode=1777 notwithstanding.)
      tmpfs: { '/tmp': 'rw,noexec,nosuid,size=16m,mode=1777' },
      hardening: {
        capDrop: ['ALL'], readOnlyRootfs: true, noNewPrivileges: true, memoryBytes: 64 * MiB, nanoCpus: 500_000_000,
        pidsLimit: 32, network: 'none',
      },
    };
    const { id } = await client.createContainer(spec);

    // The engine's own record, field by field, before it ran.
    const before = await client.inspectContainer(id);
    assert.equal(before.name, name);
    assert.equal(before.image, image);
    assert.equal(before.state, 'created');
    assert.equal(before.running, false);
    assert.equal(before.exitCode, null);
    assert.equal(before.startedAt, undefined);
    assert.equal(before.user, '65534:65534');
    assert.deepEqual(before.cmd, ['sh', '-c', script]);
    assert.equal(before.env['GREETING'], 'hello there');
    assert.equal(before.workingDir, '/output');
    assert.equal(before.labels['agent-federation.test-case'], 'hardened');
    assert.deepEqual(before.hardening.capDrop, ['ALL']);
    assert.deepEqual(before.hardening.capAdd, []);
    assert.equal(before.hardening.readOnlyRootfs, true);
    assert.equal(before.hardening.noNewPrivileges, true);
    assert.equal(before.hardening.memoryBytes, 64 * MiB);
    assert.equal(before.hardening.nanoCpus, 500_000_000);
    assert.equal(before.hardening.pidsLimit, 32);
    assert.equal(before.hardening.network, 'none');
    assert.deepEqual(before.tmpfs, { '/tmp': 'rw,noexec,nosuid,size=16m,mode=1777' });
    const byTarget = Object.fromEntries(before.mounts.map((m) => [m.target, m]));
    assert.deepEqual(byTarget['/secrets'], { type: 'bind', source: secrets, target: '/secrets', readOnly: true });
    assert.deepEqual(byTarget['/output'], { type: 'bind', source: output, target: '/output', readOnly: false });

    await client.startContainer(id);
    const { exitCode } = await client.waitContainer(id, { timeoutMs: 15_000 });
    const chunks = await collect(client.logs(id));
    const stdout = chunks.filter((c) => c.stream === 'stdout').map((c) => c.text).join('');
    const stderr = chunks.filter((c) => c.stream === 'stderr').map((c) => c.text).join('');
    assert.equal(exitCode, 0, `stdout:\n${stdout}\nstderr:\n${stderr}`);

    const m = markers(stdout);
    const seen = `stdout:\n${stdout}\nstderr:\n${stderr}`;
    assert.equal(m['CapEff'], '0000000000000000', seen);
    assert.equal(m['CapPrm'], '0000000000000000', seen);
    assert.equal(m['CapBnd'], '0000000000000000', seen);
    assert.equal(m['NoNewPrivs'], '1', seen);
    assert.equal(m['UID'], '65534 GID=65534', seen);
    assert.equal(m['ROOT_WRITE'], 'denied', seen);
    assert.equal(m['SECRETS_WRITE'], 'denied', seen);
    assert.equal(m['SECRET'], 's3cret', seen);
    assert.equal(m['OUTPUT_WRITE'], 'ok', seen);
    assert.equal(m['TMP_WRITE'], 'ok', seen);
    assert.equal(m['GREETING'], 'hello there', seen);
    assert.equal(m['PWD'], '/output', seen);
    assert.equal(m['IFACES'], 'lo', seen); // network none: loopback only
    assert.equal(m['MEM_LIMIT'], String(64 * MiB), seen);
    assert.equal(m['PIDS_MAX'], '32', seen);
    assert.equal(stderr, 'to-stderr\n', seen);

    // What it wrote is on the host, owned by the unprivileged user; the read-only mount is untouched.
    const result = join(output, 'result.txt');
    assert.equal(readFileSync(result, 'utf8'), 'from-container\n');
    assert.equal(statSync(result).uid, 65534);
    assert.equal(existsSync(join(secrets, 'new')), false);

    const after = await client.inspectContainer(id);
    assert.equal(after.state, 'exited');
    assert.equal(after.running, false);
    assert.equal(after.exitCode, 0);
    assert.equal(after.oomKilled, false);
    // Both are set, but not necessarily in order: the engine stamps StartedAt itself after the runtime reports the
    // start, while FinishedAt comes from the runtime's exit event, which for a short run under load can be earlier.
    assert.ok(after.startedAt && after.finishedAt);
  });

  it('starts, stops, restarts and removes, treating repeats as no-ops', async () => {
    const labels = { ...runLabels(), 'agent-federation.test-case': uniqueName('life') };
    // `exec sleep` as PID 1 has no SIGTERM handler, so stop has to fall back to SIGKILL after the grace time.
    const { id } = await client.createContainer({ image, cmd: ['sh', '-c', 'echo up; exec sleep 120'], labels, hardening: { network: 'none' } });
    await client.startContainer(id);
    await client.startContainer(id); // already running: fine
    const running = await client.inspectContainer(id);
    assert.equal(running.state, 'running');
    assert.equal(running.running, true);
    assert.ok(running.startedAt);

    const listed = await client.listContainers({ labels });
    assert.deepEqual(listed.map((c) => [c.id, c.state]), [[id, 'running']]);

    const refused = await failure(client.removeContainer(id));
    assert.ok(isDockerStatus(refused, 409), refused.message);

    const next = client.waitContainer(id, { condition: 'next-exit', timeoutMs: 15_000 });
    const t0 = Date.now();
    await client.stopContainer(id, { graceSeconds: 1 });
    const stopMs = Date.now() - t0;
    assert.ok(stopMs >= 900 && stopMs < 10_000, `stop took ${stopMs} ms`);
    assert.equal((await next).exitCode, 137);
    await client.stopContainer(id, { graceSeconds: 1 }); // already stopped: fine
    assert.equal((await client.waitContainer(id)).exitCode, 137, 'not-running returns at once for a stopped container');

    await client.restartContainer(id, { graceSeconds: 0 });
    const restarted = await client.inspectContainer(id);
    assert.equal(restarted.state, 'running');
    assert.ok(restarted.startedAt && running.startedAt && restarted.startedAt > running.startedAt);

    await client.removeContainer(id, { force: true, removeVolumes: true });
    assert.ok(isDockerStatus(await failure(client.inspectContainer(id)), 404));
    assert.deepEqual(await client.listContainers({ labels }), []);
  });

  it('times out and cancels a wait without touching the container', async () => {
    const { id } = await client.createContainer({ image, cmd: ['sleep', '120'], labels: runLabels(), hardening: { network: 'none' } });
    await client.startContainer(id);
    const timedOut = await failure(client.waitContainer(id, { timeoutMs: 200 }));
    assert.equal(timedOut.reason, 'docker-timeout');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    assert.equal((await failure(client.waitContainer(id, { signal: controller.signal }))).reason, 'cancelled');
    assert.equal((await client.inspectContainer(id)).state, 'running');
  });

  describe('logs', () => {
    it('come back demultiplexed into stdout and stderr, ordered within each stream, UTF-8 intact', async () => {
      const run = await runToExit(client, {
        image, hardening: { network: 'none' },
        cmd: ['sh', '-c', "echo out1; echo err1 >&2; echo out2; printf 'no-newline'; printf 'ünïcödé ✓\\n'; sleep 0.2; echo err2 >&2"],
      });
      assert.equal(run.exitCode, 0);
      assert.equal(run.stdout, 'out1\nout2\nno-newlineünïcödé ✓\n');
      assert.equal(run.stderr, 'err1\nerr2\n');
      // Order holds within each stream only: the engine copies stdout and stderr concurrently.
      assert.ok(run.chunks.every((c) => c.stream === 'stdout' || c.stream === 'stderr'));

      // The pause before err2 makes it the last line of the log whatever the streams' relative timing.
      const last = await collect(client.logs(run.id, { tail: 1 }));
      assert.deepEqual(last, [{ stream: 'stderr', text: 'err2\n' }]);
      assert.deepEqual(await collect(client.logs(run.id, { since: new Date(Date.now() + 60_000) })), []);
    });

    it('survive large output split across many frames and chunks', async () => {
      const run = await runToExit(client, { image, cmd: ['seq', '1', '50000'], hardening: { network: 'none' } });
      const lines = run.stdout.trimEnd().split('\n');
      assert.equal(lines.length, 50000);
      assert.equal(lines[0], '1');
      assert.equal(lines[49999], '50000');
      assert.equal(run.stderr, '');
    });

    it('follow a running container until it exits', async () => {
      const { id } = await client.createContainer({
        image, labels: runLabels(), hardening: { network: 'none' },
        cmd: ['sh', '-c', 'for i in 1 2 3; do echo line$i; sleep 0.3; done; echo bye >&2'],
      });
      await client.startContainer(id);
      const started = Date.now();
      const chunks = await collect(client.logs(id, { follow: true }));
      const stdout = chunks.filter((c) => c.stream === 'stdout').map((c) => c.text).join('');
      assert.equal(stdout, 'line1\nline2\nline3\n');
      assert.deepEqual(chunks.filter((c) => c.stream === 'stderr'), [{ stream: 'stderr', text: 'bye\n' }]);
      assert.ok(Date.now() - started >= 600, 'the stream stayed open while the container ran');
    });

    it('stop following on close() or on the caller\'s signal', async () => {
      const { id } = await client.createContainer({
        image, labels: runLabels(), hardening: { network: 'none' }, cmd: ['sh', '-c', 'echo ready; exec sleep 120'],
      });
      await client.startContainer(id);
      const stream = client.logs(id, { follow: true });
      await stream.ready;
      const seen: LogChunk[] = [];
      await firstMatching(seen, stream, (c) => c.text.includes('ready'), 10_000);
      stream.close();
      assert.deepEqual(await collect(stream), []);

      const controller = new AbortController();
      const aborted = client.logs(id, { follow: true, signal: controller.signal });
      setTimeout(() => controller.abort(), 200);
      const t0 = Date.now();
      const got = await collect(aborted);
      assert.ok(Date.now() - t0 < 5_000);
      assert.ok(got.some((c) => c.text.includes('ready')));
      assert.equal((await client.inspectContainer(id)).state, 'running', 'closing the log stream leaves the container alone');
    });

    it('of a TTY container are one raw stdout stream', async () => {
      const run = await runToExit(client, { image, tty: true, cmd: ['sh', '-c', 'echo tty-out; echo tty-err >&2'], hardening: { network: 'none' } });
      assert.equal(run.stderr, '');
      assert.match(run.stdout, /tty-out\r?\n/);
      assert.match(run.stdout, /tty-err\r?\n/);
    });
  });

  describe('events', () => {
    it('report create, start and die (with exit code) for labelled containers', async () => {
      const caseLabel = { 'agent-federation.test-case': uniqueName('events') };
      const since = new Date(Date.now() - 1000);
      const events = client.events({ labels: caseLabel });
      await events.ready; // from here on nothing is missed
      const name = uniqueName('ev');
      const { id } = await client.createContainer({ image, name, labels: { ...runLabels(), ...caseLabel }, cmd: ['sh', '-c', 'exit 3'], hardening: { network: 'none' } });
      await client.startContainer(id);
      const seen: DockerEvent[] = [];
      const die = await firstMatching(seen, events, (e) => e.action === 'die', 15_000);
      events.close();
      assert.deepEqual(seen.map((e) => e.action), ['create', 'start', 'die']);
      assert.ok(seen.every((e) => e.type === 'container' && e.id === id && e.name === name && e.image === image));
      assert.equal(die.exitCode, 3);
      assert.equal(die.attributes['agent-federation.test-case'], caseLabel['agent-federation.test-case']);
      assert.ok(die.time.getTime() >= since.getTime());

      // The engine replays recent history for `since`.
      const replay = client.events({ labels: caseLabel, since });
      const replayed: DockerEvent[] = [];
      await firstMatching(replayed, replay, (e) => e.action === 'die', 10_000);
      replay.close();
      assert.deepEqual(replayed.map((e) => e.action), ['create', 'start', 'die']);

      // Other containers' events are filtered out by label.
      await runToExit(client, { image, cmd: ['true'], hardening: { network: 'none' } });
      const quiet = client.events({ labels: caseLabel, since });
      const all: DockerEvent[] = [];
      setTimeout(() => quiet.close(), 500);
      for await (const e of quiet) all.push(e);
      assert.ok(all.every((e) => e.id === id));
    });
  });

  describe('limits', () => {
    it('kills a container over its memory limit and reports oomKilled', async () => {
      const caseLabel = { 'agent-federation.test-case': uniqueName('oom') };
      const events = client.events({ labels: caseLabel });
      await events.ready;
      // busybox tail buffers a whole "line"; /dev/zero never ends one, so it grows until the limit.
      const { id, warnings } = await client.createContainer({
        image, labels: { ...runLabels(), ...caseLabel }, cmd: ['tail', '/dev/zero'],
        hardening: { memoryBytes: 32 * MiB, network: 'none', capDrop: ['ALL'] },
      });
      assert.ok(Array.isArray(warnings));
      await client.startContainer(id);
      const { exitCode } = await client.waitContainer(id, { timeoutMs: 30_000 });
      const seen: DockerEvent[] = [];
      await firstMatching(seen, events, (e) => e.action === 'die', 10_000);
      events.close();
      const info = await client.inspectContainer(id);
      assert.equal(exitCode, 137);
      assert.equal(info.exitCode, 137);
      assert.equal(info.oomKilled, true);
      assert.ok(seen.some((e) => e.action === 'oom'), `events: ${seen.map((e) => e.action).join(', ')}`);
    });

    it('caps the number of processes', async () => {
      const script = [
        // A failed fork ends busybox sh, so the forking happens in a subshell; the rest uses builtins only.
        '(i=0; while [ $i -lt 40 ]; do sleep 30 & i=$((i+1)); done) 2>/dev/null',
        'read ev < /sys/fs/cgroup/pids/pids.events 2>/dev/null || read ev < /sys/fs/cgroup/pids.events',
        'echo "PIDS_EVENTS=$ev"',
        'read cur < /sys/fs/cgroup/pids/pids.current 2>/dev/null || read cur < /sys/fs/cgroup/pids.current',
        'echo "PIDS_CURRENT=$cur"',
        READ_LIMITS,
      ].join('\n');
      const run = await runToExit(client, { image, cmd: ['sh', '-c', script], hardening: { pidsLimit: 16, network: 'none' } });
      const m = markers(run.stdout);
      assert.equal(m['PIDS_MAX'], '16', run.stdout);
      const current = Number(m['PIDS_CURRENT']);
      assert.ok(current > 1 && current <= 16, `pids.current ${current}`);
      const refusals = /^max (\d+)$/.exec(m['PIDS_EVENTS'] ?? '');
      assert.ok(refusals && Number(refusals[1]) > 0, `pids.events: ${m['PIDS_EVENTS']}`);
      assert.equal((await client.inspectContainer(run.id)).hardening.pidsLimit, 16);
    });
  });

  describe('volumes and networks', () => {
    it('creates, lists, mounts and removes a labelled volume', async () => {
      const name = uniqueName('vol');
      each.volume(name);
      await client.createVolume({ name, labels: runLabels() });
      assert.ok((await client.listVolumes({ labels: runLabels() })).includes(name));
      const write = await runToExit(client, {
        image, cmd: ['sh', '-c', 'echo kept > /data/file'], mounts: [{ type: 'volume', source: name, target: '/data' }],
        hardening: { capDrop: ['ALL'], network: 'none' },
      });
      assert.equal(write.exitCode, 0, write.stderr);
      const read = await runToExit(client, {
        image, cmd: ['cat', '/data/file'], mounts: [{ type: 'volume', source: name, target: '/data', readOnly: true }],
        hardening: { network: 'none' },
      });
      assert.equal(read.stdout, 'kept\n');
      const mount = (await client.inspectContainer(read.id)).mounts.find((m) => m.target === '/data');
      assert.deepEqual(mount, { type: 'volume', source: name, target: '/data', readOnly: true });
      await client.removeContainer(write.id, { force: true });
      await client.removeContainer(read.id, { force: true });
      await client.removeVolume(name);
      assert.ok(!(await client.listVolumes({ labels: runLabels() })).includes(name));
    });

    it('puts a container on a labelled internal network', async () => {
      const name = uniqueName('net');
      each.network(name);
      const netId = await client.createNetwork({ name, labels: runLabels(), internal: true });
      assert.ok((await client.listNetworks({ labels: runLabels() })).some((n) => n.id === netId && n.name === name));
      const run = await runToExit(client, {
        image, hardening: { network: name },
        cmd: ['sh', '-c', 'echo "IFACES=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\\n" " ")"'],
      });
      const ifaces = (markers(run.stdout)['IFACES'] ?? '').split(' ').filter(Boolean).sort();
      assert.deepEqual(ifaces, ['eth0', 'lo']);
      assert.equal((await client.inspectContainer(run.id)).hardening.network, name);
      await client.removeContainer(run.id, { force: true });
      await client.removeNetwork(netId);
      assert.ok(!(await client.listNetworks({ labels: runLabels() })).some((n) => n.id === netId));
    });
  });
});
