// The shipped bundles each carry their own copy of the error classes; a Docker failure raised inside
// dist/docker.js must still reach dist/cli.js as the typed error with its reason (no stack, JSON under --json).
// These need no engine: the engine is a socket that is not there.
import * as assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FederationError, isFederationError } from '../../../src/core/errors';
import type { DockerClient } from '../../../src/core/docker/client';
import { REPO, cliIn, hasStack } from '../../helpers/cli';
import { useTempDir } from '../../helpers/tmp';

const DOWN = 'unix:///tmp/af-no-engine-here.sock';

describe('shipped bundles: one error type across bundles', () => {
  const tmp = useTempDir();
  const cli = cliIn(() => tmp.path, { DOCKER_HOST: DOWN });

  it('an error raised in dist/docker.js is a FederationError to other copies of the class (by brand, not instanceof)', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bundle = require(path.join(REPO, 'dist', 'docker.js')) as { createDockerodeClient(o: { host: string }): DockerClient };
    const client = bundle.createDockerodeClient({ host: DOWN });
    const e = await client.ping().then(() => undefined, (x: unknown) => x);
    assert.ok(e, 'ping of a missing socket must fail');
    // The point of the brand: the bundle's class is another class than ours, yet the error is recognised.
    assert.equal(e instanceof FederationError, false, 'dist/docker.js should carry its own copy of FederationError');
    assert.ok(isFederationError(e), String(e));
    assert.equal(e.reason, 'docker-unavailable');
    assert.ok(isFederationError(e, 'docker-unavailable'));
    assert.equal(isFederationError(e, 'not-found'), false);
  });

  it('agent list with the engine down lists what it can and marks the host unreachable (exit 1, no stack)', async () => {
    assert.equal((await cli('init')).code, 0);
    const r = await cli('--json', 'agent', 'list');
    assert.equal(r.code, 1, r.err);
    assert.equal(hasStack(r.out + r.err), false, r.err);
    const listed = JSON.parse(r.out);
    assert.deepEqual(listed.agents, []);
    assert.deepEqual(listed.hosts.map((h: { host: string; reachable: boolean; reason: string }) => [h.host, h.reachable, h.reason]), [[DOWN, false, 'docker-unavailable']]);
    const text = await cli('agent', 'list');
    assert.equal(text.code, 1);
    assert.match(text.err, /Docker is not running or not reachable at unix:\/\/\/tmp\/af-no-engine-here\.sock/);
    assert.equal(hasStack(text.err), false, text.err);
  });

  it('agent deploy with the engine down is a JSON docker-unavailable error on stderr (exit 1, no stack)', async () => {
    assert.equal((await cli('init')).code, 0);
    cpSync(path.join(REPO, 'test', 'fixtures', 'agents', 'internal.brief.md'), path.join(tmp.path, 'internal.brief.md'));
    const r = await cli('--json', 'agent', 'deploy', 'internal.brief.md', '--image', 'busybox:1', '--command', 'true');
    assert.equal(r.code, 1, r.err);
    assert.equal(hasStack(r.err), false, r.err);
    assert.equal(JSON.parse(r.err).error.reason, 'docker-unavailable');
    const text = await cli('agent', 'deploy', 'internal.brief.md', '--image', 'busybox:1', '--command', 'true');
    assert.equal(text.code, 1);
    assert.match(text.err, /^federation agent: Docker is not running or not reachable/m);
    assert.equal(hasStack(text.err), false, text.err);
  });

  it('matrix run --isolation docker with the engine down is a clear docker-unavailable error (exit 1, no stack)', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'fed-matrix-down-'));
    try {
      for (const part of ['backend', 'frontend', 'scripts', '.github']) cpSync(path.join(REPO, 'demo', part), path.join(root, part), { recursive: true });
      appendFileSync(path.join(root, '.github', 'multi-agent-config.yml'), '\ndocker:\n  image: busybox:1\n');
      const run = cliIn(() => root, { DOCKER_HOST: DOWN });
      const r = await run('--json', 'matrix', 'run', '--isolation', 'docker', '--allow-workspace-commands');
      assert.equal(r.code, 1, r.err);
      assert.equal(hasStack(r.err), false, r.err);
      assert.equal(JSON.parse(r.err).error.reason, 'docker-unavailable');
      const text = await run('matrix', 'run', '--isolation', 'docker', '--allow-workspace-commands');
      assert.equal(text.code, 1);
      assert.match(text.err, /Docker is not running or not reachable/);
      assert.equal(hasStack(text.err), false, text.err);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a real bug (an error that is no FederationError) prints its stack under a line saying it is a bug and where to report it', async () => {
    assert.equal((await cli('init')).code, 0);
    // A preloaded module makes the state read throw a TypeError, as a bug in our code would.
    const preload = path.join(tmp.path, 'bug.js');
    writeFileSync(preload, `const fs = require('fs'); const orig = fs.readFileSync;
fs.readFileSync = function (p, ...rest) { if (String(p).endsWith('personas.json')) throw new TypeError('injected bug'); return orig.call(this, p, ...rest); };\n`);
    const r = await cliIn(() => tmp.path, { NODE_OPTIONS: `--require ${preload}` })('persona', 'list');
    assert.equal(r.code, 1);
    const [first, ...rest] = r.err.split('\n');
    assert.match(first!, /^federation persona: unexpected error\. This is a bug in federation; please report it at https:\/\/github\.com\/agent-federation\/agent-federation\/issues/);
    assert.match(rest.join('\n'), /TypeError: injected bug\n\s+at /);
  });
});
