// A coarse guard against accidental quadratic work; bench/brief.ts measures the real numbers (targets: 5 KB well
// under 1 ms, 1 MB under 20 ms). The bounds here are loose because test machines are often busy.
import * as assert from 'node:assert/strict';
import { makeBrief } from '../../../bench/brief';
import { validateBrief } from '../../../src/core/brief';
import { REGISTRY } from './helpers';

function best(fn: () => unknown, runs: number): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

describe('brief validation speed', () => {
  it('5 KB in under 5 ms and 1 MB in under 200 ms (best of several runs)', () => {
    const small = makeBrief(5 * 1024);
    const large = makeBrief(1024 * 1024);
    assert.deepEqual(validateBrief(small, { registry: REGISTRY }).filter((f) => f.severity === 'error'), []);
    assert.ok(best(() => validateBrief(small, { registry: REGISTRY }), 50) < 5);
    assert.ok(best(() => validateBrief(large, { registry: REGISTRY }), 5) < 200);
  });
});
