import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { generatedSchema, staleSchemas } from '../../../scripts/gen-schemas';
import { BriefFrontMatterSchema, FRONT_MATTER_KEYS, KEY_DOCS, parseBrief } from '../../../src/core/brief';
import { FIXTURES, ROOT, read } from './helpers';

describe('mission-brief schema', () => {
  it('schemas/mission-brief.schema.json is generated from the zod definition (run npm run gen:schemas)', () => {
    assert.ok(!staleSchemas(path.join(ROOT, 'schemas')).includes('mission-brief.schema.json'));
  });

  it('lists exactly the documented keys and refuses others', () => {
    const json = JSON.parse(generatedSchema('mission-brief.schema.json').json) as { properties: Record<string, unknown>; additionalProperties: boolean };
    assert.deepEqual(Object.keys(json.properties), [...FRONT_MATTER_KEYS]);
    assert.equal(json.additionalProperties, false);
    for (const k of FRONT_MATTER_KEYS) assert.ok(KEY_DOCS[k], `KEY_DOCS.${k}`);
  });

  it('accepts the valid example and the value forms the docs promise', () => {
    assert.ok(BriefFrontMatterSchema.safeParse(parseBrief(read(path.join(FIXTURES, 'valid.brief.md'))).frontMatter!.data).success);
    for (const ok of [{ timeout: 30 }, { timeout: '1h30m' }, { network: 'none' }, { network: ['*.pypi.org', 'localhost:8080'] }, { resources: { cpus: 0.5, memory: '1.5g', pids: 64 } }, { output: '/output' }, { image: 'node:20-bookworm' }]) {
      assert.ok(BriefFrontMatterSchema.safeParse(ok).success, JSON.stringify(ok));
    }
    for (const bad of [{ timeout: 0 }, { timeout: '30 minutes' }, { network: [] }, { output: '/output/../x' }, { output: '/outputs' }, { resources: { memory: '512' } }, { secrets: ['a-b'] }]) {
      assert.ok(!BriefFrontMatterSchema.safeParse(bad).success, JSON.stringify(bad));
    }
  });
});
