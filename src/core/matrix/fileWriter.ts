// Atomic file writes off the main thread, for the many small result files of a matrix run. Each fs.promises
// write is four thread-pool round trips (open, write, close, rename), each a lock and a wake-up on the main
// thread; on a busy machine those cost ~0.5 ms per file there, more than starting the task itself. A worker
// thread takes a batch per event-loop turn and does the plain system calls, so the main thread only posts strings.
import { Worker } from 'node:worker_threads';
import { FederationError } from '../errors';

// Same contract as writeJson: a temporary name, then a rename, so a reader never sees half a file.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
parentPort.on('message', (batch) => {
  const done = [];
  for (const [id, file, text] of batch) {
    const tmp = file + '.' + process.pid + '.w' + id + '.tmp';
    try {
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, file);
      done.push([id, null]);
    } catch (e) {
      try { fs.unlinkSync(tmp); } catch {}
      done.push([id, String((e && e.message) || e)]);
    }
  }
  parentPort.postMessage(done);
});
`;

interface Waiter {
  file: string;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class BatchedFileWriter {
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, Waiter>();
  private queue: [number, string, string][] = [];
  private seq = 0;
  private broken: string | undefined;

  /** Resolves once `file` holds `text` (renamed into place); rejects with a FederationError 'unavailable'. */
  write(file: string, text: string): Promise<void> {
    if (this.broken) return Promise.reject(new FederationError('unavailable', `cannot write ${file}: ${this.broken}`, { file }));
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { file, resolve, reject });
      if (this.queue.length === 0) setImmediate(() => this.post());
      this.queue.push([id, file, text]);
    });
  }

  private start(): Worker {
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.on('message', (done: [number, string | null][]) => {
      for (const [id, error] of done) {
        const waiter = this.waiting.get(id);
        if (!waiter) continue;
        this.waiting.delete(id);
        if (error === null) waiter.resolve();
        else waiter.reject(new FederationError('unavailable', `cannot write ${waiter.file}: ${error}`, { file: waiter.file }));
      }
      if (this.waiting.size === 0) w.unref();
    });
    const fail = (why: string) => {
      this.broken ??= why;
      this.worker = undefined;
      for (const [id, waiter] of this.waiting) {
        this.waiting.delete(id);
        waiter.reject(new FederationError('unavailable', `cannot write ${waiter.file}: ${why}`, { file: waiter.file }));
      }
    };
    w.on('error', (e) => fail(`the writer thread failed: ${e.message}`));
    w.on('exit', () => fail('the writer thread exited'));
    return w;
  }

  private post(): void {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0 || this.broken) return;
    this.worker ??= this.start();
    // Referenced only while writes are pending: an idle writer must not keep the process alive.
    this.worker.ref();
    this.worker.postMessage(batch);
  }

  /** Stops the thread; writes already acknowledged are on disk, pending ones are rejected. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.broken ??= 'the writer was closed';
    if (w) {
      w.removeAllListeners('exit');
      await w.terminate();
    }
    for (const [id, waiter] of this.waiting) {
      this.waiting.delete(id);
      waiter.reject(new FederationError('unavailable', `cannot write ${waiter.file}: the writer was closed`, { file: waiter.file }));
    }
  }
}
