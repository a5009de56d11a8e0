// A single-consumer async queue with backpressure, behind the DockerStreams of both the engine adapter
// (src/node/docker) and the tests' in-memory engine. The engine's wire formats (log multiplexing,
// newline-delimited JSON) are the adapter's own: src/node/docker/wire.ts.

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
