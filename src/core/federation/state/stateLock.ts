// The file backend's state lock as the store takes it: the fair folder lock (fairLock.ts), kept for a moment after
// a change in case this process changes state again at once. Handing the lock from one process to the next (the
// folder removed, the next waiter woken, scheduled and making it again) cost more than a change itself with eight
// writers on two cores, so a process that makes changes back to back (a script adding tasks, an MCP server serving
// an agent) makes up to LEASE.uses of them, within LEASE.holdMs, per hand-over. The bound keeps the queue fair:
// a waiter waits for at most that much per process ahead of it. A lock kept and not used within LEASE.lingerMs is
// let go, as it is at once when another change of this process waits, or when the store is closed. The timer does
// not keep a process alive: proper-lockfile removes the locks a process holds when it exits.
import type { Logger } from '../../ports';
import { type FairLockOptions, acquireFair } from './fairLock';

export const LEASE = { lingerMs: 2, uses: 4, holdMs: 6 } as const;

export interface HeldLock {
  /** Set when another process took the lock over as stale: nothing may be written any more. */
  readonly compromised: Error | undefined;
}

interface Held extends HeldLock {
  compromised: Error | undefined;
  release: () => Promise<void>;
  uses: number;
  since: number;
  timer?: ReturnType<typeof setTimeout>;
}

export class StateLock {
  private kept: Held | undefined;
  private active: Held | undefined;
  /** Changes of this process waiting for the lock (in acquireFair). */
  private waiting = 0;
  private closed = false;

  constructor(
    private readonly paths: { target: string; lockfile: string; queueDir: string },
    private readonly options: Omit<FairLockOptions, 'onCompromised' | 'whileWaiting'>,
    private readonly logger: Logger,
    /** Called while another process holds the lock (never while a change of this process holds it). */
    private readonly whileWaiting?: () => void,
  ) {}

  /** The lock, kept from this process's last change when that may be, else taken in turn. */
  async take(): Promise<HeldLock> {
    const kept = this.kept;
    if (kept) {
      clearTimeout(kept.timer);
      this.kept = undefined;
      if (!this.active && this.mayKeep(kept)) {
        kept.uses++;
        this.active = kept;
        return kept;
      }
      await this.letGo(kept);
    }
    this.waiting++;
    try {
      const held: Held = { compromised: undefined, release: async () => undefined, uses: 1, since: 0 };
      held.release = await acquireFair(this.paths.target, this.paths.lockfile, this.paths.queueDir, {
        ...this.options,
        whileWaiting: () => {
          if (!this.active) this.whileWaiting?.();
        },
        // The default throws from a timer and would crash the host; record it and refuse to write instead.
        onCompromised: (err) => {
          held.compromised = err;
          this.logger.warn(`state lock compromised: ${err.message}`);
        },
      });
      held.since = Date.now();
      this.active = held;
      return held;
    } finally {
      this.waiting--;
    }
  }

  /** Done with the change: the lock is kept for a moment (see above) or let go now. */
  async give(lock: HeldLock): Promise<void> {
    const held = lock as Held;
    if (this.active === held) this.active = undefined;
    if (!this.closed && this.waiting === 0 && this.mayKeep(held)) {
      this.kept = held;
      held.timer = setTimeout(() => {
        if (this.kept !== held) return;
        this.kept = undefined;
        void this.letGo(held);
      }, LEASE.lingerMs);
      held.timer.unref?.();
      return;
    }
    await this.letGo(held);
  }

  /** Lets go of a kept lock, and keeps none from now on. */
  async close(): Promise<void> {
    this.closed = true;
    const kept = this.kept;
    if (!kept) return;
    clearTimeout(kept.timer);
    this.kept = undefined;
    await this.letGo(kept);
  }

  private mayKeep(held: Held): boolean {
    return !held.compromised && held.uses < LEASE.uses && Date.now() - held.since < LEASE.holdMs;
  }

  private async letGo(held: Held): Promise<void> {
    await held.release().catch((e: unknown) => this.logger.warn(`releasing the state lock: ${String(e)}`));
  }
}
