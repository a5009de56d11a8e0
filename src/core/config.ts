// .federation/config.yaml: artifact routing rules and the shared timings. Missing file = defaults.
import * as path from 'node:path';
import { StateFileError } from './errors';
import { ConfigFile, ConfigFileSchema } from './federation/state/schemas';
import { yaml } from './lazy';
import type { FileSystem } from './ports';

export const CONFIG_FILE = 'config.yaml';

export const DEFAULT_CONFIG_YAML = `# Agent Federation configuration. Schema: schemas/config.schema.json
version: 1
heartbeat:
  # A persona whose last heartbeat is older than this shows as offline.
  offlineAfterSeconds: 120
locks:
  # A resource lock expires unless its holder renews it; then anyone may take it.
  resourceTtlMinutes: 30
artifacts:
  # First matching rule wins. A glob without a slash matches the file name anywhere.
  rules:
    - kind: zettel
      glob: "*.zettel.md"
      folder: Zettelkasten
    - kind: doc
      glob: "*.doc.md"
      folder: OUT
    - kind: report
      glob: "*.report.{md,json,html}"
      folder: OUT/reports
`;

export function parseConfig(text: string, file: string): ConfigFile {
  const doc = yaml().parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const before = text.slice(0, err.pos[0]);
    const line = before.split('\n').length;
    const col = err.pos[0] - before.lastIndexOf('\n');
    throw new StateFileError(file, '', `not valid YAML at line ${line}, column ${col}: ${err.message.split('\n')[0]}`);
  }
  const parsed = ConfigFileSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new StateFileError(file, issue.path.map(String).join('.') || '(root)', issue.message);
  }
  for (const [i, rule] of parsed.data.artifacts.rules.entries()) {
    const folder = rule.folder.replace(/\\/g, '/');
    if (path.posix.isAbsolute(folder) || /^[A-Za-z]:/.test(folder) || folder.split('/').includes('..')) {
      throw new StateFileError(file, `artifacts.rules.${i}.folder`, `"${rule.folder}" must be a folder inside the workspace (no absolute path, no "..")`);
    }
  }
  return parsed.data;
}

/** Reads it through the file system the caller was given (only its readFile is needed). */
export async function readConfig(fs: Pick<FileSystem, 'readFile'>, federationDir: string): Promise<ConfigFile> {
  const file = path.join(federationDir, CONFIG_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return ConfigFileSchema.parse({});
  }
  return parseConfig(text, file);
}

/**
 * Sets config.yaml's backend.kind (after a migration), keeping the rest of the file as written, comments too.
 * Written to a temp file and renamed into place, so a reader never sees half of it.
 */
export async function setBackendKind(fs: Pick<FileSystem, 'readFile' | 'writeFile' | 'rename'>, federationDir: string, kind: 'file' | 'nats'): Promise<void> {
  const file = path.join(federationDir, CONFIG_FILE);
  let text = '';
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    text = DEFAULT_CONFIG_YAML;
  }
  const doc = yaml().parseDocument(text);
  doc.setIn(['backend', 'kind'], kind);
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, doc.toString(), 'utf8');
  await fs.rename(tmp, file);
}
