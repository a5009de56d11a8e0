// The NATS backend's pure parts that decide what a change writes and how a lost race is retried.
import * as assert from 'node:assert/strict';
import { wrongLastSequenceIs } from '../../../src/node/nats/connection';
import { sameJson } from '../../../src/node/nats/view';

describe('NATS view: comparing items', () => {
  it('sameJson is JSON equality: key order does not count, an undefined field is an absent one', () => {
    assert.equal(sameJson({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 }), true);
    assert.equal(sameJson({ a: 1, u: undefined }, { a: 1 }), true);
    assert.equal(sameJson({ a: 1 }, { a: 1, u: undefined }), true);
    assert.equal(sameJson({ a: 1 }, { a: 1, b: 2 }), false, 'a field more');
    assert.equal(sameJson({ a: 1, b: 2 }, { a: 1 }), false, 'a field less');
    assert.equal(sameJson({ a: 1, b: undefined }, { a: 1, c: 2 }), false, 'same count, other fields');
    assert.equal(sameJson({ a: null }, { a: {} }), false);
    assert.equal(sameJson([1, 2], [2, 1]), false, 'array order counts');
    assert.equal(sameJson([1], { 0: 1 }), false, 'an array is not an object');
    assert.equal(sameJson({ h: [{ at: 't', to: 'queued' }] }, { h: [{ at: 't', to: 'claimed' }] }), false, 'deep change');
  });

  it('a refusal for a lost race gives the stream\'s last sequence when it says it, else nothing', () => {
    assert.equal(wrongLastSequenceIs({ name: 'JetStreamApiError', code: 10071, message: 'wrong last sequence: 4711' }), 4711);
    assert.equal(wrongLastSequenceIs({ name: 'JetStreamApiError', code: 10071, message: 'something else' }), undefined);
    assert.equal(wrongLastSequenceIs(undefined), undefined);
  });
});
