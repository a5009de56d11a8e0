import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { resolveDockerHost } from '../../../src/core/docker/context';
import { FederationError } from '../../../src/core/errors';
import { nodeFileSystem } from '../../../src/node/fs';
import { useTempDir } from '../../helpers/tmp';

// The contexts are written to a real folder, so they are read through Node's disk.
const resolve = (explicit: string | undefined, env: Record<string, string>) => resolveDockerHost(explicit, env, nodeFileSystem);

describe('Docker contexts', () => {
  const tmp = useTempDir('fed-dctx-');

  function context(name: string, host: string): void {
    const dir = path.join(tmp.path, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }));
  }

  it('follows the docker CLI: explicit host, then DOCKER_HOST, then DOCKER_CONTEXT, then currentContext', () => {
    context('remote', 'ssh://agent@build-host');
    context('lab', 'tcp://10.0.0.5:2375');
    writeFileSync(path.join(tmp.path, 'config.json'), JSON.stringify({ currentContext: 'lab' }));
    const env = { DOCKER_CONFIG: tmp.path };
    assert.deepEqual(resolve(undefined, env), { host: 'tcp://10.0.0.5:2375', context: 'lab' });
    assert.deepEqual(resolve(undefined, { ...env, DOCKER_CONTEXT: 'remote' }), { host: 'ssh://agent@build-host', context: 'remote' });
    assert.deepEqual(resolve(undefined, { ...env, DOCKER_CONTEXT: 'remote', DOCKER_HOST: 'unix:///x.sock' }), { host: 'unix:///x.sock' });
    assert.deepEqual(resolve('context://remote', { ...env, DOCKER_HOST: 'unix:///x.sock' }), { host: 'ssh://agent@build-host', context: 'remote' });
    assert.deepEqual(resolve('tcp://h:1', env), { host: 'tcp://h:1' });
  });

  it('the default context and no config mean the local engine; an unknown context is a clear error', () => {
    assert.deepEqual(resolve(undefined, { DOCKER_CONFIG: tmp.path }), { host: undefined });
    assert.deepEqual(resolve('context://default', { DOCKER_CONFIG: tmp.path }), { host: undefined, context: 'default' });
    assert.throws(() => resolve('context://nope', { DOCKER_CONFIG: tmp.path }), (e: FederationError) => e.reason === 'invalid-input' && /docker context ls/.test(e.message));
  });
});
