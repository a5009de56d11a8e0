import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { matrixSchemaIsStale } from '../../../scripts/gen-matrix-schema';

const repo = path.resolve(__dirname, '..', '..', '..', '..');

describe('matrix config JSON schema', () => {
  it('the committed schemas/multi-agent-config.schema.json matches the zod definition', () => {
    assert.equal(matrixSchemaIsStale(path.join(repo, 'schemas')), false, 'run: node scripts/build.mjs && node out/scripts/gen-matrix-schema.js');
  });

  it('the check can fail (a folder without the file is stale)', () => {
    assert.equal(matrixSchemaIsStale(path.join(repo, 'test')), true);
  });
});
