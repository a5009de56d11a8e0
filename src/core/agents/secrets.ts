// Secrets reach an agent only as files in its own folder, mounted read-only at /secrets: never in env vars,
// image layers, labels, logs or state files. Values come from a SecretSource; the editor backs it with VS Code
// SecretStorage, the CLI with a folder the user names (--secrets-dir).
import * as path from 'node:path';
import { SECRET_NAME_PATTERN } from '../brief/schema';
import { FederationError } from '../errors';
import type { FileSystem } from '../ports';

export interface SecretSource {
  /** For messages: where values come from ("folder /home/me/.agent-secrets", "VS Code secret storage"). */
  readonly description: string;
  /** The value, or undefined when this source has none by that name. */
  get(name: string): Promise<string | Uint8Array | undefined>;
}

/** One file per secret, named like the secret. */
export class FolderSecretSource implements SecretSource {
  readonly description: string;
  constructor(private readonly fs: FileSystem, private readonly dir: string) {
    this.description = `folder ${dir}`;
  }

  async get(name: string): Promise<Uint8Array | undefined> {
    if (!SECRET_NAME_PATTERN.test(name)) return undefined;
    try {
      return await this.fs.readFile(path.join(this.dir, name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new FederationError('invalid-input', `Secret ${name} in ${this.description} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}).`, { secret: name });
    }
  }
}

/** In-memory values, for tests and callers that already hold them. */
export class MapSecretSource implements SecretSource {
  readonly description = 'the given values';
  constructor(private readonly values: Record<string, string>) {}
  async get(name: string): Promise<string | undefined> {
    return Object.prototype.hasOwnProperty.call(this.values, name) ? this.values[name] : undefined;
  }
}

/** Values by name, all or nothing: every missing name is listed in one error (names only, never values). */
export async function resolveSecrets(names: readonly string[], source: SecretSource | undefined, file: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  if (names.length === 0) return out;
  if (!source) {
    throw new FederationError(
      'invalid-input',
      `${file} needs the secret${names.length === 1 ? '' : 's'} ${names.join(', ')}, but no secret source was given ` +
        '(the CLI takes --secrets-dir DIR holding one file per secret).',
      { file, secrets: [...names] },
    );
  }
  const missing: string[] = [];
  for (const name of names) {
    const value = await source.get(name);
    if (value === undefined) missing.push(name);
    else out.set(name, typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
  }
  if (missing.length > 0) {
    throw new FederationError('not-found', `${file} needs ${missing.join(', ')}, which ${source.description} does not have.`, { file, secrets: missing });
  }
  return out;
}

/**
 * Writes the agent's secrets folder: files 0400 and the folder 0500, owned by the agent's user (when we run as
 * root and it is another uid) so that only it can read them. The folder must not exist yet.
 */
export async function writeSecretsFolder(fs: FileSystem, dir: string, values: Map<string, Uint8Array>, owner?: { uid: number; gid: number }): Promise<void> {
  await fs.mkdir(dir, { mode: 0o700 });
  for (const [name, value] of values) {
    if (!SECRET_NAME_PATTERN.test(name)) throw new FederationError('invalid-input', `"${name}" is not a secret name.`, { secret: name });
    const file = path.join(dir, name);
    // 'wx': never through a file or link that is already there.
    const handle = await fs.open(file, 'wx', 0o400);
    try {
      await handle.writeFile(value);
      await handle.chmod(0o400);
      if (owner) await handle.chown(owner.uid, owner.gid);
    } finally {
      await handle.close();
    }
  }
  if (owner) await fs.chown(dir, owner.uid, owner.gid);
  await fs.chmod(dir, 0o500);
}
