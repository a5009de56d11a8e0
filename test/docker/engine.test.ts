// The Docker boundary against a real engine: reaching it (and failing to, quickly), images, error shapes.
// Needs a running engine: `bash scripts/ensure-docker.sh && npm run test:docker`.

import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { isDockerStatus, type DockerClient } from '../../src/core/docker/client';
import { createDockerodeClient } from '../../src/node/docker/dockerodeClient';
import { parseDockerHost } from '../../src/core/docker/host';
import { dockerClientLoader } from '../../src/core/docker/loader';
import { FederationError } from '../../src/core/errors';
import { tar } from './tar';
import { busyboxContext, buildTestImage, collect, RUN_ID, runLabels, runToExit, tcpProxyToSocket, uniqueName, useEngine } from './helpers';
import { nodeFileSystem } from '../../src/node/fs';
import { canRunSshd, SSHD_SKIP_NOTE, startSshd, type Sshd } from './sshd';

async function rejection(p: Promise<unknown>): Promise<FederationError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof FederationError, `expected a FederationError, got ${String(e)}`);
    // No library error object travels along (it would carry a stack and dockerode internals).
    assert.equal((e as Error & { cause?: unknown }).cause, undefined);
    return e;
  }
  assert.fail('expected the call to fail');
}

/** A TCP server that accepts connections and never answers: an engine that hangs. */
async function silentServer(): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return {
    server,
    port: address.port,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}


