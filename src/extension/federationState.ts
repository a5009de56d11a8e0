// Holds the federation for the open workspace and its latest snapshot. Changes on disk (another window, the CLI,
// an agent) arrive through a file watcher, are coalesced briefly and reloaded: no polling.
import * as vscode from 'vscode';
import { Federation } from '../core/federation';
import { Logger } from '../core/ports';
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
    super.dispose();
  }
}
