// FIFO fairness on top of proper-lockfile. A bare mkdir lock with polling lets the process that just released it
// win again and again (its first retry is immediate, the others are backing off), which starved waiters for
// seconds under 8 writers. Here every waiter first takes a ticket (a file named by arrival time) and only the
// oldest live ticket may try the lock, so waiting is bounded by the queue ahead. proper-lockfile still provides
// the lock itself: stale takeover of a crashed holder, periodic refresh, and compromise detection.
// Waiters sleep on file-system events (the ticket just ahead, or the lock, going away), not on short polling
// timers: on a busy machine seven processes polling every few milliseconds, or all waking at every change, took
// the CPU the holder needed. A slow timer remains as a fallback for lost events and file systems without change
// notification.
// A holder killed while holding the lock (SIGKILL, a crash) would stall everyone for the stale window. So the
// holder writes who it is beside the lock (`<lock>.owner`: host, PID namespace, pid, the lock folder's inode) and
// removes that note before it releases; a waiter that finds the lock held by a process of this host that no
// longer runs takes it over at once. A holder on another host (or in another PID namespace) cannot be checked,
// and the stale window stays for it.
// Every file call, proper-lockfile's too, goes through the FileSystem port given in the options.
import { randomBytes } from 'node:crypto';
import type { FSWatcher } from 'node:fs';
import * as path from 'node:path';
import * as lockfile from 'proper-lockfile';
import type { FileSystem, HostProcesses, Stats } from '../../ports';

export interface FairLockOptions {
  fs: FileSystem;
  staleMs: number;
  updateMs: number;
  /** Give up after this long in total. */
  timeoutMs: number;
  onCompromised: (err: Error) => void;
  /** This host's processes: with it, a dead holder on this host is taken over at once (see above). */
  processes?: HostProcesses;
  /**
   * Called each time a waiter wakes while the lock is another's (a hand-over ahead of it, or the holder's
   * refresh): work that is cheaper done while waiting than once the lock is ours. What it throws is ignored.
   */
  whileWaiting?: () => void;
}

