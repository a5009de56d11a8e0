import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { staleSchemas } from '../../../scripts/gen-schemas';

const FILE = 'multi-agent-config.schema.json';
const matrixSchemaIsStale = (dir: string) => staleSchemas(dir).includes(FILE);

const repo = path.resolve(__dirname, '..', '..', '..', '..');

describe('matrix config JSON schema', () => {
  it('the committed schemas/multi-agent-config.schema.json matches the zod definition', () => {
    assert.equal(matrixSchemaIsStale(path.join(repo, 'schemas')), false, 'run: npm run gen:schemas');
  });

  it('the check can fail (a folder without the file is stale)', () => {
    assert.equal(matrixSchemaIsStale(path.join(repo, 'test')), true);
  });
});
