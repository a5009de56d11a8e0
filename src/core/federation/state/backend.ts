// The seam between the federation and where its shared state lives. Two backends implement it: the file backend
// (FederationStore, store.ts: .federation/ on a file system under one folder lock) and the NATS backend
// (src/node/nats/: JetStream, for federations that span machines). The composition roots pick one from
// config.yaml's `backend:` section (backendConfig.ts); the federation's parts (personas, tasks, handoffs, locks,
// calendars) use nothing else.
import type { StateFileName, StateOf, Task } from './schemas';

/**
 * What a transaction callback may do. Reads see the state as it is when the change is decided. A backend without
 * one lock (NATS) may run the callback more than once, each time on fresh values, when another change landed
 * first: a callback must not do anything outside the transaction (write files, call services) that it would
 * regret doing twice. Logging what it found is fine.
 */
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

/** Whether the backend can be reached now; the file backend is always `connected`. */
export interface BackendStatus {
  /** Which backend ('nats'; 'pending' while the deferred backend has not opened one). */
  kind: string;
  state: 'connected' | 'disconnected';
  /** Where the state lives, as messages name it (the servers, or the folder). */
  where: string;
  /** Why it is disconnected, in words. */
  reason?: string;
}

export interface Subscription {
  close(): void;
}

export interface StateBackend {
  /** 'file' or 'nats': what config.yaml's backend.kind names. */
  readonly kind: string;
  /** Whether a federation exists here (what `init` makes). */
  isInitialized(): Promise<boolean>;
  /** Creates whatever is missing of the federation; never overwrites. Returns what it created. */
  init(): Promise<string[]>;
  /** Reads one state item without the lock; a reader never sees a half-written one. */
  read<K extends StateFileName>(name: K): Promise<StateOf<K>>;
  readText(rel: string): Promise<string | undefined>;
  /** The names under `rel`, sorted; none when it does not exist. */
  listDir(rel: string): Promise<string[]>;
  /**
   * Runs `fn` and applies what it staged, all or nothing: nothing is written when `fn` throws, and nothing when
   * the change could not be committed (the lock was lost, the servers went away).
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T> | T): Promise<T>;
  /** Where `rel` lives, as messages name it (a path, for the file backend; handoffs are files in both). */
  pathOf(rel: string): string;
  /**
   * Keeps one copy of unreadable content (named by `where`, from pathOf) for a person to look at. Returns where the
   * copy is, or undefined when none could be kept.
   */
  keepAside(where: string, text: string): Promise<string | undefined>;
  /**
   * Calls `onChange` after state changed (here or anywhere else), pushed by the backend, never polled. Absent: the
   * front end watches the files (the file backend).
   */
  watch?(onChange: () => void): Subscription;
  /** Tells `listener` when the backend goes away and comes back. Absent: always connected. */
  onStatus?(listener: (status: BackendStatus) => void): Subscription;
  status?(): BackendStatus;
  /**
   * The task's every committed version, oldest first, from the backend's own history (the NATS event stream).
   * Absent: the backend keeps no history beyond the task's own `history` field.
   */
  taskHistory?(taskId: string): Promise<{ seq: number; at: string; task: Task | null }[]>;
  /** Lets go of connections and watchers (a CLI process ends after it). */
  close?(): Promise<void>;
}
