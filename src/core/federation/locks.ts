// Resource locks: a persona's named claim on something shared (a file, a service), one file per lock in locks/,
// with a time to live its holder renews; an expired lock is anyone's to take over.
import { FederationError, StateFileError, describeError, isFederationError, isStateFileError } from '../errors';
import { FederationContext, requirePersona, requireTask } from './context';
import { ResourceLock, ResourceLockSchema } from './state/schemas';

/** A lock file that cannot be read: the file, its first bad field ('' when it is not JSON), where a copy is kept. */
export interface LockProblem {
  file: string;
  /** The resource its name stands for, when that is a valid resource name (to release it with force). */
  resource?: string;
  field: string;
  reason: string;
  message: string;
  keptCopy?: string;
}

/** What releaseLock removed: the lock, or (with force) an unreadable lock file, kept in corrupt/. */
export type ReleasedLock = ResourceLock | { resource: string; corrupt: true; file: string; field: string; keptCopy: string };

export const RESOURCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
export const LOCKS_DIR = 'locks';

function requireResourceName(resource: string): void {
  if (!RESOURCE_PATTERN.test(resource)) {
    throw new FederationError('invalid-input', `Resource name "${resource}" is not valid: letters, digits, . _ - (at most 100), starting with a letter or digit.`, { field: 'resource' });
  }
}

export function isExpired(ctx: FederationContext, lock: ResourceLock, now = ctx.clock.now()): boolean {
  return Date.parse(lock.expiresAt) <= now.getTime();
}

/**
 * Every lock file: the valid locks, and one problem per file that cannot be read (named with its first bad
 * field, a copy kept in corrupt/), so one bad file never hides the others.
 */
export async function inspectLocks(ctx: FederationContext): Promise<{ locks: ResourceLock[]; problems: LockProblem[] }> {
  const names = (await ctx.store.listDir(LOCKS_DIR)).filter((n) => n.endsWith('.lock'));
  const locks: ResourceLock[] = [];
  const problems: LockProblem[] = [];
  for (const name of names) {
    try {
      const lock = await readLock(ctx, ctx.store.readText(`${LOCKS_DIR}/${name}`), name);
      if (lock) locks.push(lock);
    } catch (e) {
      const resource = name.slice(0, -'.lock'.length);
      const file = ctx.store.pathOf(`${LOCKS_DIR}/${name}`);
      const named = RESOURCE_PATTERN.test(resource) ? { resource } : {};
      if (isStateFileError(e)) {
        problems.push({ ...named, file, field: e.field, reason: e.reason, message: e.message, ...(e.keptCopy ? { keptCopy: e.keptCopy } : {}) });
      } else {
        // Not a content problem (a folder named *.lock, no permission): named the same way, nothing kept.
        problems.push({ ...named, file, field: '', reason: isFederationError(e) ? e.reason : 'state-corrupt', message: `${file}: ${describeError(e)}` });
      }
    }
  }
  return { locks, problems };
}

/** Takes (or renews, for its holder) a named resource lock. An expired lock is taken over. */
export async function acquireLock(
  ctx: FederationContext,
  resource: string,
  personaId: string,
  options: { task?: string; ttlMinutes?: number } = {},
): Promise<{ lock: ResourceLock; recovered?: ResourceLock }> {
  requireResourceName(resource);
  const ttlMinutes = options.ttlMinutes ?? (await ctx.config()).locks.resourceTtlMinutes;
  // A lock that is expired when written would be taken over at once; config.yaml is held to the same rule.
  if (!(ttlMinutes > 0 && Number.isFinite(ttlMinutes))) {
    throw new FederationError('invalid-input', `A lock's time to live is a positive number of minutes; got ${ttlMinutes}.`, { field: 'ttlMinutes' });
  }
  const result = await ctx.store.transaction(async (tx) => {
    requirePersona((await tx.get('personas')).personas, personaId);
    // The lock names its task so others see why it is held; a task that is not in the queue says nothing.
    if (options.task !== undefined) requireTask((await tx.get('queue')).tasks, options.task);
    const rel = `${LOCKS_DIR}/${resource}.lock`;
    const current = await readLock(ctx, tx.readText(rel), `${resource}.lock`);
    const now = ctx.clock.now();
    if (current && current.holder !== personaId && !isExpired(ctx, current, now)) {
      throw new FederationError('resource-locked', `${resource} is locked by ${current.holder}${current.task ? ` for ${current.task}` : ''} until ${current.expiresAt}.`, { resource, holder: current.holder, expiresAt: current.expiresAt });
    }
    const lock: ResourceLock = {
      resource,
      holder: personaId,
      task: options.task ?? (current?.holder === personaId ? current.task : null),
      host: ctx.identity.host,
      pid: ctx.identity.pid,
      acquiredAt: current?.holder === personaId ? current.acquiredAt : now.toISOString(),
      expiresAt: new Date(now.getTime() + ttlMinutes * 60_000).toISOString(),
    };
    tx.writeText(rel, JSON.stringify(lock, null, 2) + '\n');
    const recovered = current && current.holder !== personaId ? current : undefined;
    return recovered ? { lock, recovered } : { lock };
  });
  // Logged once the change is in: a backend may run the callback again when another change landed first.
  if (result.recovered) ctx.logger.warn(`recovered expired lock ${resource} from ${result.recovered.holder}`);
  // As stored: a backend may add to it (the NATS backend's fencing number).
  const stored = await readLock(ctx, ctx.store.readText(`${LOCKS_DIR}/${resource}.lock`), `${resource}.lock`).catch(() => undefined);
  const lock = stored && stored.holder === personaId && stored.expiresAt === result.lock.expiresAt ? stored : result.lock;
  return { ...result, lock };
}

