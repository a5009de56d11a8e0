import * as assert from 'node:assert/strict';
import { FederationError } from '../../src/core/errors';

/** The FederationError a call fails with (the test fails if it succeeds or fails otherwise). */
export async function failure(p: Promise<unknown>): Promise<FederationError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof FederationError, `expected a FederationError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the call to fail');
}
