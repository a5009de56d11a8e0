// Making a federation in NATS: its event stream, its KV buckets and its first commit. Safe to run from several
// workspaces at once: what exists is kept, and only one first commit can land (it expects an empty stream).
import { randomUUID } from 'node:crypto';
import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { type NatsConnection, isStreamNotFound, isWrongLastSequence } from './connection';
import { BUCKETS, type FederationNames } from './names';
import type { Commit } from './view';

/** A lock nobody renewed or released for this long leaves its bucket (its expiry, expiresAt, came long before). */
export const LOCK_BUCKET_MAX_AGE_MS = 24 * 3600_000;

export async function createFederation(jsm: JetStreamManager, js: JetStreamClient, nc: NatsConnection, names: FederationNames, replicas: number): Promise<string[]> {
  const created: string[] = [];
  if (!(await exists(jsm, names.stream))) {
    await jsm.streams.add({
      name: names.stream,
      subjects: [names.subjects],
      storage: StorageType.File,
      num_replicas: replicas,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      // The history is kept: no commit is ever deleted from it.
      deny_delete: true,
      description: `Agent Federation ${names.federation}: every change, in order`,
    });
    created.push(`stream ${names.stream}`);
  }
  const kvm = new Kvm(nc);
  for (const b of BUCKETS) {
    const bucket = names.bucket(b);
    if (await exists(jsm, `KV_${bucket}`)) continue;
    await kvm.create(bucket, { replicas, history: 1, storage: StorageType.File, ...(b === 'locks' ? { ttl: LOCK_BUCKET_MAX_AGE_MS } : {}) });
    created.push(`bucket ${bucket}`);
  }
  const first: Commit = { v: 1, tx: randomUUID(), at: new Date().toISOString(), w: [['meta', 'init', { federation: names.federation }]] };
  try {
    await js.publish(names.subject({ bucket: 'meta', key: 'init' }), JSON.stringify(first), { msgID: first.tx, expect: { lastSequence: 0 } });
    created.push(`federation ${names.federation}`);
  } catch (e) {
    if (!isWrongLastSequence(e)) throw e; // made already, by this workspace or another
  }
  return created;
}

async function exists(jsm: JetStreamManager, stream: string): Promise<boolean> {
  try {
    await jsm.streams.info(stream);
    return true;
  } catch (e) {
    if (isStreamNotFound(e)) return false;
    throw e;
  }
}
