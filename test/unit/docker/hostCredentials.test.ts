// Credentials in a DOCKER_HOST-style address are refused (invalid-input), never silently dropped, and the
// password is masked wherever the address is shown.
import * as assert from 'node:assert/strict';
import { parseDockerHost } from '../../../src/core/docker/host';
import { FederationError } from '../../../src/core/errors';

function refusal(value: string): FederationError {
  try {
    parseDockerHost(value);
  } catch (e) {
    assert.ok(e instanceof FederationError);
    return e;
  }
  assert.fail(`"${value}" was accepted`);
}

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
      const e = refusal(value);
      assert.equal(e.reason, 'invalid-input');
      assert.equal(e.details['host'], shown);
      for (const text of [e.message, JSON.stringify(e.toJSON())]) assert.ok(!/hunter2|ter2/.test(text), text);
    });
  }

  it('refuses a user without password in a tcp:// address (the engine API has no login)', () => {
    const e = refusal('tcp://me@build-1:2375');
    assert.equal(e.reason, 'invalid-input');
    assert.match(e.message, /no user or password in a tcp:\/\/ address/);
  });

  it('still takes a user in an ssh:// address, and addresses without credentials', () => {
    assert.equal(parseDockerHost('ssh://ci@build-1').kind, 'ssh');
    assert.equal(parseDockerHost('tcp://build-1:2375').kind, 'tcp');
  });
});
