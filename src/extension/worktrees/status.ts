// What git says of the tasks' live worktrees (ahead/behind their base, uncommitted changes), for the Task Queue:
// the federation's snapshot does not hold it, and the tree is never made to wait for git. After each state change
// (a claim, a commit recorded, Refresh) the worktrees the snapshot names are read again in the background, one
// WorktreeService.list() for all of them, and the tree is rebuilt when the answer differs. A queue without live
// worktrees runs no git at all; 10,000 tasks with three worktrees read three.
// In an untrusted workspace nothing is read: `git status` runs what the repository's config names (core.fsmonitor).
// No vscode at run time (the source's event is only a type), so it is unit-tested without an editor.
import type * as vscode from 'vscode';
import { describeError } from '../../core/errors';
import type { FederationSnapshot } from '../../core/federation/snapshot';
import type { Logger } from '../../core/ports';
import type { TaskWorktreeInfo } from '../../core/worktrees/service';
import { Disposable, toDisposable } from '../lifecycle';
import { WorktreeGitState, WorktreeStatuses, liveWorktreeOf } from '../models/taskQueueModel';

export interface WorktreeStatusOptions {
  /** Whether git may run now (Workspace Trust); when it may not, nothing is read and nothing is shown. */
  enabled: () => boolean;
  logger: Logger;
}

type Entry = { branch: string; state: WorktreeGitState };

export class WorktreeStatusCache extends Disposable {
  private current = new Map<string, Entry>();
  private readonly listeners = new Set<() => void>();
  private running: Promise<void> | undefined;
  /** The latest snapshot not read yet: changes during a read are read once after it, not once each. */
  private pending: FederationSnapshot | undefined;
  private lastError = '';

  constructor(
    source: { snapshot(): Promise<FederationSnapshot>; onDidChange: vscode.Event<FederationSnapshot> },
    private readonly worktrees: { list(): Promise<{ worktrees: TaskWorktreeInfo[] }> },
    private readonly options: WorktreeStatusOptions,
  ) {
    super();
    this._register(source.onDidChange((snap) => void this.refresh(snap)));
    void source.snapshot().then((snap) => this.refresh(snap), () => undefined);
  }

  /** What has been read so far, by task id. */
  get statuses(): WorktreeStatuses {
    return this.current;
  }

  /** Fires when what has been read changed (the Task Queue rebuilds then). */
  onDidChange(listener: () => void): vscode.Disposable {
    this.listeners.add(listener);
    return toDisposable(() => this.listeners.delete(listener));
  }

  /** Reads the live worktrees of `snapshot` again; resolves when that read (and any queued meanwhile) is done. */
  refresh(snapshot: FederationSnapshot): Promise<void> {
    if (this.isDisposed) return Promise.resolve();
    this.pending = snapshot;
    this.running ??= this.loop();
    return this.running;
  }

  private async loop(): Promise<void> {
    try {
      while (this.pending && !this.isDisposed) {
        const snap = this.pending;
        this.pending = undefined;
        await this.read(snap);
      }
    } finally {
      // In the same turn as the loop's last look at `pending`: a refresh after this starts a new loop.
      this.running = undefined;
    }
  }

  private async read(snap: FederationSnapshot): Promise<void> {
    const live = snap.queue.ok ? snap.queue.value.tasks.filter((t) => liveWorktreeOf(t)) : [];
    if (!live.length || !this.options.enabled()) return this.set(new Map());
    try {
      const { worktrees } = await this.worktrees.list();
      const next = new Map<string, Entry>();
      for (const w of worktrees) {
        const { exists, dirtyCount, ahead, behind } = w.status;
        next.set(w.task.id, { branch: w.worktree.branch, state: { exists, dirtyCount, ahead, behind } });
      }
      this.lastError = '';
      this.set(next);
    } catch (e) {
      // Said once, not after every state change; the tree shows the branches without a state meanwhile.
      const message = describeError(e);
      if (message !== this.lastError) this.options.logger.warn(`Reading the task worktrees' git state failed: ${message}`);
      this.lastError = message;
      this.set(new Map());
    }
  }

  private set(next: Map<string, Entry>): void {
    if (this.isDisposed || same(this.current, next)) return;
    this.current = next;
    for (const l of [...this.listeners]) l();
  }

  override dispose(): void {
    this.listeners.clear();
    super.dispose();
  }
}

function same(a: ReadonlyMap<string, Entry>, b: ReadonlyMap<string, Entry>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, x] of a) {
    const y = b.get(id);
    if (!y || y.branch !== x.branch || y.state.exists !== x.state.exists || y.state.dirtyCount !== x.state.dirtyCount || y.state.ahead !== x.state.ahead || y.state.behind !== x.state.behind) return false;
  }
  return true;
}
