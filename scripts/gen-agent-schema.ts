// Writes schemas/agent-report.schema.json from AgentReportSchema (the single definition). `--check` exits 1 when
// the committed file differs; test/unit/agents/schema.test.ts does the same check.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { toJSONSchema } from 'zod/v4/core';
import { AgentReportSchema } from '../src/core/agents/schema';

export const AGENT_REPORT_SCHEMA_FILE = 'agent-report.schema.json';

export function generatedAgentSchemas(): { file: string; json: string }[] {
  const schema = toJSONSchema(AgentReportSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const { $schema, ...rest } = schema;
  const json = {
    $schema,
    $id: `https://agent-federation.dev/schemas/${AGENT_REPORT_SCHEMA_FILE}`,
    title: 'Agent Federation agent report',
    description: 'The JSON report a remote agent writes to /output/agent-report.json when it finishes. See docs/agents.md.',
    ...rest,
  };
  return [{ file: AGENT_REPORT_SCHEMA_FILE, json: JSON.stringify(json, null, 2) + '\n' }];
}

export function staleAgentSchemas(schemasDir: string): string[] {
  return generatedAgentSchemas()
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
    const stale = staleAgentSchemas(dir);
    if (stale.length) {
      console.error(`stale: ${stale.join(', ')} — run node out/scripts/gen-agent-schema.js`);
      process.exit(1);
    }
    console.log('agent-report schema is up to date');
  } else {
    for (const { file, json } of generatedAgentSchemas()) writeFileSync(path.join(dir, file), json);
    console.log(`wrote ${AGENT_REPORT_SCHEMA_FILE} to ${dir}`);
  }
}
