// FIFO fairness on top of proper-lockfile. A bare mkdir lock with polling lets the process that just released it
// win again and again (its first retry is immediate, the others are backing off), which starved waiters for
// seconds under 8 writers. Here every waiter first takes a ticket (a file named by arrival time) and only the
// oldest live ticket may try the lock, so waiting is bounded by the queue ahead. proper-lockfile still provides
// the lock itself: stale takeover of a crashed holder, periodic refresh, and compromise detection.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
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

export async function acquireFair(target: string, lockfilePath: string, queueDir: string, opts: FairLockOptions): Promise<() => Promise<void>> {
  await fs.mkdir(queueDir, { recursive: true });
  const mine = ticketName();
  const ticketPath = path.join(queueDir, mine);
  await fs.writeFile(ticketPath, '');
  const started = Date.now();
  let lastTouch = started;
  try {
    for (let attempt = 0; ; attempt++) {
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
        // Nearer the head, look more often; far back, do not burn CPU the holder needs.
        await sleep(Math.min(1 + ahead, 8) + Math.random() * 2);
        continue;
      }
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
        await sleep(1 + Math.random());
      }
    }
  } finally {
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
