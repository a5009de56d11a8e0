import * as assert from 'node:assert/strict';
import { parseDockerHost } from '../../../src/core/docker/host';
import { FederationError } from '../../../src/core/errors';

function invalid(value: string): FederationError {
  try {
    parseDockerHost(value);
  } catch (e) {
    assert.ok(e instanceof FederationError);
    return e;
  }
  assert.fail(`"${value}" was accepted`);
}

describe('DOCKER_HOST parsing', () => {
  it('defaults to the local socket of the platform', () => {
    assert.deepEqual(parseDockerHost(undefined, { platform: 'linux' }), {
      kind: 'unix', socketPath: '/var/run/docker.sock', label: 'unix:///var/run/docker.sock',
    });
    assert.deepEqual(parseDockerHost('  ', { platform: 'darwin' }).kind, 'unix');
    assert.deepEqual(parseDockerHost('', { platform: 'win32' }), {
      kind: 'npipe', socketPath: '//./pipe/docker_engine', label: 'npipe:////./pipe/docker_engine',
    });
  });

  it('reads unix sockets, with and without a path, and bare absolute paths', () => {
    assert.deepEqual(parseDockerHost('unix:///run/user/1000/docker.sock'), {
      kind: 'unix', socketPath: '/run/user/1000/docker.sock', label: 'unix:///run/user/1000/docker.sock',
    });
    assert.equal((parseDockerHost('unix://') as { socketPath: string }).socketPath, '/var/run/docker.sock');
    assert.equal((parseDockerHost('/tmp/d.sock') as { socketPath: string }).socketPath, '/tmp/d.sock');
    assert.equal(invalid('unix://relative/d.sock').reason, 'invalid-input');
  });

  it('reads named pipes', () => {
    assert.deepEqual(parseDockerHost('npipe:////./pipe/docker_other'), {
      kind: 'npipe', socketPath: '//./pipe/docker_other', label: 'npipe:////./pipe/docker_other',
    });
  });

  it('reads tcp hosts with default ports and TLS', () => {
    assert.deepEqual(parseDockerHost('tcp://10.0.0.5:2375'), {
      kind: 'tcp', host: '10.0.0.5', port: 2375, tls: false, label: 'tcp://10.0.0.5:2375',
    });
    assert.deepEqual(parseDockerHost('tcp://build-1'), {
      kind: 'tcp', host: 'build-1', port: 2375, tls: false, label: 'tcp://build-1:2375',
    });
    // 2376 is the TLS port by convention, as in the docker CLI.
    assert.equal((parseDockerHost('tcp://build-1:2376') as { tls: boolean }).tls, true);
    assert.deepEqual(parseDockerHost('tcp://build-1', { tlsVerify: true }), {
      kind: 'tcp', host: 'build-1', port: 2376, tls: true, label: 'tcp://build-1:2376',
    });
    assert.equal((parseDockerHost('https://build-1:9999') as { tls: boolean }).tls, true);
    // No scheme means tcp.
    assert.deepEqual(parseDockerHost('localhost:2375'), {
      kind: 'tcp', host: 'localhost', port: 2375, tls: false, label: 'tcp://localhost:2375',
    });
  });

  it('keeps IPv6 literals usable as socket hosts', () => {
    assert.deepEqual(parseDockerHost('tcp://[::1]:2375'), {
      kind: 'tcp', host: '::1', port: 2375, tls: false, label: 'tcp://[::1]:2375',
    });
  });

  it('reads ssh hosts with user and port, and refuses passwords in the address', () => {
    assert.deepEqual(parseDockerHost('ssh://ci@build-1'), {
      kind: 'ssh', host: 'build-1', port: 22, username: 'ci', label: 'ssh://ci@build-1:22',
    });
    assert.deepEqual(parseDockerHost('ssh://build-1:2222'), {
      kind: 'ssh', host: 'build-1', port: 2222, label: 'ssh://build-1:2222',
    });
    const e = invalid('ssh://ci:hunter2@build-1');
    assert.ok(!e.message.includes('hunter2'), e.message);
    assert.equal(e.details['host'], 'ssh://ci:***@build-1');
  });

  it('rejects what no engine could be reached at, as invalid-input naming the value', () => {
    for (const bad of ['ftp://x', 'tcp://', 'tcp://host:2375/some/path', 'tcp://host:notaport', 'ssh://']) {
      const e = invalid(bad);
      assert.equal(e.reason, 'invalid-input', bad);
      assert.equal(e.details['host'], bad);
    }
  });
});

// Credentials in an address are refused (invalid-input), never silently dropped, and the password is masked
// wherever the address is shown.
describe('DOCKER_HOST parsing: credentials in the address', () => {
  const cases: [string, string][] = [
    ['tcp://me:hunter2@build-1:2375', 'tcp://me:***@build-1:2375'],
    ['http://me:hunter2@build-1', 'http://me:***@build-1'],
    ['https://me:hunter2@build-1:2376', 'https://me:***@build-1:2376'],
    ['me:hunter2@build-1:2375', 'me:***@build-1:2375'],
    ['tcp://me:hun@ter2@build-1:2375', 'tcp://me:***@build-1:2375'],
    ['ssh://ci:hun@ter2@build-1', 'ssh://ci:***@build-1'],
  ];
  for (const [value, shown] of cases) {
    it(`refuses ${shown} as invalid-input without showing the password`, () => {
      const e = invalid(value);
      assert.equal(e.reason, 'invalid-input');
      assert.equal(e.details['host'], shown);
      for (const text of [e.message, JSON.stringify(e.toJSON())]) assert.ok(!/hunter2|ter2/.test(text), text);
    });
  }

  it('refuses a user without password in a tcp:// address (the engine API has no login)', () => {
    const e = invalid('tcp://me@build-1:2375');
    assert.equal(e.reason, 'invalid-input');
    assert.match(e.message, /no user or password in a tcp:\/\/ address/);
  });

  it('still takes a user in an ssh:// address, and addresses without credentials', () => {
    assert.equal(parseDockerHost('ssh://ci@build-1').kind, 'ssh');
    assert.equal(parseDockerHost('tcp://build-1:2375').kind, 'tcp');
  });
});
