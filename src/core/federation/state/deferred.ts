// A backend opened on first use: the composition roots build the Federation at once (activation reads nothing),
// and which backend it is (config.yaml) is decided the first time state is touched. A failed open is not kept:
// the next call tries again (the servers may be back, config.yaml fixed).
import { isFederationError } from '../../errors';
import type { BackendStatus, StateBackend, Subscription, Transaction } from './backend';
import type { StateFileName, StateOf, Task } from './schemas';

export class DeferredBackend implements StateBackend {
  private opened: StateBackend | undefined;
  private opening: Promise<StateBackend> | undefined;
  /** Why the last open failed, when the backend was not reachable (listeners were told it is disconnected). */
  private failedOpen: BackendStatus | undefined;
  private readonly watchers = new Set<{ fn: () => void; sub?: Subscription }>();
  private readonly statusListeners = new Set<{ fn: (s: BackendStatus) => void; sub?: Subscription }>();

  /** `before` answers pathOf and keepAside until the backend is open (the file backend of the same folder). */
  constructor(
    private readonly open: () => Promise<StateBackend>,
    private readonly before: StateBackend,
  ) {}

  get kind(): string {
    return this.opened?.kind ?? 'pending';
  }

  /** The backend, opened now if it is not yet. */
  backend(): Promise<StateBackend> {
    if (this.opened) return Promise.resolve(this.opened);
    this.opening ??= this.open().then(
      (b) => {
        this.opened = b;
        for (const w of this.watchers) if (b.watch) w.sub = b.watch(w.fn);
        // A backend with a status (NATS) says where it is as it opens: the front end shows which one is in use.
        const now = b.status?.();
        for (const l of this.statusListeners) {
          if (b.onStatus) l.sub = b.onStatus(l.fn);
          if (now) l.fn(now);
        }
        this.failedOpen = undefined;
        return b;
      },
      (e: unknown) => {
        this.opening = undefined;
        // Servers not there at the start: the front end shows it as it shows a connection lost later.
        if (isFederationError(e, 'backend-unavailable')) {
          const servers = Array.isArray(e.details['servers']) ? (e.details['servers'] as string[]).join(', ') : 'the backend';
          const status: BackendStatus = { kind: 'nats', state: 'disconnected', where: `NATS ${servers}`, reason: e.message };
          this.failedOpen = status;
          for (const l of this.statusListeners) l.fn(status);
        }
        throw e;
      },
    );
    return this.opening;
  }

  /** The open backend, if it is open already. */
  current(): StateBackend | undefined {
    return this.opened;
  }

  async isInitialized(): Promise<boolean> {
    return (await this.backend()).isInitialized();
  }
  async init(): Promise<string[]> {
    return (await this.backend()).init();
  }
  async read<K extends StateFileName>(name: K): Promise<StateOf<K>> {
    return (await this.backend()).read(name);
  }
  async readText(rel: string): Promise<string | undefined> {
    return (await this.backend()).readText(rel);
  }
  async listDir(rel: string): Promise<string[]> {
    return (await this.backend()).listDir(rel);
  }
  async transaction<T>(fn: (tx: Transaction) => Promise<T> | T): Promise<T> {
    return (await this.backend()).transaction(fn);
  }
  pathOf(rel: string): string {
    return (this.opened ?? this.before).pathOf(rel);
  }
  keepAside(where: string, text: string): Promise<string | undefined> {
    return (this.opened ?? this.before).keepAside(where, text);
  }
  async taskHistory(taskId: string): Promise<{ seq: number; at: string; task: Task | null }[]> {
    const b = await this.backend();
    return b.taskHistory ? b.taskHistory(taskId) : [];
  }

  /** Held until the backend opens, then passed on to it (a backend without pushed changes never calls it). */
  watch(onChange: () => void): Subscription {
    const w: { fn: () => void; sub?: Subscription } = { fn: onChange };
    if (this.opened?.watch) w.sub = this.opened.watch(onChange);
    this.watchers.add(w);
    return { close: () => (this.watchers.delete(w), w.sub?.close()) };
  }

  onStatus(listener: (status: BackendStatus) => void): Subscription {
    const l: { fn: (s: BackendStatus) => void; sub?: Subscription } = { fn: listener };
    if (this.opened?.onStatus) l.sub = this.opened.onStatus(listener);
    this.statusListeners.add(l);
    return { close: () => (this.statusListeners.delete(l), l.sub?.close()) };
  }

  status(): BackendStatus {
    return this.opened?.status?.() ?? this.failedOpen ?? { kind: this.kind, state: 'connected', where: this.before.pathOf('') };
  }

  /** Whether the backend is open (a front end retries opening one that was not reachable at the start). */
  isOpen(): boolean {
    return this.opened !== undefined;
  }

  /** Whether changes are pushed: known only once open (the editor's file watcher stays until then). */
  pushesChanges(): boolean {
    return this.opened?.watch !== undefined;
  }

  async close(): Promise<void> {
    const b = this.opened ?? (this.opening ? await this.opening.catch(() => undefined) : undefined);
    await b?.close?.();
  }
}
