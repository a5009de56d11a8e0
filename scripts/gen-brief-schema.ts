// Writes schemas/mission-brief.schema.json from BriefFrontMatterSchema (the single definition). `--check` exits 1
// when the committed file differs; the unit test test/unit/brief/schema.test.ts does the same check.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { toJSONSchema } from 'zod/v4/core';
import { BriefFrontMatterSchema } from '../src/core/brief/schema';

export const BRIEF_SCHEMA_FILE = 'mission-brief.schema.json';

export function generatedBriefSchemas(): { file: string; json: string }[] {
  const schema = toJSONSchema(BriefFrontMatterSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const { $schema, ...rest } = schema;
  const json = {
    $schema,
    $id: `https://agent-federation.dev/schemas/${BRIEF_SCHEMA_FILE}`,
    title: 'Agent Federation mission brief front matter',
    description: 'The YAML front matter of MISSION_BRIEF.md, MISSION_BRIEF.*.md and *.brief.md files. Rules: docs/brief-rules.md.',
    ...rest,
  };
  return [{ file: BRIEF_SCHEMA_FILE, json: JSON.stringify(json, null, 2) + '\n' }];
}

export function staleBriefSchemas(schemasDir: string): string[] {
  return generatedBriefSchemas()
    .filter(({ file, json }) => {
      try {
        return readFileSync(path.join(schemasDir, file), 'utf8') !== json;
      } catch {
        return true;
      }
    })
    .map((s) => s.file);
}

if (require.main === module) {
  const dir = path.resolve(__dirname, '..', '..', 'schemas');
  if (process.argv.includes('--check')) {
    const stale = staleBriefSchemas(dir);
    if (stale.length) {
      console.error(`stale: ${stale.join(', ')} — run node out/scripts/gen-brief-schema.js`);
      process.exit(1);
    }
    console.log('mission-brief schema is up to date');
  } else {
    for (const { file, json } of generatedBriefSchemas()) writeFileSync(path.join(dir, file), json);
    console.log(`wrote ${BRIEF_SCHEMA_FILE} to ${dir}`);
  }
}
