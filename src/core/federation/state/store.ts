// The one way shared state in .federation/ is read and changed. Every change runs inside the state lock
// (proper-lockfile, one lock for the whole folder so that multi-file changes such as a handoff are atomic for
// readers that hold the lock), reads inside the lock, writes a temp file, fsyncs and renames it into place, and bumps
// the file's revision. A file that does not parse is never overwritten: a copy is kept aside and the change refused.
// The file system is the FileSystem port (FederationOptions.fs, from the composition root), not node:fs.
import { createHash, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { FederationError, StateFileError } from '../../errors';
import { FileSystem, HostProcesses, Logger, silentLogger } from '../../ports';
import type { StateBackend, Transaction } from './backend';
import { ItemsState, ReadState, applyJournal, journalRecord, noteWritten, serialize, validate } from './codec';
import { FairLockTimeout, acquireFair } from './fairLock';
import { STATE_FILES, StateFileName, StateOf, emptyState } from './schemas';
import { errno, exists } from './fsutil';
import { initFederation } from '../init';

export { errno, exists } from './fsutil';

export const FEDERATION_DIR = '.federation';

/**
 * One set of lock timings for every process that touches the state (extension windows and CLI alike): a holder
 * refreshes the lock every `updateMs`; a lock not refreshed for `staleMs` (its holder crashed) is taken over.
 * Waiters queue in arrival order (fairLock.ts) and give up after `timeoutMs`, well past the stale window so that
 * a crashed holder never makes them give up.
 */
export const LOCK_TIMINGS = {
  staleMs: 5_000,
  updateMs: 1_000,
  timeoutMs: 30_000,
} as const;

export interface StoreOptions {
  /** The disk .federation/ is on (nodeFileSystem from src/node/fs.ts in the product). */
  fs: FileSystem;
  logger?: Logger;
  /** This host's processes: a state lock left by a dead holder of this host is taken over at once. */
  processes?: HostProcesses;
}

export type { Transaction } from './backend';

type Pending =
  | { kind: 'state'; name: StateFileName; value: { revision: number } }
  | { kind: 'text'; rel: string; content: string; exclusive: boolean }
  | { kind: 'remove'; rel: string };

/** The file backend: the state as files in .federation/. */
export class FederationStore implements StateBackend {
  readonly kind = 'file';
  readonly dir: string;
  readonly fs: FileSystem;
  private readonly logger: Logger;
  private readonly processes: HostProcesses | undefined;
  /** See readItemsBase. */
  private readonly baseCache = new Map<StateFileName, { text: string; value: unknown; lines: string[] }>();

  constructor(readonly root: string, options: StoreOptions) {
    this.dir = path.join(root, FEDERATION_DIR);
    this.fs = options.fs;
    this.logger = options.logger ?? silentLogger;
    this.processes = options.processes;
  }

  pathOf(rel: string): string {
    return path.join(this.dir, rel);
  }

  async isInitialized(): Promise<boolean> {
    return exists(this.fs, this.pathOf(STATE_FILES.personas.file));
  }

  /** Creates whatever is missing of .federation/; never overwrites a file that exists. Returns what it created. */
  init(): Promise<string[]> {
    return initFederation(this, this.logger);
  }

  /** Reads a state file without the lock (rename is atomic, so a reader never sees a half-written file). */
  async read<K extends StateFileName>(name: K): Promise<StateOf<K>> {
    return this.readFile(name);
  }

  async readText(rel: string): Promise<string | undefined> {
    return readOptional(this.fs, this.pathOf(rel));
  }

  async listDir(rel: string): Promise<string[]> {
    try {
      return (await this.fs.readdir(this.pathOf(rel))).sort();
    } catch (e) {
      if (errno(e) === 'ENOENT') return [];
      throw e;
    }
  }

  /**
   * Runs `fn` inside the state lock and applies what it staged. Nothing is written when `fn` throws, and a write
   * is refused when the lock was compromised (another process took it over as stale) before it lands.
   */
  async transaction<T>(fn: (tx: Transaction) => Promise<T> | T, options: { rewrite?: boolean } = {}): Promise<T> {
    const fs = this.fs;
    if (!fs.sync.existsSync(this.dir)) {
      throw new FederationError('not-initialized', `No federation here: ${this.dir} does not exist. Run "federation init" or the "Initialize Federation" command.`, { dir: this.dir });
    }
    let compromised: Error | undefined;
    let release: () => Promise<void>;
    try {
      release = await acquireFair(this.dir, this.pathOf('state.lock'), this.pathOf('state.waiting'), {
        fs,
        staleMs: LOCK_TIMINGS.staleMs,
        updateMs: LOCK_TIMINGS.updateMs,
        timeoutMs: LOCK_TIMINGS.timeoutMs,
        ...(this.processes ? { processes: this.processes } : {}),
        // The default throws from a timer and would crash the host; record it and refuse to write instead.
        onCompromised: (err) => {
          compromised = err;
          this.logger.warn(`state lock compromised: ${err.message}`);
        },
      });
    } catch (e) {
      if (e instanceof FairLockTimeout) {
        throw new FederationError('lock-timeout', `Could not take the federation state lock (${this.pathOf('state.lock')}) within ${LOCK_TIMINGS.timeoutMs / 1000} s: another process holds it.`, { lock: this.pathOf('state.lock') }, { cause: e });
      }
      throw e;
    }

    const cache = new Map<StateFileName, unknown>();
    const revisions = new Map<StateFileName, number>();
    const reads = new Map<StateFileName, ReadState<unknown> | ItemsState<unknown>>();
    const pending: Pending[] = [];
    const tx: Transaction = {
      // The value read inside the lock is handed out as is (no copy: copying a large queue cost more than the
      // whole write); the revision is remembered separately so a callback that edits it cannot skew the counter.
      get: async <K extends StateFileName>(name: K) => {
        if (!cache.has(name)) {
          const read = await this.readState(name);
          cache.set(name, read.value);
          reads.set(name, read);
          revisions.set(name, read.value.revision);
        }
        return cache.get(name) as StateOf<K>;
      },
      set: (name, value) => {
        pending.push({ kind: 'state', name, value });
      },
      readText: (rel) => readOptional(fs, this.pathOf(rel)),
      writeText: (rel, content, options) => {
        pending.push({ kind: 'text', rel, content, exclusive: options?.exclusive ?? false });
      },
      remove: (rel) => {
        pending.push({ kind: 'remove', rel });
      },
      listDir: (rel) => this.listDir(rel),
    };

    try {
      const result = await fn(tx);
      const checkLock = () => {
        if (compromised) {
          throw new FederationError('lock-compromised', 'The federation state lock was lost while changing state (the process stalled past the stale window); the change was not written. Try again.', {});
        }
      };
      for (const p of pending) {
        checkLock();
        if (p.kind === 'state') {
          const revision = revisions.get(p.name) ?? (await this.readFile(p.name)).revision;
          const next = { ...p.value, revision: revision + 1 };
          const def = STATE_FILES[p.name];
          const read = reads.get(p.name);
          const written = serialize(p.name, next as StateOf<typeof p.name>);
          // Nothing changed: the same text as read, with the revision it had (the items' lines are the same list's).
          if (read?.text !== undefined && serialize(p.name, { ...p.value, revision } as StateOf<typeof p.name>, written.lines).text === read.text) continue;
          const record = def.items && read && 'journal' in read && !options.rewrite ? journalRecord(p.name, read as ItemsState<StateOf<typeof p.name>>, next as StateOf<typeof p.name>, written) : undefined;
          if (record !== undefined && def.items) {
            await this.appendDurably(def.items.journal, record, checkLock);
            const items = read as ItemsState<unknown>;
            items.lines = written.lines;
            items.ids = (next as unknown as Record<string, Record<string, unknown>[]>)[def.items.key]!.map((item) => item[def.items.id]);
            items.journal = { ...items.journal, applied: items.journal.applied + 1, bytes: items.journal.bytes + record.length };
          } else {
            await this.writeAtomic(def.file, written.text, false, checkLock);
            noteWritten(this.pathOf(def.file), written);
            // The file now holds every change: the journal's records are folded in. Only while the lock is ours
            // (a stalled writer must not remove a journal others appended to since), and a failure here is no
            // failure of the change, which is committed: the records left are skipped by revision and folded later.
            if (def.items && !compromised) {
              await fs.rm(this.pathOf(def.items.journal), { force: true }).catch((e: unknown) => this.logger.warn(`removing the folded journal: ${String(e)}`));
            }
            reads.delete(p.name);
          }
          revisions.set(p.name, revision + 1);
        } else if (p.kind === 'text') {
          await this.writeAtomic(p.rel, p.content, p.exclusive, checkLock);
        } else {
          await fs.rm(this.pathOf(p.rel), { force: true });
        }
      }
      return result;
    } finally {
      await release().catch((e: unknown) => this.logger.warn(`releasing the state lock: ${String(e)}`));
    }
  }

  /** Folds every journal into its file now (otherwise done every JOURNAL_LIMITS.maxRecords changes). */
  async compact(): Promise<void> {
    await this.transaction(
      async (tx) => {
        for (const name of Object.keys(STATE_FILES) as StateFileName[]) {
          if (STATE_FILES[name].items) tx.set(name, await tx.get(name));
        }
      },
      { rewrite: true },
    );
  }

  private async writeAtomic(rel: string, content: string, exclusive: boolean, beforeRename: () => void): Promise<void> {
    const fs = this.fs;
    const target = this.pathOf(rel);
    await fs.mkdir(path.dirname(target), { recursive: true });
    if (exclusive && (await exists(fs, target))) {
      throw new FederationError('already-exists', `${target} already exists; it was not overwritten.`, { file: target });
    }
    const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    const handle = await fs.open(tmp, 'w', 0o644);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      beforeRename();
      await fs.rename(tmp, target);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
  }

  /**
   * Appends one line and syncs it before the lock is let go. If the journal was replaced meanwhile (this writer
   * stalled past the stale window and another folded the queue), the line went to a removed file: the change is
   * reported as not written.
   */
  private async appendDurably(rel: string, line: string, beforeWrite: () => void): Promise<void> {
    beforeWrite();
    const file = this.pathOf(rel);
    const handle = await this.fs.open(file, 'a', 0o644);
    try {
      await handle.appendFile(line, 'utf8');
      await handle.datasync();
      const [mine, there] = [await handle.stat(), this.fs.sync.statSync(file, { throwIfNoEntry: false })];
      if (!there || there.ino !== mine.ino || there.dev !== mine.dev) {
        throw new FederationError('lock-compromised', 'The federation state lock was lost while changing the queue (the process stalled past the stale window); the change was not written. Try again.', {});
      }
    } finally {
      await handle.close();
    }
  }

  private async readFile<K extends StateFileName>(name: K): Promise<StateOf<K>> {
    return (await this.readState(name)).value;
  }

  private async readState<K extends StateFileName>(name: K): Promise<ReadState<StateOf<K>> | ItemsState<StateOf<K>>> {
    const { items } = STATE_FILES[name];
    if (!items) return this.readBase(name);
    // The journal before the file: see JOURNAL_LIMITS in codec.ts for why this order is always consistent.
    const journalFile = this.pathOf(items.journal);
    const journal = readOptionalSync(this.fs, journalFile);
    const base = await this.readBase(name);
    return applyJournal(name, base, journal, journalFile, () => this.keepAside(journalFile, journal ?? ''));
  }

  private async readBase<K extends StateFileName>(name: K): Promise<ReadState<StateOf<K>>> {
    const { file, items } = STATE_FILES[name];
    const full = this.pathOf(file);
    if (items) return this.readItemsBase(name, full);
    const text = readOptionalSync(this.fs, full);
    if (text === undefined) return { value: emptyState(name), lines: undefined };
    return this.parseBase(name, full, text);
  }

  /**
   * An items file (the queue) changes only when its journal is folded in, so the last validated value is kept
   * and handed out as a copy while the file's text is the same: comparing the text is exact whatever the file
   * system's timestamps and inode reuse, and copying is a third of the cost of parsing and validating. The cache
   * only ever holds copies, so callers can change what they get.
   */
  private async readItemsBase<K extends StateFileName>(name: K, full: string): Promise<ReadState<StateOf<K>>> {
    const text = readOptionalSync(this.fs, full);
    if (text === undefined) return { value: emptyState(name), lines: undefined };
    const hit = this.baseCache.get(name);
    if (hit && hit.text === text) return { value: cloneJson(hit.value) as StateOf<K>, lines: hit.lines.slice() };
    const read = await this.parseBase(name, full, text);
    if (read.lines) this.baseCache.set(name, { text, value: cloneJson(read.value), lines: read.lines.slice() });
    else this.baseCache.delete(name);
    return read;
  }

  private async parseBase<K extends StateFileName>(name: K, full: string, text: string): Promise<ReadState<StateOf<K>>> {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      const where = jsonErrorLocation(text, e);
      throw new StateFileError(full, '', `not valid JSON${where}${text.trim() === '' ? ' (the file is empty or truncated)' : ''}`, await this.keepAside(full, text));
    }
    return validate(name, text, data, full, () => this.keepAside(full, text));
  }

  /**
   * Keeps one copy of a bad file in corrupt/ per distinct content, so repeated reads don't pile up copies.
   * Returns where the copy is, or undefined when none could be written.
   */
  async keepAside(full: string, text: string): Promise<string | undefined> {
    const hash = createHash('sha1').update(text).digest('hex').slice(0, 10);
    const copy = path.join(this.dir, 'corrupt', `${path.basename(full)}.${hash}`);
    try {
      await this.fs.mkdir(path.dirname(copy), { recursive: true });
      await this.fs.writeFile(copy, text, { flag: 'wx' });
      this.logger.warn(`kept a copy of unreadable ${full} at ${copy}`);
    } catch (e) {
      if (errno(e) !== 'EEXIST') return undefined;
    }
    return copy;
  }
}

function jsonErrorLocation(text: string, e: unknown): string {
  const m = /position (\d+)/.exec(e instanceof Error ? e.message : '');
  if (!m) return '';
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return ` at line ${line}, column ${col}`;
}

/** A deep copy of parsed JSON (plain objects, arrays, primitives): about three times cheaper than parsing it. */
function cloneJson(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = cloneJson(v[i]);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = cloneJson((v as Record<string, unknown>)[k]);
  return out;
}

/**
 * State files are read synchronously: they are small (the queue is a few hundred KB), and a transaction made some
 * thirty asynchronous file calls, each a thread-pool round trip that under eight writers cost more than the work.
 */
function readOptionalSync(fs: FileSystem, p: string): string | undefined {
  try {
    return fs.sync.readFileSync(p, 'utf8');
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw e;
  }
}

async function readOptional(fs: FileSystem, p: string): Promise<string | undefined> {
  try {
    return await fs.readFile(p, 'utf8');
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw e;
  }
}
