// The one way shared state in .federation/ is read and changed. Every change runs inside the state lock
// (proper-lockfile, one lock for the whole folder so that multi-file changes such as a handoff are atomic for
// readers that hold the lock), reads inside the lock, writes a temp file, fsyncs and renames it into place, and bumps
// the file's revision. A file that does not parse is never overwritten: a copy is kept aside and the change refused.
// The file system is the FileSystem port (FederationOptions.fs, from the composition root), not node:fs.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { FederationError, StateFileError } from '../../errors';
import { FileSystem, HostProcesses, Logger, silentLogger } from '../../ports';
import type { StateBackend, Transaction } from './backend';
import { ItemsState, ReadState, applyJournal, indexItems, itemLines, journalRecord, noteWritten, revalidate, serialize, validate } from './codec';
import { FairLockTimeout } from './fairLock';
import { type HeldLock, StateLock } from './stateLock';
import { cloneJson, deepFreeze, thaw } from './frozen';
import { STATE_FILES, StateFileName, StateOf, emptyState } from './schemas';
import { appendDurably, countLines, errno, exists, jsonErrorLocation, readOptional, readOptionalSync, statKey, writeAtomic } from './fsutil';
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
  /** See readForChange. */
  private readonly materialized = new Map<StateFileName, Materialized>();
  private readonly lock: StateLock;
  /** A catch-up read of the queue running (catchUp). */
  private catchingUp: Promise<unknown> | undefined;

  constructor(readonly root: string, options: StoreOptions) {
    this.dir = path.join(root, FEDERATION_DIR);
    this.fs = options.fs;
    this.logger = options.logger ?? silentLogger;
    this.processes = options.processes;
    this.lock = new StateLock(
      { target: this.dir, lockfile: this.pathOf('state.lock'), queueDir: this.pathOf('state.waiting') },
      { fs: this.fs, ...LOCK_TIMINGS, ...(this.processes ? { processes: this.processes } : {}) },
      this.logger,
      () => this.catchUp(),
    );
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
    let lock: HeldLock;
    try {
      lock = await this.lock.take();
    } catch (e) {
      if (e instanceof FairLockTimeout) {
        throw new FederationError('lock-timeout', `Could not take the federation state lock (${this.pathOf('state.lock')}) within ${LOCK_TIMINGS.timeoutMs / 1000} s: another process holds it.`, { lock: this.pathOf('state.lock') }, { cause: e });
      }
      throw e;
    }

    const cache = new Map<StateFileName, unknown>();
    const revisions = new Map<StateFileName, number>();
    const reads = new Map<StateFileName, ReadState<unknown> | ChangeRead>();
    const pending: Pending[] = [];
    const tx: Transaction = {
      // The value read inside the lock is the callback's to change (the queue's tasks are shared and frozen:
      // frozen.ts); the revision is remembered separately so a callback that edits it cannot skew the counter.
      get: async <K extends StateFileName>(name: K) => {
        if (!cache.has(name)) {
          const read = (await this.readForChange(name)) as ReadState<StateOf<K>>;
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
        if (lock.compromised) {
          throw new FederationError('lock-compromised', 'The federation state lock was lost while changing state (the process stalled past the stale window); the change was not written. Try again.', {});
        }
      };
      for (const p of pending) {
        checkLock();
        if (p.kind === 'state') {
          const revision = revisions.get(p.name) ?? (await this.readFile(p.name)).revision;
          const next = { ...p.value, revision: revision + 1 } as StateOf<typeof p.name>;
          const read = reads.get(p.name);
          if (STATE_FILES[p.name].items) {
            const committed = await this.commitItems(p.name, read && 'shared' in read ? read : undefined, next, options.rewrite === true, checkLock, () => lock.compromised === undefined);
            reads.set(p.name, committed);
          } else {
            const written = serialize(p.name, next);
            // Nothing changed: the same text as read, with the revision it had.
            if (read?.text !== undefined && serialize(p.name, { ...p.value, revision } as StateOf<typeof p.name>).text === read.text) continue;
            await writeAtomic(this.fs, this.pathOf(STATE_FILES[p.name].file), written.text, false, checkLock);
          }
          revisions.set(p.name, revision + 1);
        } else if (p.kind === 'text') {
          await writeAtomic(this.fs, this.pathOf(p.rel), p.content, p.exclusive, checkLock);
        } else {
          await fs.rm(this.pathOf(p.rel), { force: true });
        }
      }
      // The caller gets its own objects: no frozen task escapes the transaction (frozen.ts).
      return thaw(result);
    } finally {
      await this.lock.give(lock);
    }
  }

  /** Lets go of the state lock if it is kept from the last change (stateLock.ts). */
  async close(): Promise<void> {
    await this.lock.close();
  }

  /**
   * Commits a new value of an items file (the queue): one journal line with the items that are not the objects
   * read (frozen.ts), or the whole file when the change cannot be a journal line or `rewrite` asks for it (then
   * the journal is folded in and removed). Returns the state now committed, as the next set in this transaction
   * reads it; it is also what the next transaction of this process starts from.
   */
  private async commitItems<K extends StateFileName>(name: K, read: ChangeRead | undefined, next: StateOf<K>, rewrite: boolean, checkLock: () => void, lockIsOurs: () => boolean): Promise<ChangeRead> {
    const def = STATE_FILES[name];
    const items = def.items!;
    const from = this.materialized.get(name);
    // Until this change is in place and remembered, nothing remembered may be trusted (a failed append).
    this.materialized.delete(name);
    const { [items.key]: nextList, ...header } = next as unknown as Json;
    const list = nextList as Json[];
    const lines = itemLines(list, read?.shared, read?.lines);
    const record = read && !rewrite ? journalRecord(name, read as ItemsState<StateOf<K>>, next, lines) : undefined;
    // What stays shared: the items read, and frozen copies of those changed (the caller keeps its own objects).
    const shared = list.map((item, i) => (read && item === read.shared[i] ? item : deepFreeze(cloneJson(item))));
    const value = { ...cloneJson(header), [items.key]: shared } as unknown as StateOf<K>;
    let state: ItemsState<unknown>;
    if (record !== undefined && read) {
      await appendDurably(this.fs, this.pathOf(items.journal), record, checkLock);
      const index = read.index ?? indexItems(read.shared as Json[], items.id);
      for (let i = read.ids.length; i < shared.length; i++) {
        index.set(shared[i]![items.id], i);
        read.ids.push(shared[i]![items.id]);
      }
      state = { value, lines, journal: { ...read.journal, applied: read.journal.applied + 1, bytes: read.journal.bytes + record.length }, ids: read.ids, index };
      if (from && from.state.lines === read.lines) this.remember(name, { baseText: from.baseText, baseKey: from.baseKey, journalText: from.journalText + record, lineCount: from.lineCount + 1, state });
    } else {
      const written = serialize(name, next, lines);
      await writeAtomic(this.fs, this.pathOf(def.file), written.text, false, checkLock);
      noteWritten(this.pathOf(def.file), written);
      // The file now holds every change: the journal's records are folded in. Only while the lock is ours
      // (a stalled writer must not remove a journal others appended to since), and a failure here is no
      // failure of the change, which is committed: the records left are skipped by revision and folded later.
      if (lockIsOurs()) {
        await this.fs.rm(this.pathOf(items.journal), { force: true }).catch((e: unknown) => this.logger.warn(`removing the folded journal: ${String(e)}`));
      }
      state = { value, lines, journal: { applied: 0, stale: 0, bytes: 0, torn: false }, ids: shared.map((item) => item[items.id]), index: indexItems(shared, items.id) };
      this.remember(name, { baseText: written.text, baseKey: statKey(this.fs, this.pathOf(def.file)), journalText: '', lineCount: 0, state });
    }
    return handOut(state, items.key);
  }

  /**
   * Brings the queue as this process knows it up to date while waiting for the lock, so that what others changed
   * meanwhile is applied before the lock is ours rather than after: with the lock handed round eight writers,
   * applying the others' changes was most of the first change of each turn. Without the lock, a read may meet a
   * fold half-way or a line being written; such a state is not kept (remember), and the read in the lock decides.
   */
  private catchUp(): void {
    if (this.catchingUp) return;
    const name = 'queue';
    if (!this.materialized.has(name)) return; // nothing to bring up to date: the read in the lock reads it whole
    this.catchingUp = this.readForChange(name)
      .catch(() => undefined)
      .finally(() => (this.catchingUp = undefined));
  }

  /** Keeps `m` for the next change unless its journal needs folding first; whether it was kept. */
  private remember(name: StateFileName, m: Materialized): boolean {
    if (m.state.journal.torn || m.state.journal.stale > 0) return false;
    this.materialized.set(name, m);
    return true;
  }

  /**
   * A state file as a change reads it. An items file (the queue) is kept here as last committed or read, its
   * items frozen, and brought up to date from what others appended to its journal since: when the file's text is
   * the same and the journal still begins with the text applied, only the rest is read and applied. So a change
   * on a 1,000-task queue neither parses nor copies the queue; anything else (a fold, a hand edit, a rewritten
   * journal) reads it whole again. The change gets a new list of the shared items (see frozen.ts).
   */
  private async readForChange<K extends StateFileName>(name: K): Promise<ReadState<StateOf<K>> | ChangeRead> {
    const { file, items } = STATE_FILES[name];
    if (!items) return this.readState(name);
    while (this.catchingUp) await this.catchingUp;
    // The journal before the file: see JOURNAL_LIMITS in codec.ts for why this order is always consistent. Only
    // whole lines are applied: a line being written (a catch-up reads without the lock) or left half-written by a
    // writer that died is no committed change; the latter makes the next change fold the journal (torn).
    const journalFile = this.pathOf(items.journal);
    const raw = readOptionalSync(this.fs, journalFile) ?? '';
    const journal = raw.slice(0, raw.lastIndexOf('\n') + 1);
    const full = this.pathOf(file);
    const m = this.materialized.get(name);
    // The file is read again only when its identity and times moved (statted before it is read, so a key never
    // stands for older text than it was taken with); its text decides, as readItemsBase's cache does.
    const baseKey = statKey(this.fs, full);
    const text = m && baseKey !== undefined && baseKey === m.baseKey ? m.baseText : readOptionalSync(this.fs, full);
    const keep = () => this.keepAside(journalFile, raw);
    this.materialized.delete(name); // back once it is consistent again: applying may fail half-way
    let state: ItemsState<unknown>;
    if (m && text === m.baseText && journal.startsWith(m.journalText)) {
      const tail = journal.slice(m.journalText.length);
      state = tail ? await applyJournal(name, m.state as ItemsState<StateOf<K>>, tail, journalFile, keep, { firstLine: m.lineCount, freeze: true }) : m.state;
      this.remember(name, { baseText: m.baseText, baseKey, journalText: journal, lineCount: m.lineCount + countLines(tail), state });
    } else {
      const known = m?.state.lines ? { lines: m.state.lines, list: (m.state.value as unknown as Record<string, unknown[]>)[items.key]! } : undefined;
      let base = text !== undefined && known ? revalidate(name, text, known) : undefined;
      if (!base) {
        base = text === undefined ? { value: emptyState(name), lines: undefined } : await this.readItemsBase(name, full, text);
        for (const item of (base.value as unknown as Record<string, unknown[]>)[items.key]!) deepFreeze(item);
      }
      state = await applyJournal(name, base, journal || undefined, journalFile, keep, { freeze: true });
      state.index ??= indexItems((state.value as unknown as Record<string, Json[]>)[items.key]!, items.id);
      // A state that cannot be kept (a fold met half-way) leaves the last one kept, which this did not change:
      // the next read still compares its lines instead of validating the whole queue.
      const kept = text !== undefined && this.remember(name, { baseText: text, baseKey, journalText: journal, lineCount: countLines(journal), state });
      if (!kept && m) this.materialized.set(name, m);
    }
    if (raw !== journal) state = { ...state, journal: { ...state.journal, torn: true } };
    return handOut(state, items.key) as ChangeRead<StateOf<K>>;
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
  private async readItemsBase<K extends StateFileName>(name: K, full: string, known?: string): Promise<ReadState<StateOf<K>>> {
    const text = known ?? readOptionalSync(this.fs, full);
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

type Json = Record<string, unknown>;

/** What a change read of an items file: its value (a new list of the shared items) and the list itself. */
type ChangeRead<V = unknown> = ItemsState<V> & { shared: Json[] };

/** An items file as this process last read or committed it (readForChange). */
interface Materialized {
  /** The file's text, and the journal's text applied on top of it. */
  baseText: string;
  /** The file's device, inode, size and times when its text was read (statKey). */
  baseKey: string | undefined;
  journalText: string;
  lineCount: number;
  state: ItemsState<unknown>;
}

function handOut(state: ItemsState<unknown>, key: string): ChangeRead {
  const { [key]: list, ...header } = state.value as unknown as Json;
  return { ...state, value: { ...cloneJson(header), [key]: (list as unknown[]).slice() }, shared: list as Json[] };
}
