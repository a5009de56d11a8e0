// Docker contexts, resolved the way the docker CLI does, so an agent can target the engine a user already set up
// with `docker context create/use`: an explicit host (or `context://NAME`) wins, then DOCKER_HOST, then
// DOCKER_CONTEXT, then the config's currentContext. Contexts live in $DOCKER_CONFIG (default ~/.docker) under
// contexts/meta/<sha256 of the name>/meta.json. TLS material stored with a context is not used yet.
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { FederationError } from '../errors';
import type { Environment, FileSystem } from '../ports';

export const CONTEXT_PREFIX = 'context://';

export interface ResolvedHost {
  /** A DOCKER_HOST-style value; undefined means the local default engine. */
  host: string | undefined;
  /** The context it came from, if any. */
  context?: string;
}

function configDir(env: Environment): string {
  return env['DOCKER_CONFIG'] || path.join(os.homedir(), '.docker');
}

/** The endpoint of a named context; 'default' is the local engine. */
export function contextHost(name: string, env: Environment, fs: FileSystem): string | undefined {
  if (name === 'default') return undefined;
  const meta = path.join(configDir(env), 'contexts', 'meta', createHash('sha256').update(name).digest('hex'), 'meta.json');
  let data: { Endpoints?: { docker?: { Host?: unknown } } };
  try {
    data = JSON.parse(fs.sync.readFileSync(meta, 'utf8')) as typeof data;
  } catch {
    throw new FederationError('invalid-input', `Docker context "${name}" does not exist (no ${meta}). List them with "docker context ls".`, { context: name });
  }
  const host = data.Endpoints?.docker?.Host;
  if (typeof host !== 'string' || host === '') throw new FederationError('invalid-input', `Docker context "${name}" has no docker endpoint (${meta}).`, { context: name });
  return host;
}

/** The engine address the user means; `env` and `fs` are the front end's (DOCKER_HOST, ~/.docker). */
export function resolveDockerHost(explicit: string | undefined, env: Environment, fs: FileSystem): ResolvedHost {
  if (explicit?.startsWith(CONTEXT_PREFIX)) {
    const name = explicit.slice(CONTEXT_PREFIX.length);
    return { host: contextHost(name, env, fs), context: name };
  }
  if (explicit) return { host: explicit };
  if (env['DOCKER_HOST']) return { host: env['DOCKER_HOST'] };
  const named = env['DOCKER_CONTEXT'] || currentContext(env, fs);
  return named && named !== 'default' ? { host: contextHost(named, env, fs), context: named } : { host: undefined };
}

function currentContext(env: Environment, fs: FileSystem): string | undefined {
  try {
    const cfg = JSON.parse(fs.sync.readFileSync(path.join(configDir(env), 'config.json'), 'utf8')) as { currentContext?: unknown };
    return typeof cfg.currentContext === 'string' ? cfg.currentContext : undefined;
  } catch {
    return undefined;
  }
}
