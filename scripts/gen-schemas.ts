// Writes every schemas/*.schema.json from its zod definition (the single source of each format). `--check` exits 1
// when a committed file differs, which is what the staleness unit tests and CI rely on.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod/mini';
import { type $ZodType, toJSONSchema } from 'zod/v4/core';
import { AgentReportSchema } from '../src/core/agents/schema';
import { BriefFrontMatterSchema } from '../src/core/brief/schema';
import { MatrixConfigSchema } from '../src/core/matrix/schema';
import { ConfidentialityConfigSchema } from '../src/core/packages/config';
import {
  CalendarFileSchema,
  ConfigFileSchema,
  PersonasFileSchema,
  QueueFileSchema,
  ResourceLockSchema,
} from '../src/core/federation/state/schemas';

const DEFINITIONS: { file: string; title: string; description: string; schema: $ZodType }[] = [
  { file: 'personas.schema.json', title: 'Agent Federation personas', description: '.federation/personas.json: the persona registry.', schema: PersonasFileSchema },
  { file: 'queue.schema.json', title: 'Agent Federation task queue', description: '.federation/queue.json: the task queue, the source of truth for who does what.', schema: QueueFileSchema },
  { file: 'calendar.schema.json', title: 'Agent Federation calendar', description: '.federation/calendar.json: weekly availability windows and exceptions per persona.', schema: CalendarFileSchema },
  { file: 'resource-lock.schema.json', title: 'Agent Federation resource lock', description: '.federation/locks/<resource>.lock: a named resource lock.', schema: ResourceLockSchema },
  {
    file: 'config.schema.json',
    title: 'Agent Federation configuration',
    description: '.federation/config.yaml: timings, artifact routing rules and confidentiality path rules.',
    // The confidentiality section is defined by the package builder, which reads it from the same file.
    schema: z.extend(ConfigFileSchema, { confidentiality: z.optional(ConfidentialityConfigSchema) }),
  },
  {
    file: 'mission-brief.schema.json',
    title: 'Agent Federation mission brief front matter',
    description: 'The YAML front matter of MISSION_BRIEF.md, MISSION_BRIEF.*.md and *.brief.md files. Rules: docs/brief-rules.md.',
    schema: BriefFrontMatterSchema,
  },
  {
    file: 'agent-report.schema.json',
    title: 'Agent Federation agent report',
    description: 'The JSON report a remote agent writes to /output/agent-report.json when it finishes. See docs/agents.md.',
    schema: AgentReportSchema,
  },
  {
    file: 'multi-agent-config.schema.json',
    title: 'Agent Federation CI matrix',
    description: '.github/multi-agent-config.yml: tasks, priorities (waves), scaling, caching and failure handling of the multi-agent CI matrix. Format: docs/matrix.md.',
    schema: MatrixConfigSchema,
  },
];

export function generatedSchemas(): { file: string; json: string }[] {
  return DEFINITIONS.map((d) => {
    // io 'input': what a person may write by hand (fields with defaults are optional).
    const { $schema, ...rest } = toJSONSchema(d.schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    const json = { $schema, $id: `https://agent-federation.dev/schemas/${d.file}`, title: d.title, description: d.description, ...rest };
    return { file: d.file, json: JSON.stringify(json, null, 2) + '\n' };
  });
}

/** One generated schema by file name. */
export function generatedSchema(file: string): { file: string; json: string } {
  const found = generatedSchemas().find((s) => s.file === file);
  if (!found) throw new Error(`no schema definition writes ${file}`);
  return found;
}

/** Files in `schemasDir` that are missing or differ from what the definitions generate. */
export function staleSchemas(schemasDir: string): string[] {
  return generatedSchemas()
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
    const stale = staleSchemas(dir);
    if (stale.length) {
      console.error(`stale: ${stale.join(', ')} — run npm run gen:schemas`);
      process.exit(1);
    }
    console.log('schemas are up to date');
  } else {
    for (const { file, json } of generatedSchemas()) writeFileSync(path.join(dir, file), json);
    console.log(`wrote ${DEFINITIONS.length} schemas to ${dir}`);
  }
}
