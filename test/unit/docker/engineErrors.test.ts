import * as assert from 'node:assert/strict';
import { isDockerStatus } from '../../../src/core/docker/client';
import { toFederationError, type CallContext } from '../../../src/core/docker/engineErrors';
import { FederationError } from '../../../src/core/errors';

const ctx: CallContext = {
  operation: 'start container', hostLabel: 'unix:///var/run/docker.sock', target: 'abc', timeoutMs: 15_000,
  timedOut: false, cancelled: false,
};

describe('docker error mapping', () => {
  it('maps socket failures to docker-unavailable with the host, by error code', () => {
    for (const code of ['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'ENOTFOUND']) {
      const e = toFederationError(Object.assign(new Error('whatever the library says'), { code }), ctx);
      assert.equal(e.reason, 'docker-unavailable', code);
      assert.deepEqual(e.details, { host: ctx.hostLabel, code });
      assert.match(e.message, /Is Docker running\?/);
      assert.match(e.message, /DOCKER_HOST/);
      assert.equal(e.cause, undefined, 'the library error is not kept');
    }
  });

  it('explains a permission problem differently', () => {
    const e = toFederationError({ code: 'EACCES' }, ctx);
    assert.equal(e.reason, 'docker-unavailable');
    assert.match(e.message, /docker" group/);
  });

  it('keeps the engine status and its message for refusals', () => {
    const e = toFederationError(
      Object.assign(new Error('(HTTP code 404) no such container - No such container: abc '), {
        statusCode: 404, reason: 'no such container', json: { message: 'No such container: abc' },
      }),
      ctx,
    );
    assert.equal(e.reason, 'docker-error');
    assert.equal(e.message, 'Docker start container abc failed (HTTP 404): No such container: abc');
    assert.equal(e.details['statusCode'], 404);
    assert.equal(e.details['engineMessage'], 'No such container: abc');
    assert.ok(isDockerStatus(e, 404));
    assert.ok(!isDockerStatus(e, 409));
  });

  it('reads an engine message that came as bytes, or falls back to the status text', () => {
    assert.equal(toFederationError({ statusCode: 500, json: Buffer.from('boom\n') }, ctx).details['engineMessage'], 'boom');
    assert.equal(toFederationError({ statusCode: 502, reason: undefined, json: null }, ctx).details['engineMessage'], 'unexpected response');
  });

  it('prefers our own knowledge of a timeout or a cancellation over what the library threw', () => {
    const aborted = Object.assign(new Error('The operation was aborted'), { code: 'ABORT_ERR' });
    const t = toFederationError(aborted, { ...ctx, timedOut: true });
    assert.equal(t.reason, 'docker-timeout');
    assert.equal(t.details['timeoutMs'], 15_000);
    assert.match(t.message, /within 15 s/);
    assert.equal(toFederationError(aborted, { ...ctx, cancelled: true }).reason, 'cancelled');
  });

  it('recognises ssh connection and login failures by their level', () => {
    const login = toFederationError({ level: 'client-authentication' }, { ...ctx, hostLabel: 'ssh://ci@h:22' });
    assert.equal(login.reason, 'docker-unavailable');
    assert.equal(login.details['sshLevel'], 'client-authentication');
    assert.equal(toFederationError({ level: 'client-socket' }, ctx).reason, 'docker-unavailable');
  });

  it('passes FederationErrors through and wraps anything else as docker-error without the original', () => {
    const own = new FederationError('invalid-input', 'x');
    assert.equal(toFederationError(own, ctx), own);
    const odd = toFederationError(new TypeError('bad thing'), ctx);
    assert.equal(odd.reason, 'docker-error');
    assert.match(odd.message, /bad thing/);
    assert.equal(odd.cause, undefined);
    assert.deepEqual(Object.keys(odd.toJSON()), ['reason', 'message', 'details']);
  });
});
