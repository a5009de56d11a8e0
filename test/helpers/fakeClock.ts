// A manual clock that is also the Timers port: time moves only when a test moves it, and a timer fires when time
// reaches it, so what a test asserts about durations and waits holds exactly, whatever the machine's load.
import type { Clock, TimerHandle, Timers } from '../../src/core/ports';

interface Pending {
  at: number;
  /** Order of setting: timers due at the same time fire in it, as Node's do. */
  seq: number;
  fn: () => void;
}

export class FakeClock implements Clock, Timers {
  private readonly pending = new Set<Pending>();
  private seq = 0;

  constructor(private t: number = Date.parse('2026-11-23T10:00:00Z')) {}

  now(): Date {
    return new Date(this.t);
  }

  /** Moves time forward by `ms`, firing each timer due on the way at its own time, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (let next = this.next(); next && next.at <= end; next = this.next()) this.fire(next);
    this.t = end;
  }

  set(iso: string): void {
    this.t = Date.parse(iso);
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: Pending = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.pending.add(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending.delete(handle as Pending);
  }

  /** Timers set and not yet fired or cleared. */
  get timers(): number {
    return this.pending.size;
  }

  /**
   * Settles `work` with time moving as needed: whenever a turn of the event loop passes without it settling and
   * with no file-system request in flight, time jumps to the next timer, which fires. So an hour's wait takes no
   * time at all, and code that writes a file, reads one or checks a folder between its waits finishes that before
   * time moves, as it would in real time. Work that waits on nothing at all (or on something that is neither a
   * timer of this clock nor the file system) never settles: the test's timeout reports it.
   */
  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    const done = work.then(
      (v) => { settled = true; return v; },
      (e: unknown) => { settled = true; throw e; },
    );
    done.catch(() => undefined);
    while (!settled) {
      // setImmediate runs after the promise jobs queued so far and after the I/O callbacks that are ready.
      await new Promise((r) => setImmediate(r));
      if (settled || fileSystemBusy()) continue;
      const next = this.next();
      if (next) this.fire(next);
    }
    return done;
  }

  private next(): Pending | undefined {
    let first: Pending | undefined;
    for (const p of this.pending) if (!first || p.at < first.at || (p.at === first.at && p.seq < first.seq)) first = p;
    return first;
  }

  private fire(timer: Pending): void {
    this.pending.delete(timer);
    if (timer.at > this.t) this.t = timer.at;
    timer.fn();
  }
}

/** A file-system request (fs, fs.promises, a stream's open or close) is in flight: Node lists it as a resource. */
function fileSystemBusy(): boolean {
  return process.getActiveResourcesInfo().some((r) => r.startsWith('FSReq') || r === 'CloseReq');
}
