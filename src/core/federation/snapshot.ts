// Everything the views show, read in one go. Each part loads on its own, so one bad file shows as an error
// where it belongs while the rest of the federation stays visible.
import { FederationError, describeError, isFederationError } from '../errors';
import { Federation, LockProblem } from './service';
import { CalendarFile, ConfigFile, PersonasFile, QueueFile, ResourceLock } from './state/schemas';

export type Part<T> = { ok: true; value: T } | { ok: false; error: { reason: string; message: string; file?: string } };

export interface FederationSnapshot {
  root: string;
  initialized: boolean;
  loadedAt: Date;
  personas: Part<PersonasFile>;
  queue: Part<QueueFile>;
  calendar: Part<CalendarFile>;
  /** The valid locks; a lock file that cannot be read is in lockProblems instead of failing the whole part. */
  locks: Part<ResourceLock[]>;
  /** Lock files that cannot be read, each named (absent: none). */
  lockProblems?: LockProblem[];
  config: Part<ConfigFile>;
}

async function part<T>(load: () => Promise<T>): Promise<Part<T>> {
  try {
    return { ok: true, value: await load() };
  } catch (e) {
    const file = isFederationError(e) && typeof e.details['file'] === 'string' ? e.details['file'] : undefined;
    const reason = isFederationError(e) ? e.reason : 'unexpected';
    return { ok: false, error: { reason, message: describeError(e), ...(file ? { file } : {}) } };
  }
}

export async function loadSnapshot(fed: Federation, now: Date = new Date()): Promise<FederationSnapshot> {
  const initialized = await fed.isInitialized();
  const [personas, queue, calendar, lockFiles, config] = await Promise.all([
    part(() => fed.store.read('personas')),
    part(() => fed.store.read('queue')),
    part(() => fed.store.read('calendar')),
    part(() => fed.inspectLocks()),
    part(() => fed.config()),
  ]);
  const locks: Part<ResourceLock[]> = lockFiles.ok ? { ok: true, value: lockFiles.value.locks } : lockFiles;
  const lockProblems = lockFiles.ok ? lockFiles.value.problems : [];
  return { root: fed.root, initialized, loadedAt: now, personas, queue, calendar, locks, lockProblems, config };
}

export function valueOr<T>(p: Part<T>, fallback: T): T {
  return p.ok ? p.value : fallback;
}

export { FederationError };
