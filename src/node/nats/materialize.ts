// Keeps the KV buckets equal to the event stream: each item's current value under its key, written
// compare-and-set on the key's revision and only forward (a value carries the commit it came from, and an older
// one never replaces a newer), so any number of processes may do it at once. The meta bucket's `materialized`
// key says up to which commit every bucket is complete: whatever a bucket holds beyond it is replayed from the
// stream by whoever reads the buckets. Runs shortly after changes, off the path of the change itself: a change is
// committed when its commit is in the stream, whether or not the buckets have caught up.
import { Kvm, type KV } from '@nats-io/kv';
import type { Logger } from '../../core/ports';
import { type NatsConnection, isWrongLastSequence } from './connection';
import { BUCKETS, type Bucket, type FederationNames } from './names';
import type { View } from './view';

/** A bucket's value: the item (null once removed) and the commit that wrote it. */
export interface Stored {
  seq: number;
  value: unknown;
}

export const WATERMARK_KEY = 'materialized';

export class Materializer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private buckets: Map<Bucket, KV> | undefined;
  /** Revisions this process wrote or saw, so the next write needs no read first. */
  private readonly known = new Map<string, { revision: number; seq: number }>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: FederationNames,
    private readonly view: View,
    private readonly logger: Logger,
  ) {}

  /** A commit was applied: catch the buckets up soon (spread out, so writers rarely do it at the same time). */
  changed(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch((e: unknown) => this.logger.debug(`materialising ${this.names.federation}: ${String(e)}`));
    }, 100 + Math.random() * 200);
  }

  /** One pass now (waits for one already running, then runs again if commits came meanwhile). */
  async flush(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
    const target = this.view.seq;
    this.running = this.pass(target).finally(() => (this.running = undefined));
    return this.running;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async open(): Promise<Map<Bucket, KV>> {
    if (this.buckets) return this.buckets;
    const kvm = new Kvm(this.nc);
    const map = new Map<Bucket, KV>();
    for (const b of BUCKETS) map.set(b, await kvm.open(this.names.bucket(b)));
    return (this.buckets = map);
  }

  private async pass(target: number): Promise<void> {
    if (target === 0) return;
    const buckets = await this.open();
    const meta = buckets.get('meta')!;
    const mark = await meta.get(WATERMARK_KEY);
    const done = mark?.operation === 'PUT' ? (mark.json<Stored>().seq ?? 0) : 0;
    if (done >= target) return;
    const writes: (() => Promise<void>)[] = [];
    for (const bucket of BUCKETS) {
      const kv = buckets.get(bucket)!;
      for (const [key, entry] of this.view.items[bucket]) {
        if (entry.seq > done) writes.push(() => this.write(kv, bucket, key, { seq: entry.seq, value: entry.value }));
      }
    }
    for (const r of this.view.removed.values()) if (r.seq > done) writes.push(() => this.write(buckets.get(r.bucket)!, r.bucket, r.key, { seq: r.seq, value: null }));
    // Keys are independent: many writes in flight at once instead of one round trip after another.
    await inParallel(writes, 32);
    // Every commit up to `target` is in the buckets now (those up to `done` were already): move the mark forward.
    for (;;) {
      const now = await meta.get(WATERMARK_KEY);
      const at = now?.operation === 'PUT' ? now.json<Stored>().seq : 0;
      if (at >= target) return;
      try {
        const data = JSON.stringify({ seq: target, value: null } satisfies Stored);
        if (now) await meta.update(WATERMARK_KEY, data, now.revision);
        else await meta.create(WATERMARK_KEY, data);
        return;
      } catch (e) {
        if (!isWrongLastSequence(e)) throw e;
      }
    }
  }

  /** Writes `stored` unless the bucket holds a value of the same or a later commit already. */
  private async write(kv: KV, bucket: Bucket, key: string, stored: Stored): Promise<void> {
    const id = `${bucket}/${key}`;
    const data = JSON.stringify(stored);
    for (let attempt = 0; attempt < 20; attempt++) {
      const known = this.known.get(id);
      if (known && known.seq >= stored.seq) return;
      try {
        const revision = known ? await kv.update(key, data, known.revision) : await kv.create(key, data);
        this.known.set(id, { revision, seq: stored.seq });
        return;
      } catch (e) {
        if (!isWrongLastSequence(e)) throw e;
        const current = await kv.get(key);
        if (!current || current.operation !== 'PUT') this.known.delete(id);
        else this.known.set(id, { revision: current.revision, seq: current.json<Stored>().seq ?? 0 });
      }
    }
  }
}

async function inParallel(jobs: (() => Promise<void>)[], width: number): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) await jobs[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, lane));
}
