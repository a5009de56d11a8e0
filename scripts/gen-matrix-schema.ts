// Writes schemas/multi-agent-config.schema.json from MatrixConfigSchema (the single definition). `--check` exits 1
// when the committed file differs; test/unit/matrix/schema.test.ts does the same check.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { toJSONSchema } from 'zod/v4/core';
import { MatrixConfigSchema } from '../src/core/matrix/schema';

export const MATRIX_SCHEMA_FILE = 'multi-agent-config.schema.json';

export function generateMatrixSchema(): { file: string; json: string } {
  // io 'input': what a person may write by hand.
  const schema = toJSONSchema(MatrixConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const { $schema, ...rest } = schema;
  const json = {
    $schema,
    $id: `https://agent-federation.dev/schemas/${MATRIX_SCHEMA_FILE}`,
    title: 'Agent Federation CI matrix',
    description: '.github/multi-agent-config.yml: tasks, priorities (waves), scaling, caching and failure handling of the multi-agent CI matrix. Format: docs/matrix.md.',
    ...rest,
  };
  return { file: MATRIX_SCHEMA_FILE, json: JSON.stringify(json, null, 2) + '\n' };
}

/** True when the committed schema differs from the generated one (or is missing). */
export function matrixSchemaIsStale(schemasDir: string): boolean {
  const { file, json } = generateMatrixSchema();
  try {
    return readFileSync(path.join(schemasDir, file), 'utf8') !== json;
  } catch {
    return true;
  }
}

if (require.main === module) {
  const dir = path.resolve(__dirname, '..', '..', 'schemas');
  if (process.argv.includes('--check')) {
    if (matrixSchemaIsStale(dir)) {
      console.error(`stale: ${MATRIX_SCHEMA_FILE}; run node out/scripts/gen-matrix-schema.js`);
      process.exit(1);
    }
    console.log(`${MATRIX_SCHEMA_FILE} is up to date`);
  } else {
    const { file, json } = generateMatrixSchema();
    writeFileSync(path.join(dir, file), json);
    console.log(`wrote ${file} to ${dir}`);
  }
}
