// The batched writer of result files: atomic (no temporary file left), in order per batch, typed errors.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FederationError } from '../../../src/core/errors';
import { BatchedFileWriter } from '../../../src/core/matrix/fileWriter';
import { useTempDir } from '../../helpers/tmp';

describe('BatchedFileWriter', function () {
  this.timeout(10_000);
  const tmp = useTempDir('fed-writer-');

  it('writes every file (many at once, then more later) and leaves no temporary file', async () => {
    const w = new BatchedFileWriter();
    try {
      await Promise.all(Array.from({ length: 300 }, (_, i) => w.write(path.join(tmp.path, `f${i}.json`), `{"i":${i}}\n`)));
      await w.write(path.join(tmp.path, 'f0.json'), 'replaced\n');
      const names = readdirSync(tmp.path);
      assert.equal(names.length, 300);
      assert.ok(names.every((n) => n.endsWith('.json')), names.filter((n) => !n.endsWith('.json')).join(', '));
      assert.equal(readFileSync(path.join(tmp.path, 'f299.json'), 'utf8'), '{"i":299}\n');
      assert.equal(readFileSync(path.join(tmp.path, 'f0.json'), 'utf8'), 'replaced\n');
    } finally {
      await w.close();
    }
  });

  it('a write that fails rejects with a FederationError and the others still land', async () => {
    const w = new BatchedFileWriter();
    try {
      const bad = w.write(path.join(tmp.path, 'missing', 'x.json'), '{}');
      const good = w.write(path.join(tmp.path, 'ok.json'), '{}');
      await assert.rejects(bad, (e: unknown) => e instanceof FederationError && /missing/.test(e.message));
      await good;
      assert.deepEqual(readdirSync(tmp.path), ['ok.json']);
    } finally {
      await w.close();
    }
  });

  it('after close, writes reject instead of hanging', async () => {
    const w = new BatchedFileWriter();
    await w.write(path.join(tmp.path, 'a.json'), '{}');
    await w.close();
    await assert.rejects(w.write(path.join(tmp.path, 'b.json'), '{}'), FederationError);
  });
});
