// FIFO fairness on top of proper-lockfile. A bare mkdir lock with polling lets the process that just released it
// win again and again (its first retry is immediate, the others are backing off), which starved waiters for
// seconds under 8 writers. Here every waiter first takes a ticket (a file named by arrival time) and only the
// oldest live ticket may try the lock, so waiting is bounded by the queue ahead. proper-lockfile still provides
// the lock itself: stale takeover of a crashed holder, periodic refresh, and compromise detection.
// Waiters sleep on file-system events (a ticket or the lock going away), not on short polling timers: on a busy
// machine seven processes polling every few milliseconds took the CPU the holder needed and added ~7 ms to each
// hand-over. A slow timer remains as a fallback for lost events and file systems without change notification.
import { randomBytes } from 'node:crypto';
import { FSWatcher, promises as fs, watch } from 'node:fs';
import * as path from 'node:path';
import * as lockfile from 'proper-lockfile';

export interface FairLockOptions {
  staleMs: number;
  updateMs: number;
  /** Give up after this long in total. */
  timeoutMs: number;
  onCompromised: (err: Error) => void;
}

export class FairLockTimeout extends Error {
  override readonly name = 'FairLockTimeout';
}

let sequence = 0;

function ticketName(): string {
  // Lexicographic order = arrival order (ms clock shared by all processes; ties broken by pid and a counter).
  return `${String(Date.now()).padStart(15, '0')}-${String(process.pid).padStart(8, '0')}-${String(sequence++ % 1e6).padStart(6, '0')}-${randomBytes(2).toString('hex')}.ticket`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wakes a waiter at the next change in a folder, or after a timeout. Created before the check it guards, so a
 *  change between the check and the wait is not missed. */
class FolderChange {
  private watcher: FSWatcher | undefined;
  private changed = false;
  private wake: (() => void) | undefined;

  constructor(dir: string) {
    try {
      this.watcher = watch(dir, { persistent: false }, () => {
        this.changed = true;
        this.wake?.();
      });
      this.watcher.on('error', () => this.close());
    } catch {
      this.watcher = undefined; // no change notification here: the timer alone paces the waiter
    }
  }

  get watching(): boolean {
    return this.watcher !== undefined;
  }

  /** Call right before looking at the folder. */
  arm(): void {
    this.changed = false;
  }

  wait(maxMs: number): Promise<void> {
    if (this.changed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, maxMs);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.wake?.();
  }
}

export async function acquireFair(target: string, lockfilePath: string, queueDir: string, opts: FairLockOptions): Promise<() => Promise<void>> {
  await fs.mkdir(queueDir, { recursive: true });
  const mine = ticketName();
  const ticketPath = path.join(queueDir, mine);
  const queueChange = new FolderChange(queueDir);
  let lockChange: FolderChange | undefined;
  await fs.writeFile(ticketPath, '');
  const started = Date.now();
  let lastTouch = started;
  try {
    for (let attempt = 0; ; attempt++) {
      queueChange.arm();
      const now = Date.now();
      if (now - started > opts.timeoutMs) throw new FairLockTimeout(`waited ${now - started} ms for ${lockfilePath}`);
      if (now - lastTouch >= opts.updateMs) {
        // Keep our ticket fresh so that others do not take us for a crashed waiter.
        lastTouch = now;
        await fs.utimes(ticketPath, new Date(now), new Date(now)).catch(() => undefined);
      }
      const tickets = (await fs.readdir(queueDir)).filter((n) => n.endsWith('.ticket')).sort();
      const ahead = tickets.indexOf(mine);
      if (ahead < 0) {
        // Someone removed our ticket as stale (we stalled past the stale window): queue again at the back.
        await fs.writeFile(ticketPath, '');
        continue;
      }
      if (ahead > 0) {
        await dropIfStale(path.join(queueDir, tickets[0]!), opts.staleMs);
        // The ticket ahead goes away when its owner gets the lock; the timer also paces the stale-ticket check.
        await (queueChange.watching ? queueChange.wait(ahead === 1 ? 50 : 100) : sleep(Math.min(1 + ahead, 8) + Math.random() * 2));
        continue;
      }
      lockChange ??= new FolderChange(path.dirname(lockfilePath));
      lockChange.arm();
      try {
        const release = await lockfile.lock(target, {
          lockfilePath,
          realpath: false,
          stale: opts.staleMs,
          update: opts.updateMs,
          retries: 0,
          onCompromised: opts.onCompromised,
        });
        return release;
      } catch (e) {
        if ((e as { code?: string }).code !== 'ELOCKED') throw e;
        // The holder's release removes the lock folder, which is a change in the folder that holds it.
        await (lockChange.watching ? lockChange.wait(25) : sleep(1 + Math.random()));
      }
    }
  } finally {
    queueChange.close();
    lockChange?.close();
    await fs.rm(ticketPath, { force: true });
  }
}

async function dropIfStale(ticket: string, staleMs: number): Promise<void> {
  try {
    const st = await fs.stat(ticket);
    if (Date.now() - st.mtimeMs > staleMs) await fs.rm(ticket, { force: true });
  } catch {
    // Gone already: it got the lock or was dropped by someone else.
  }
}
