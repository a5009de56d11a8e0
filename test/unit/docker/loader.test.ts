// Where the lazy loader looks for the dockerode adapter: beside the running bundle (dist/docker.js) when bundled,
// and the transpiled adapter (out/src/node/docker/dockerodeClient.js) when the loader runs transpiled from out/.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { adapterCandidates, dockerClientLoader } from '../../../src/core/docker/loader';
import { nodeFileSystem } from '../../../src/node/fs';

describe('docker adapter loader', () => {
  it('a bundle looks only beside itself, for docker.js', () => {
    const dist = path.join(path.sep, 'opt', 'ext', 'dist');
    assert.deepEqual(adapterCandidates(dist), [path.join(dist, 'docker.js')]);
  });

  it('the transpiled loader finds the transpiled adapter in out/src/node/docker', () => {
    const [bundle, transpiled] = adapterCandidates();
    assert.equal(bundle, path.join(__dirname, '..', '..', '..', 'src', 'core', 'docker', 'docker.js'));
    assert.equal(transpiled, path.join(__dirname, '..', '..', '..', 'src', 'node', 'docker', 'dockerodeClient.js'));
    assert.equal(existsSync(transpiled!), true, transpiled);
  });

  it('loads a client from it without reaching an engine', async () => {
    const client = await dockerClientLoader(nodeFileSystem)({ host: 'unix:///tmp/af-no-engine-here.sock' });
    assert.equal(typeof client.ping, 'function');
    assert.match(client.hostLabel, /af-no-engine-here\.sock/);
  });
});
