// Pure stream helpers shared by the engine adapter and the fake: a single-consumer async queue with
// backpressure, the engine's stdout/stderr multiplexing and its newline-delimited JSON.

import { StringDecoder } from 'node:string_decoder';
import type { LogChunk } from './client';

export interface AsyncQueueOptions {
  /** Called once when the consumer stops early (break/return) or close() is called. */
  onClose?: () => void;
  /** Called when more than highWaterMark items wait, and when the consumer caught up again. */
  pause?: () => void;
  resume?: () => void;
  highWaterMark?: number;
}

/** Items pushed by a producer, read once with for-await. Ends normally on end(), with an error on fail(). */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private done = false;
  private error: unknown;
  private paused = false;
  private closed = false;

  constructor(private readonly opts: AsyncQueueOptions = {}) {}

  push(item: T): void {
    if (this.done) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: item, done: false });
      return;
    }
    this.items.push(item);
    if (!this.paused && this.items.length > (this.opts.highWaterMark ?? 1000)) {
      this.paused = true;
      this.opts.pause?.();
    }
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.settleWaiter();
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.error = error;
    this.settleWaiter();
  }

  /** Stops the producer and ends iteration; what was already queued is dropped. */
  close(): void {
    this.items.length = 0;
    this.end();
    if (!this.closed) {
      this.closed = true;
      this.opts.onClose?.();
    }
  }

  get isDone(): boolean {
    return this.done;
  }

  private settleWaiter(): void {
    if (!this.waiter || this.items.length > 0) return;
    const w = this.waiter;
    this.waiter = undefined;
    if (this.error !== undefined) w.reject(this.error);
    else w.resolve({ value: undefined, done: true });
  }

  private next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) {
      const value = this.items.shift() as T;
      if (this.paused && this.items.length === 0) {
        this.paused = false;
        this.opts.resume?.();
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.done) {
      if (this.error !== undefined) {
        const e = this.error;
        // Report the failure once; later next() calls just see the end.
        this.error = undefined;
        return Promise.reject(e);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

/**
 * Splits the engine's multiplexed log stream (8-byte header: stream type, 3 zero bytes, big-endian length) into
 * stdout/stderr text. A container with a TTY sends raw bytes instead; those are all stdout.
 */
export class LogDemuxer {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  private raw: boolean;

  constructor(tty: boolean) {
    this.raw = tty;
  }

  push(data: Buffer): LogChunk[] {
    if (this.raw) return this.text('stdout', data);
    this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
    const out: LogChunk[] = [];
    while (this.buffer.length >= 8) {
      const type = this.buffer[0] as number;
      if (type > 2 || this.buffer[1] !== 0 || this.buffer[2] !== 0 || this.buffer[3] !== 0) {
        // Not a frame header: the stream is not multiplexed after all. Pass everything through as stdout.
        this.raw = true;
        out.push(...this.text('stdout', this.buffer));
        this.buffer = Buffer.alloc(0);
        return out;
      }
      const size = this.buffer.readUInt32BE(4);
      if (this.buffer.length < 8 + size) break;
      const payload = this.buffer.subarray(8, 8 + size);
      this.buffer = this.buffer.subarray(8 + size);
      // 0 is stdin, which only appears for attached containers; it is the program's input echoed, shown as stdout.
      out.push(...this.text(type === 2 ? 'stderr' : 'stdout', payload));
    }
    return out;
  }

  /** What is left at the end of the stream (an incomplete frame is shown rather than lost). */
  end(): LogChunk[] {
    const out: LogChunk[] = [];
    if (this.buffer.length > 0) {
      out.push(...this.text('stdout', this.buffer));
      this.buffer = Buffer.alloc(0);
    }
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.decoders[stream].end();
      if (rest !== '') out.push({ stream, text: rest });
    }
    return out;
  }

  private text(stream: 'stdout' | 'stderr', data: Buffer): LogChunk[] {
    // The decoder keeps a multi-byte character split across frames until its other half arrives.
    const text = this.decoders[stream].write(data);
    return text === '' ? [] : [{ stream, text }];
  }
}

/** Newline-delimited JSON (events, build progress). Lines that are not JSON are returned as strings. */
export class JsonLines {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  push(data: Buffer): unknown[] {
    this.pending += this.decoder.write(data);
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    return lines.flatMap(parseLine);
  }

  end(): unknown[] {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    return parseLine(rest);
  }
}

function parseLine(line: string): unknown[] {
  const trimmed = line.trim();
  if (trimmed === '') return [];
  try {
    return [JSON.parse(trimmed) as unknown];
  } catch {
    return [trimmed];
  }
}
