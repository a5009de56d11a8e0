// Reading the config from disk: validation plus the module-folder check, for the CLI and the editor's commands.
import * as path from 'node:path';
import { FederationError } from '../errors';
import type { FileSystem } from '../ports';
import { MATRIX_CONFIG_FILE, MatrixConfig } from './schema';
import { MatrixFinding, moduleFindings, validateMatrixConfig } from './validate';

export interface LoadedMatrixConfig {
  /** Absolute path. */
  file: string;
  /** As findings name it: relative to the root when inside it. */
  shownAs: string;
  text: string;
  config?: MatrixConfig;
  findings: MatrixFinding[];
}

/**
 * Reads and validates the config (default .github/multi-agent-config.yml under root). A missing file is a
 * FederationError('not-found'); a bad one comes back with error findings and no config.
 */
export async function loadMatrixConfig(fs: FileSystem, root: string, configPath?: string, opts: { checkModules?: boolean } = {}): Promise<LoadedMatrixConfig> {
  const file = path.resolve(root, configPath ?? MATRIX_CONFIG_FILE);
  const rel = path.relative(root, file);
  const shownAs = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new FederationError('not-found', `no matrix config at ${shownAs}`, { file }, { cause: e });
  }
  const v = validateMatrixConfig(text, shownAs);
  if (!v.config || opts.checkModules === false) return { file, shownAs, text, findings: v.findings, ...(v.config ? { config: v.config } : {}) };
  const missing = moduleFindings(fs, text, shownAs, v.config, root);
  const findings = [...v.findings, ...missing];
  return { file, shownAs, text, findings, ...(missing.length ? {} : { config: v.config }) };
}