interface OwnerNote {
  host: string;
  pid: number;
  pidNamespace?: string;
  /** The lock folder's inode when the note was written: a note left beside a newer lock is not that lock's. */
  ino: number;
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
function watchOnce(fs: FileSystem, target: string, maxMs: number, fallbackMs: number): Promise<void> {
  return new Promise((resolve) => {
    let watcher: FSWatcher | undefined;
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      watcher?.close();
      resolve();
    };
    try {
      watcher = fs.watch(target, { persistent: false }, done);
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
  const { fs } = opts;
  const sync = fs.sync;
  // Synchronous file calls on the waiting list: each costs microseconds, while an asynchronous one is a thread-pool
  // round trip that, for every waiter of every hand-over, added up to more than the state change itself.
  const made = madeQueueDirs(fs);
  if (!made.has(queueDir)) {
    sync.mkdirSync(queueDir, { recursive: true });
    made.add(queueDir);
  }
  let mine = ticketName();
  let ticketPath = path.join(queueDir, mine);
  writeTicket(fs, ticketPath);
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
      const tickets = sync.readdirSync(queueDir).filter((n) => n.endsWith('.ticket')).sort();
      const ahead = tickets.indexOf(mine);
      if (ahead < 0) {
        // Someone removed our ticket as stale (we stalled past the stale window): queue again at the back,
        // under a new (later) name.
        mine = ticketName();
        ticketPath = path.join(queueDir, mine);
        writeTicket(fs, ticketPath);
        continue;
      }
      if (ahead > 0) {
        // Each waiter watches only the ticket just ahead of it, which goes away when its owner gets the lock, so
        // a hand-over wakes one process, not all of them. The timer paces the check for a crashed waiter ahead.
        const before = path.join(queueDir, tickets[ahead - 1]!);
        if (await dropIfStale(fs, before, opts.staleMs)) continue;
        await watchOnce(fs, before, 500, Math.min(1 + ahead, 8) + Math.random() * 2);
        idle(opts);
        continue;
      }
      try {
        const release = await lockfile.lock(target, {
          lockfilePath,
          realpath: false,
          stale: opts.staleMs,
          update: opts.updateMs,
          retries: 0,
          fs: lockfileFs(fs),
          onCompromised: opts.onCompromised,
        });
        if (!opts.processes) return release;
        const ownerPath = `${lockfilePath}.owner`;
        writeOwner(fs, ownerPath, lockfilePath, opts.processes);
        return async () => {
          // The note goes first: once the folder is gone, a note of ours must not describe someone else's lock.
          sync.rmSync(ownerPath, { force: true });
          await release();
        };
      } catch (e) {
        if ((e as { code?: string }).code !== 'ELOCKED') throw e;
        if (opts.processes && takeOverDeadHolder(fs, lockfilePath, opts.processes)) continue;
        // The holder's release removes the lock folder. The timer bounds the wait for a lost event and paces
        // proper-lockfile's check for a holder that stopped refreshing (crashed), and ours for one that died.
        await watchOnce(fs, lockfilePath, 100, 1 + Math.random());
        idle(opts);
      }
    }
  } finally {
    sync.rmSync(ticketPath, { force: true });
  }
}

function idle(opts: FairLockOptions): void {
  try {
    opts.whileWaiting?.();
  } catch {
    // Only a head start: the holder's own read, inside the lock, reports what is wrong.
  }
}

function writeOwner(fs: FileSystem, ownerPath: string, lockfilePath: string, processes: HostProcesses): void {
  try {
    const { host, pid, pidNamespace } = processes.self;
    const note: OwnerNote = { host, pid, ...(pidNamespace ? { pidNamespace } : {}), ino: fs.sync.statSync(lockfilePath).ino };
    fs.sync.writeFileSync(ownerPath, JSON.stringify(note));
  } catch {
    // Without a note the lock is still a lock; a crash of ours then costs the stale window, as before.
  }
}

/**
 * Removes the lock when its note says its holder is a process of this host (and PID namespace) that no longer
 * runs. Only the waiter at the head of the queue gets here, so two waiters never take over the same lock.
 */
function takeOverDeadHolder(fs: FileSystem, lockfilePath: string, processes: HostProcesses): boolean {
  const ownerPath = `${lockfilePath}.owner`;
  let note: OwnerNote;
  let ino: number;
  try {
    note = JSON.parse(fs.sync.readFileSync(ownerPath, 'utf8') as string) as OwnerNote;
    ino = fs.sync.statSync(lockfilePath).ino;
  } catch {
    return false; // no note (an old holder, or one that has not written it yet), or the lock is gone already
  }
  const self = processes.self;
  if (note.ino !== ino || note.host !== self.host || (note.pidNamespace ?? '') !== (self.pidNamespace ?? '')) return false;
  if (note.pid === self.pid || !Number.isInteger(note.pid) || processes.isRunning(note.pid)) return false;
  fs.sync.rmSync(ownerPath, { force: true });
  try {
    fs.sync.rmdirSync(lockfilePath);
  } catch {
    // Gone already (its stale takeover by someone else): either way, try the lock again.
  }
  return true;
}

/** The waiting folders made so far, per file system (a test's double is another world than the disk). */
const madeQueueDirsByFs = new WeakMap<FileSystem, Set<string>>();

function madeQueueDirs(fs: FileSystem): Set<string> {
  let made = madeQueueDirsByFs.get(fs);
  if (!made) madeQueueDirsByFs.set(fs, (made = new Set()));
  return made;
}

/** What proper-lockfile calls (Node's callback API) made from the port, once per file system. */
interface LockfileFs {
  mkdir(p: string, cb: (err: NodeJS.ErrnoException | null) => void): void;
  stat(p: string, cb: (err: NodeJS.ErrnoException | null, stat?: Stats) => void): void;
  utimes(p: string, atime: Date, mtime: Date, cb: (err: NodeJS.ErrnoException | null) => void): void;
  rmdir(p: string, cb: (err: NodeJS.ErrnoException | null) => void): void;
  rmdirSync(p: string): void;
}

// One object per file system, kept: proper-lockfile caches the probed mtime precision on it, and a new object per
// lock would probe again (a utimes and a stat) on every transaction. The calls are synchronous (each a few
// microseconds, like the waiting list's): as thread-pool round trips, the mkdir and stat of taking the lock and
// the rmdir of letting it go were most of the time between one holder and the next.
const lockfileFs = (() => {
  const byFs = new WeakMap<FileSystem, LockfileFs>();
  // The callback runs outside the try, so that what it throws is not taken for the file call's error.
  const call = <T>(f: () => T, cb: (err: NodeJS.ErrnoException | null, value?: T) => void): void => {
    let value: T;
    try {
      value = f();
    } catch (e) {
      cb(e as NodeJS.ErrnoException);
      return;
    }
    cb(null, value);
  };
  return (fs: FileSystem): LockfileFs => {
    let lf = byFs.get(fs);
    if (lf) return lf;
    const sync = fs.sync;
    lf = {
      mkdir: (p, cb) => call(() => void sync.mkdirSync(p), cb),
      stat: (p, cb) => call(() => sync.statSync(p), cb),
      utimes: (p, atime, mtime, cb) => call(() => sync.utimesSync(p, atime, mtime), cb),
      rmdir: (p, cb) => call(() => sync.rmdirSync(p), cb),
      rmdirSync: (p) => sync.rmdirSync(p),
    };
    byFs.set(fs, lf);
    return lf;
  };
})();

function writeTicket(fs: FileSystem, ticketPath: string): void {
  try {
    fs.sync.writeFileSync(ticketPath, '');
  } catch (e) {
    // The waiting folder was removed (a fresh federation in the same place): make it again.
    if ((e as { code?: string }).code !== 'ENOENT') throw e;
    fs.sync.mkdirSync(path.dirname(ticketPath), { recursive: true });
    fs.sync.writeFileSync(ticketPath, '');
  }
}

/** Removes a ticket its owner stopped refreshing (it crashed while waiting); true when it is gone now. */
async function dropIfStale(fs: FileSystem, ticket: string, staleMs: number): Promise<boolean> {
  try {
    const st = await fs.stat(ticket);
    if (Date.now() - st.mtimeMs <= staleMs) return false;
    await fs.rm(ticket, { force: true });
  } catch {
    // Gone already: it got the lock or was dropped by someone else.
  }
  return true;
}