describe('Docker boundary: engine, images and errors (real engine)', function () {
  this.timeout(60_000);
  const engine = useEngine();
  const { suite, each, closers } = engine;
  let client: DockerClient;
  let image: string;
  before(async () => {
    client = engine.client;
    image = await buildTestImage(client, 'engine');
    suite.image(image);
  });

  describe('reaching the engine', () => {
    it('answers ping and describes itself', async () => {
      await client.ping();
      const info = await client.info();
      assert.match(info.version, /^\d+\.\d+/);
      assert.match(info.apiVersion, /^1\.\d+$/);
      assert.equal(info.osType, 'linux');
      assert.equal(info.hostLabel, client.hostLabel);
      assert.ok(info.os.length > 0 && info.arch.length > 0);
      assert.ok(Array.isArray(info.warnings));
    });

    it('is loaded lazily through the loader', async () => {
      const loaded = await dockerClientLoader(nodeFileSystem)({ timeoutMs: 5_000 });
      await loaded.ping();
      assert.equal(loaded.hostLabel, client.hostLabel);
    });

    it('reports a missing socket as docker-unavailable at once, naming the host', async () => {
      const host = `unix:///tmp/af-no-such-dir-${RUN_ID}/docker.sock`;
      const dead = createDockerodeClient({ host });
      const started = Date.now();
      const e = await rejection(dead.ping());
      assert.equal(e.reason, 'docker-unavailable');
      assert.equal(e.details['host'], host);
      assert.match(e.message, /Is Docker running\?/);
      assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms`);
      // Every kind of call fails the same way, streams included.
      assert.equal((await rejection(dead.listContainers())).reason, 'docker-unavailable');
      assert.equal((await rejection(collect(dead.logs('x')))).reason, 'docker-unavailable');
      const events = dead.events();
      assert.equal((await rejection(events.ready)).reason, 'docker-unavailable');
      assert.equal((await rejection(collect(events))).reason, 'docker-unavailable');
    });

    it('reports a socket path nobody listens on as docker-unavailable', async () => {
      const dir = each.tempDir('deadsock');
      const path = join(dir, 'docker.sock');
      writeFileSync(path, '');
      const e = await rejection(createDockerodeClient({ host: `unix://${path}` }).ping());
      assert.equal(e.reason, 'docker-unavailable');
    });

    it('reports a refused tcp port as docker-unavailable', async () => {
      const { port, close } = await silentServer();
      await close(); // the port is now free and refuses connections
      const e = await rejection(createDockerodeClient({ host: `tcp://127.0.0.1:${port}` }).ping());
      assert.equal(e.reason, 'docker-unavailable');
      assert.equal(e.details['host'], `tcp://127.0.0.1:${port}`);
    });

    it('gives up on an engine that never answers with docker-timeout, not a hang', async () => {
      const { port, close } = await silentServer();
      closers.push(close);
      const hung = createDockerodeClient({ host: `tcp://127.0.0.1:${port}`, timeoutMs: 300 });
      const started = Date.now();
      const e = await rejection(hung.info());
      assert.equal(e.reason, 'docker-timeout');
      assert.equal(e.details['timeoutMs'], 300);
      assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms`);
      // A per-call limit wins over the client's.
      const e2 = await rejection(hung.listContainers({ timeoutMs: 100 }));
      assert.equal(e2.details['timeoutMs'], 100);
      // A stream's limit covers the engine accepting it.
      const e3 = await rejection(collect(hung.events({ timeoutMs: 200 })));
      assert.equal(e3.reason, 'docker-timeout');
    });

    it('stops a call when the caller aborts', async () => {
      const { port, close } = await silentServer();
      closers.push(close);
      const hung = createDockerodeClient({ host: `tcp://127.0.0.1:${port}`, timeoutMs: 10_000 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = Date.now();
      const e = await rejection(hung.ping({ signal: controller.signal }));
      assert.equal(e.reason, 'cancelled');
      assert.ok(Date.now() - started < 2_000);
      // Already aborted: nothing is sent to the real engine.
      assert.equal((await rejection(client.ping({ signal: AbortSignal.abort() }))).reason, 'cancelled');
    });
  });

  describe('remote engines', () => {
    it('reaches an engine over tcp:// and streams its logs through it', async function () {
      const local = parseDockerHost(process.env['DOCKER_HOST']);
      if (local.kind !== 'unix') this.skip();
      const proxy = await tcpProxyToSocket((local as { socketPath: string }).socketPath);
      closers.push(proxy.close);
      const remote = createDockerodeClient({ host: `tcp://127.0.0.1:${proxy.port}` });
      assert.equal(remote.hostLabel, `tcp://127.0.0.1:${proxy.port}`);
      assert.equal((await remote.info()).version, (await client.info()).version);
      const run = await runToExit(remote, { image, cmd: ['sh', '-c', 'echo via-tcp; echo err >&2'], hardening: { network: 'none' } });
      assert.equal(run.stdout, 'via-tcp\n');
      assert.equal(run.stderr, 'err\n');
    });

    describe('over ssh://', function () {
      // A real sshd on a loopback port (./sshd.ts); the engine is reached through `docker system dial-stdio`.
      let sshd: Sshd | undefined;
      let port: number;

      before(async function () {
        if (!canRunSshd()) {
          // openssh-server is not in the CI package list by default; the tcp:// test above still covers remote hosts.
          console.log(`      ${SSHD_SKIP_NOTE}`);
          this.skip();
        }
        sshd = await startSshd(suite.tempDir('sshd'));
        port = sshd.port;
      });

      after(() => sshd?.stop());

      it('reaches the engine and runs a container through it', async () => {
        const remote = createDockerodeClient({ host: `ssh://root@127.0.0.1:${port}` });
        assert.equal(remote.hostLabel, `ssh://root@127.0.0.1:${port}`);
        assert.equal((await remote.info()).version, (await client.info()).version);
        const run = await runToExit(remote, { image, cmd: ['echo', 'via-ssh'], hardening: { network: 'none' } });
        assert.equal(run.stdout, 'via-ssh\n');
      });

      it('reports a refused login as docker-unavailable, naming ssh', async () => {
        const e = await rejection(createDockerodeClient({ host: `ssh://nobody@127.0.0.1:${port}` }).ping());
        assert.equal(e.reason, 'docker-unavailable');
        assert.equal(e.details['sshLevel'], 'client-authentication');
      });
    });
  });

  describe('images', () => {
    it('builds from a tar stream and finds the image by tag and label', async () => {
      const tag = `agent-federation-test/stream:${RUN_ID}`;
      each.image(tag);
      const progress: string[] = [];
      const result = await client.buildImage({ tar: Readable.from([busyboxContext()]) }, {
        tag, labels: { ...runLabels(), 'agent-federation.test-case': 'stream' }, onProgress: (l) => progress.push(l),
      });
      assert.equal(result.tag, tag);
      assert.match(result.imageId, /^sha256:[0-9a-f]{64}$/);
      assert.ok(progress.some((l) => /Step 1\/\d/.test(l)), `progress was ${JSON.stringify(progress)}`);
      assert.equal(await client.imageExists(tag), true);
      const listed = await client.listImages({ labels: { 'agent-federation.test-case': 'stream', ...runLabels() } });
      assert.ok(listed.some((i) => i.id === result.imageId && i.tags.includes(tag)));
    });

    it('builds from a folder and honours its .dockerignore', async () => {
      const dir = each.tempDir('ctx');
      writeFileSync(join(dir, 'Dockerfile'), `FROM ${image}\nCOPY . /ctx/\n`);
      writeFileSync(join(dir, 'keep.txt'), 'kept\n');
      writeFileSync(join(dir, 'ignored.txt'), 'must not be sent\n');
      writeFileSync(join(dir, '.dockerignore'), 'ignored.txt\n');
      const tag = `agent-federation-test/folder:${RUN_ID}`;
      each.image(tag);
      await client.buildImage({ folder: dir }, { tag, labels: runLabels() });
      const run = await runToExit(client, { image: tag, cmd: ['ls', '/ctx'] });
      assert.equal(run.exitCode, 0);
      const files = run.stdout.split(/\s+/).filter(Boolean);
      assert.ok(files.includes('keep.txt') && files.includes('Dockerfile'), run.stdout);
      assert.ok(!files.includes('ignored.txt'), run.stdout);
    });

    it('reports a failing build as docker-error with the engine\'s words', async () => {
      const tag = `agent-federation-test/broken:${RUN_ID}`;
      each.image(tag);
      const context = tar([{ type: 'file', name: 'Dockerfile', data: `FROM ${image}\nCOPY missing.txt /\n` }]);
      const e = await rejection(client.buildImage({ tar: context }, { tag, labels: runLabels() }));
      assert.equal(e.reason, 'docker-error');
      assert.equal(e.details['target'], tag);
      assert.equal(typeof e.details['engineMessage'], 'string');
      assert.match(String(e.details['engineMessage']), /missing\.txt/);
      assert.equal(await client.imageExists(tag), false);
    });

    it('rejects a build folder that does not exist as invalid-input', async () => {
      const e = await rejection(client.buildImage({ folder: `/nonexistent-${RUN_ID}` }, { tag: 'x:y' }));
      assert.equal(e.reason, 'invalid-input');
    });

    it('says false for an image that is not there', async () => {
      assert.equal(await client.imageExists(`agent-federation-test/absent:${RUN_ID}`), false);
    });
  });

  describe('engine errors', () => {
    it('carries status code and the engine\'s message for an unknown image', async () => {
      const e = await rejection(client.createContainer({ image: `agent-federation-test/absent:${RUN_ID}`, labels: runLabels() }));
      assert.equal(e.reason, 'docker-error');
      assert.equal(e.details['statusCode'], 404);
      assert.match(String(e.details['engineMessage']), /no such image/i);
      assert.ok(isDockerStatus(e, 404));
    });

    it('reports an unknown container as 404 for inspect, start, logs and wait', async () => {
      const ghost = uniqueName('ghost');
      const calls = [
        () => client.inspectContainer(ghost), () => client.startContainer(ghost), () => collect(client.logs(ghost)),
        () => client.waitContainer(ghost),
      ];
      for (const call of calls) {
        const e = await rejection(call());
        assert.ok(isDockerStatus(e, 404), `${e.reason} ${e.message}`);
      }
    });

    it('refuses a bind mount whose source does not exist (the engine must not create it as root)', async () => {
      const e = await rejection(client.createContainer({
        image, labels: runLabels(), mounts: [{ source: `/nonexistent-${RUN_ID}`, target: '/x', readOnly: true }],
      }));
      assert.equal(e.reason, 'docker-error');
      assert.equal(e.details['statusCode'], 400);
    });

    it('checks mount paths before asking the engine', async () => {
      const e = await rejection(client.createContainer({ image, mounts: [{ source: 'relative/path', target: '/x' }] }));
      assert.equal(e.reason, 'invalid-input');
    });

    it('refuses a second container with the same name with 409', async () => {
      const name = uniqueName('dup');
      await client.createContainer({ image, name, labels: runLabels() });
      const e = await rejection(client.createContainer({ image, name, labels: runLabels() }));
      assert.ok(isDockerStatus(e, 409));
    });
  });
});
