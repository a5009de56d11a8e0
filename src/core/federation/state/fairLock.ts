// FIFO fairness on top of proper-lockfile. A bare mkdir lock with polling lets the process that just released it
// win again and again (its first retry is immediate, the others are backing off), which starved waiters for
// seconds under 8 writers. Here every waiter first takes a ticket (a file named by arrival time) and only the
// oldest live ticket may try the lock, so waiting is bounded by the queue ahead. proper-lockfile still provides
// the lock itself: stale takeover of a crashed holder, periodic refresh, and compromise detection.
// Waiters sleep on file-system events (the ticket just ahead, or the lock, going away), not on short polling
// timers: on a busy machine seven processes polling every few milliseconds, or all waking at every change, took
// the CPU the holder needed. A slow timer remains as a fallback for lost events and file systems without change
// notification.
import { randomBytes } from 'node:crypto';
import { FSWatcher, mkdirSync, promises as fs, readdirSync, rmSync, watch, writeFileSync } from 'node:fs';
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


/**
 * Resolves when `target` changes or goes away (its deletion is what a waiter waits for), or after `maxMs`.
 * Where change notification is missing, it resolves after `fallbackMs`, which paces a plain polling loop.
 */
function watchOnce(target: string, maxMs: number, fallbackMs: number): Promise<void> {
  return new Promise((resolve) => {
    let watcher: FSWatcher | undefined;
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      watcher?.close();
      resolve();
    };
    try {
      watcher = watch(target, { persistent: false }, done);
      watcher.on('error', done);
      timer = setTimeout(done, maxMs);
    } catch (e) {
      // Gone already: look again at once. No notification here: look again soon.
      if ((e as { code?: string }).code === 'ENOENT') resolve();
      else timer = setTimeout(done, fallbackMs);
    }
  });
}

export async function acquireFair(target: string, lockfilePath: string, queueDir: string, opts: FairLockOptions): Promise<() => Promise<void>> {
  // Synchronous file calls on the waiting list: each costs microseconds, while an asynchronous one is a thread-pool
  // round trip that, for every waiter of every hand-over, added up to more than the state change itself.
  if (!madeQueueDirs.has(queueDir)) {
    mkdirSync(queueDir, { recursive: true });
    madeQueueDirs.add(queueDir);
  }
  let mine = ticketName();
  let ticketPath = path.join(queueDir, mine);
  writeTicket(ticketPath);
  const started = Date.now();
  let lastTouch = started;
  try {
    for (;;) {
      const now = Date.now();
      if (now - started > opts.timeoutMs) throw new FairLockTimeout(`waited ${now - started} ms for ${lockfilePath}`);
      if (now - lastTouch >= opts.updateMs) {
        // Keep our ticket fresh so that others do not take us for a crashed waiter.
        lastTouch = now;
        await fs.utimes(ticketPath, new Date(now), new Date(now)).catch(() => undefined);
      }
      const tickets = readdirSync(queueDir).filter((n) => n.endsWith('.ticket')).sort();
      const ahead = tickets.indexOf(mine);
      if (ahead < 0) {
        // Someone removed our ticket as stale (we stalled past the stale window): queue again at the back,
        // under a new (later) name.
        mine = ticketName();
        ticketPath = path.join(queueDir, mine);
        writeTicket(ticketPath);
        continue;
      }
      if (ahead > 0) {
        // Each waiter watches only the ticket just ahead of it, which goes away when its owner gets the lock, so
        // a hand-over wakes one process, not all of them. The timer paces the check for a crashed waiter ahead.
        const before = path.join(queueDir, tickets[ahead - 1]!);
        if (await dropIfStale(before, opts.staleMs)) continue;
        await watchOnce(before, 500, Math.min(1 + ahead, 8) + Math.random() * 2);
        continue;
      }
      try {
        return await lockfile.lock(target, {
          lockfilePath,
          realpath: false,
          stale: opts.staleMs,
          update: opts.updateMs,
          retries: 0,
          onCompromised: opts.onCompromised,
        });
      } catch (e) {
        if ((e as { code?: string }).code !== 'ELOCKED') throw e;
        // The holder's release removes the lock folder. The timer bounds the wait for a lost event and paces
        // proper-lockfile's check for a holder that stopped refreshing (crashed).
        await watchOnce(lockfilePath, 100, 1 + Math.random());
      }
    }
  } finally {
    rmSync(ticketPath, { force: true });
  }
}

const madeQueueDirs = new Set<string>();

function writeTicket(ticketPath: string): void {
  try {
    writeFileSync(ticketPath, '');
  } catch (e) {
    // The waiting folder was removed (a fresh federation in the same place): make it again.
    if ((e as { code?: string }).code !== 'ENOENT') throw e;
    mkdirSync(path.dirname(ticketPath), { recursive: true });
    writeFileSync(ticketPath, '');
  }
}

/** Removes a ticket its owner stopped refreshing (it crashed while waiting); true when it is gone now. */
async function dropIfStale(ticket: string, staleMs: number): Promise<boolean> {
  try {
    const st = await fs.stat(ticket);
    if (Date.now() - st.mtimeMs <= staleMs) return false;
    await fs.rm(ticket, { force: true });
  } catch {
    // Gone already: it got the lock or was dropped by someone else.
  }
  return true;
}