/**
 * Extends the locks a persona holds from this host (called with each heartbeat of a window), so a lock lives as
 * long as its holder and lapses one TTL after the holder stops renewing it (crashed window, closed terminal).
 */
export async function renewLocks(ctx: FederationContext, personaId: string, options: { ttlMinutes?: number } = {}): Promise<ResourceLock[]> {
  const ttlMinutes = options.ttlMinutes ?? (await ctx.config()).locks.resourceTtlMinutes;
  const held = (await inspectLocks(ctx)).locks.filter((l) => l.holder === personaId && l.host === ctx.identity.host);
  if (held.length === 0) return [];
  return ctx.store.transaction(async (tx) => {
    const now = ctx.clock.now();
    const renewed: ResourceLock[] = [];
    for (const l of held) {
      const rel = `${LOCKS_DIR}/${l.resource}.lock`;
      const current = await readLock(ctx, tx.readText(rel), `${l.resource}.lock`);
      // Re-read inside the lock: it may have been released or taken over since the listing.
      if (!current || current.holder !== personaId) continue;
      const next = { ...current, expiresAt: new Date(now.getTime() + ttlMinutes * 60_000).toISOString() };
      tx.writeText(rel, JSON.stringify(next, null, 2) + '\n');
      renewed.push(next);
    }
    return renewed;
  });
}

/**
 * Removes a resource lock: its holder's, anyone's once expired, anyone's with `force`. With `force`, an
 * unreadable lock file is removed too, after a copy is kept in corrupt/ (it is refused if no copy can be kept).
 */
export async function releaseLock(ctx: FederationContext, resource: string, personaId: string, options: { force?: boolean } = {}): Promise<ReleasedLock> {
  requireResourceName(resource);
  return ctx.store.transaction<ReleasedLock>(async (tx) => {
    const rel = `${LOCKS_DIR}/${resource}.lock`;
    let current: ResourceLock | undefined;
    try {
      current = await readLock(ctx, tx.readText(rel), `${resource}.lock`);
    } catch (e) {
      if (!isStateFileError(e) || !options.force || !e.keptCopy) throw e;
      tx.remove(rel);
      ctx.logger.warn(`removed unreadable lock file ${e.file} (copy kept at ${e.keptCopy})`);
      return { resource, corrupt: true, file: e.file, field: e.field, keptCopy: e.keptCopy };
    }
    if (!current) throw new FederationError('not-found', `No lock is held on ${resource}.`, { resource });
    if (current.holder !== personaId && !options.force && !isExpired(ctx, current)) {
      throw new FederationError('not-lock-holder', `${resource} is held by ${current.holder}, not ${personaId}.`, { resource, holder: current.holder });
    }
    tx.remove(rel);
    return current;
  });
}

/** Parses a lock file's text (undefined: no lock); an unreadable one is a StateFileError with a copy kept aside. */
async function readLock(ctx: FederationContext, text: Promise<string | undefined>, name: string): Promise<ResourceLock | undefined> {
  const raw = await text;
  if (raw === undefined) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    data = undefined;
  }
  // An unreadable lock file counts as held by nobody known; it blocks until someone releases it with force.
  const file = ctx.store.pathOf(`${LOCKS_DIR}/${name}`);
  const hint = `release it with "federation lock release ${name.slice(0, -'.lock'.length)} --persona ID --force" (or Release Resource Lock) to clear it`;
  if (data === undefined) {
    throw new StateFileError(file, '', `not valid JSON${raw.trim() === '' ? ' (the file is empty or truncated)' : ''}, so not a lock file; ${hint}`, await ctx.store.keepAside(file, raw));
  }
  const parsed = ResourceLockSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new StateFileError(file, issue.path.map(String).join('.') || '(root)', `${issue.message}: not a valid lock file; ${hint}`, await ctx.store.keepAside(file, raw));
  }
  return parsed.data;
}
