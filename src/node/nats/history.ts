// A task's history from the event stream: every commit that wrote it, in order, read with an ordered consumer on
// the task's subject and on the batch subject (commits that write several tasks). Works on NATS 2.9 (one filter
// subject per consumer).
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Task } from '../../core/federation/state/schemas';
import type { FederationNames } from './names';
import type { Commit } from './view';

export async function taskHistory(js: JetStreamClient, names: FederationNames, taskId: string): Promise<{ seq: number; at: string; task: Task | null }[]> {
  const found: { seq: number; at: string; task: Task | null }[] = [];
  for (const subject of [names.subject({ bucket: 'tasks', key: taskId }), names.subject('batch')]) {
    for (const m of await readAll(js, names.stream, subject)) {
      const commit = m.json<Commit>();
      for (const [b, k, v] of commit.w) if (b === 'tasks' && k === taskId) found.push({ seq: m.seq, at: commit.at, task: v as Task | null });
    }
  }
  return found.sort((a, b) => a.seq - b.seq);
}

/** Every message on `subject` as of now. */
export async function readAll(js: JetStreamClient, stream: string, subject: string): Promise<JsMsg[]> {
  const consumer = await js.consumers.get(stream, { filter_subjects: subject, deliver_policy: 'all' });
  let pending = (await consumer.info(true)).num_pending;
  const out: JsMsg[] = [];
  while (pending > 0) {
    const batch = await consumer.fetch({ max_messages: Math.min(pending, 500), expires: 5000 });
    let got = 0;
    for await (const m of batch) {
      out.push(m);
      got++;
      pending = m.info.pending;
    }
    if (got === 0) break;
  }
  await consumer.delete().catch(() => undefined);
  return out;
}
