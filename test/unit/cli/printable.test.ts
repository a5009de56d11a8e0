import * as assert from 'node:assert/strict';
import { printable } from '../../../src/cli/printable';

describe('printable: text for the terminal', () => {
  it('escapes ESC, CR, BEL, backspace and the other C0 controls, DEL and C1; keeps tab and newline', () => {
    assert.equal(printable('a\x1b[2Jb\rc\x07d\x08e\x00f\x7fg\x9bh'), 'a\\x1b[2Jb\\rc\\x07d\\be\\x00f\\x7fg\\x9bh');
    assert.equal(printable('one\ttwo\nthree'), 'one\ttwo\nthree');
  });

  it('escapes the newline too for a line that stands for one record', () => {
    assert.equal(printable('T1 fake\nT2 done', { oneLine: true }), 'T1 fake\\nT2 done');
    assert.equal(printable('a\tb', { oneLine: true }), 'a\tb');
  });

  it('escapes Unicode line separators and bidirectional overrides, and leaves other text alone', () => {
    assert.equal(printable('x\u202eevil\u2066y\u2028z'), 'x\\u202eevil\\u2066y\\u2028z');
    assert.equal(printable('✓ café — 日本 → ×'), '✓ café — 日本 → ×');
  });
});
