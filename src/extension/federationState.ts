// Holds the federation for the open workspace and its latest snapshot. Changes on disk (another window, the CLI,
// an agent) arrive through a file watcher, changes in NATS through the backend's own watch; both are coalesced
// briefly and reloaded: no polling. The backend's connection state is kept too (onDidChangeStatus): a NATS
// federation whose servers went away shows as disconnected, and reloads when they are back.
import * as vscode from 'vscode';
import { Federation } from '../core/federation';
import { Logger } from '../core/ports';
import type { BackendStatus } from '../core/federation/state/backend';
import { FederationSnapshot, loadSnapshot } from '../core/federation/snapshot';
import { Disposable } from './lifecycle';

/** Enough to fold the several events of one change (temp file, rename, lock dir) into one reload. */
const COALESCE_MS = 40;

export class FederationState extends Disposable {
  private readonly emitter = this._register(new vscode.EventEmitter<FederationSnapshot>());
  readonly onDidChange = this.emitter.event;
  private current: Promise<FederationSnapshot>;
  private timer: NodeJS.Timeout | undefined;
  private generation = 0;
  private readonly statusEmitter = this._register(new vscode.EventEmitter<BackendStatus>());
  readonly onDidChangeStatus = this.statusEmitter.event;
  private currentStatus: BackendStatus | undefined;
  private retry: NodeJS.Timeout | undefined;
  private retryMs = 1000;

  constructor(readonly fed: Federation, private readonly logger: Logger) {
    super();
    this.current = this.load();
    const pattern = new vscode.RelativePattern(vscode.Uri.file(fed.root), '.federation/**');
    const watcher = this._register(vscode.workspace.createFileSystemWatcher(pattern));
    const onEvent = (uri: vscode.Uri) => {
      // The lock directory and temp files change on every write; the rename that follows is the real change.
      // Runs, caches, agent folders and packages have their own watchers (a run appends to logs constantly).
      if (/[\\/]\.federation[\\/](runs|cache|agents|packages|corrupt)[\\/]|[\\/]state\.(lock|waiting)([\\/]|$)|\.tmp$/.test(uri.fsPath)) return;
      this.scheduleReload();
    };
    this._register(watcher.onDidChange(onEvent));
    this._register(watcher.onDidCreate(onEvent));
    this._register(watcher.onDidDelete(onEvent));
    const pushed = fed.store.watch?.(() => this.scheduleReload());
    if (pushed) this._register({ dispose: () => pushed.close() });
    const status = fed.store.onStatus?.((s) => this.setStatus(s));
    if (status) this._register({ dispose: () => status.close() });
  }

  /** Whether the backend is reachable (always, for the file backend). */
  get status(): BackendStatus | undefined {
    return this.currentStatus ?? this.fed.store.status?.();
  }

  private setStatus(s: BackendStatus): void {
    const was = this.currentStatus?.state;
    this.currentStatus = s;
    if (s.state === 'disconnected') this.logger.warn(`${s.where}: disconnected (${s.reason ?? 'no server answers'})`);
    else if (was === 'disconnected') this.logger.info(`${s.where}: connected again`);
    this.statusEmitter.fire(s);
    // Back: what changed meanwhile is read afresh (the views showed the error of the moment).
    if (s.state === 'connected' && was === 'disconnected') this.scheduleReload();
    // Not reachable when the backend first opened: nothing will call back, so try again, less often each time.
    const store = this.fed.store as { isOpen?: () => boolean };
    if (s.state === 'disconnected' && store.isOpen && !store.isOpen()) {
      if (this.retry) clearTimeout(this.retry);
      this.retryMs = Math.min(30_000, this.retryMs * 2);
      this.retry = setTimeout(() => {
        this.retry = undefined;
        void this.reload();
      }, this.retryMs);
    } else if (s.state === 'connected') this.retryMs = 1000;
  }

  get root(): string {
    return this.fed.root;
  }

  snapshot(): Promise<FederationSnapshot> {
    return this.current;
  }

  scheduleReload(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.reload();
    }, COALESCE_MS);
  }

  /** Reloads now; a slower earlier load never overwrites a newer one. */
  async reload(): Promise<FederationSnapshot> {
    this.current = this.load();
    return this.current;
  }

  private async load(): Promise<FederationSnapshot> {
    const gen = ++this.generation;
    const snap = await loadSnapshot(this.fed);
    if (gen === this.generation) {
      void vscode.commands.executeCommand('setContext', 'agentFederation.initialized', snap.initialized);
      this.emitter.fire(snap);
    }
    for (const part of [snap.personas, snap.queue, snap.calendar, snap.locks, snap.config]) {
      if (!part.ok) this.logger.error(part.error.message);
    }
    return snap;
  }

  override dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.retry) clearTimeout(this.retry);
    super.dispose();
  }
}
