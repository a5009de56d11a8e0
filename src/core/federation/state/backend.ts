// The seam between the federation and where its shared state lives. The file backend (FederationStore, store.ts:
// .federation/ on a file system under one folder lock) is the one there is; a second one (NATS JetStream KV, a
// later issue) slots in by implementing StateBackend. The federation's parts (personas, tasks, handoffs, locks,
// calendars) use nothing else; only init.ts lays out the file backend's folder.
import type { StateFileName, StateOf } from './schemas';

/** What a transaction callback may do. Reads see the state as it is inside the lock. */
export interface Transaction {
  get<K extends StateFileName>(name: K): Promise<StateOf<K>>;
  /** Stages a new value; written with revision + 1 when the callback returns. */
  set<K extends StateFileName>(name: K, value: StateOf<K>): void;
  readText(rel: string): Promise<string | undefined>;
  /** Stages a text item (a path relative to .federation/). `exclusive` refuses to replace an existing one. */
  writeText(rel: string, content: string, options?: { exclusive?: boolean }): void;
  remove(rel: string): void;
  listDir(rel: string): Promise<string[]>;
}

export interface StateBackend {
  /** Whether a federation exists here (what `init` makes). */
  isInitialized(): Promise<boolean>;
  /** Reads one state item without the lock; a reader never sees a half-written one. */
  read<K extends StateFileName>(name: K): Promise<StateOf<K>>;
  readText(rel: string): Promise<string | undefined>;
  /** The names under `rel`, sorted; none when it does not exist. */
  listDir(rel: string): Promise<string[]>;
  /**
   * Runs `fn` under the one state lock and applies what it staged, all or nothing: nothing is written when `fn`
   * throws, and nothing when the lock was lost before the change landed.
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T> | T): Promise<T>;
  /** Where `rel` lives, as messages name it (a path, for the file backend). */
  pathOf(rel: string): string;
  /**
   * Keeps one copy of unreadable content (named by `where`, from pathOf) for a person to look at. Returns where the
   * copy is, or undefined when none could be kept.
   */
  keepAside(where: string, text: string): Promise<string | undefined>;
}
