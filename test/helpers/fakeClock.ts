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
   * Settles `work` with time moving as needed: whenever the process has gone a turn of the event loop without it
   * settling, time jumps to the next timer, which fires. So a wait of an hour takes no time at all, and code that
   * waits on real input and output (a file written) gets it before time moves, as long as no timer is due in the
   * meantime (the runs the tests drive do their file work before and after the timed part, or synchronously).
   * Work that waits on nothing at all never settles: the test's timeout reports it.
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
      const next = settled ? undefined : this.next();
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
