// The federation's state as this process knows it: every commit of the event stream applied in order, one commit
// at a time, so a reader never sees part of one (a claim's task without its persona, a handoff without its
// document). Each item is validated when it arrives; one that breaks its schema is kept as it came and refuses
// reads of its part, named, as a bad file does in the file backend.
import { StateFileError } from '../../core/errors';
import { PersonaCalendarSchema, PersonaSchema, ResourceLockSchema, TaskSchema, type StateFileName, type StateOf } from '../../core/federation/state/schemas';
import { deepFreeze } from '../../core/federation/state/frozen';
import { BUCKETS, type Bucket } from './names';

/** One commit as published: its id (the publish's Nats-Msg-Id too), when, and every item it writes (null: removed). */
export interface Commit {
  v: 1;
  tx: string;
  at: string;
  w: [Bucket, string, unknown][];
}

export interface Entry {
  /** The item as JSON text (validated), or as it came when `bad` says why it is not valid. */
  json: string;
  /** The item parsed: shared; a task is frozen and handed to changes as it is, readers get copies. */
  value: unknown;
  seq: number;
  bad?: string;
}

type Parser = { safeParse(v: unknown): { success: true; data: unknown } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } };
const SCHEMAS: Partial<Record<Bucket, Parser>> = {
  personas: PersonaSchema as unknown as Parser,
  tasks: TaskSchema as unknown as Parser,
  calendar: PersonaCalendarSchema as unknown as Parser,
  locks: ResourceLockSchema as unknown as Parser,
};

/** Which buckets make up each state document, and the document's revision (the last commit that touched it). */
const DOCUMENT_BUCKETS: Record<StateFileName, Bucket[]> = { personas: ['personas'], queue: ['tasks', 'meta'], calendar: ['calendar'] };
const TX_MEMORY = 20_000;

export class View {
  seq = 0;
  readonly items = Object.fromEntries(BUCKETS.map((b) => [b, new Map<string, Entry>()])) as Record<Bucket, Map<string, Entry>>;
  /** Items removed, and by which commit (the KV buckets are told of removals too). */
  readonly removed = new Map<string, { bucket: Bucket; key: string; seq: number }>();
  private readonly revisions: Record<StateFileName, number> = { personas: 0, queue: 0, calendar: 0 };
  private readonly txs = new Map<string, number>();
  private waiters: { seq: number; resolve: () => void }[] = [];
  private readonly listeners = new Set<() => void>();
  private tasksSorted: { seq: number; list: unknown[] } | undefined;

  constructor(private readonly where: (bucket: Bucket, key: string) => string) {}

  /** Applies commit `seq`; an older or repeated one (a consumer that restarted) is skipped. */
  apply(seq: number, commit: Commit | undefined): void {
    if (seq <= this.seq) return;
    this.seq = seq;
    if (commit) {
      for (const [bucket, key, value] of commit.w) {
        const items = this.items[bucket];
        if (!items) continue;
        if (value === null) {
          items.delete(key);
          this.removed.set(`${bucket}/${key}`, { bucket, key, seq });
        } else {
          items.set(key, this.entry(bucket, value, seq));
          this.removed.delete(`${bucket}/${key}`);
        }
        for (const [doc, buckets] of Object.entries(DOCUMENT_BUCKETS) as [StateFileName, Bucket[]][]) if (buckets.includes(bucket)) this.revisions[doc] = seq;
      }
      this.txs.set(commit.tx, seq);
      if (this.txs.size > TX_MEMORY) this.txs.delete(this.txs.keys().next().value!);
    }
    const ready = this.waiters.filter((w) => w.seq <= seq);
    if (ready.length) {
      this.waiters = this.waiters.filter((w) => w.seq > seq);
      for (const w of ready) w.resolve();
    }
    for (const l of this.listeners) l();
  }

  private entry(bucket: Bucket, value: unknown, seq: number): Entry {
    const schema = SCHEMAS[bucket];
    if (bucket === 'docs') return typeof value === 'string' ? { json: JSON.stringify(value), value, seq } : { json: JSON.stringify(value), value, seq, bad: 'a handoff document is text' };
    if (!schema) return { json: JSON.stringify(value), value, seq };
    const parsed = schema.safeParse(value);
    // A task is shared with the changes that read it, frozen (core/federation/state/frozen.ts).
    if (parsed.success) return { json: JSON.stringify(parsed.data), value: bucket === 'tasks' ? deepFreeze(parsed.data) : parsed.data, seq };
    const issue = parsed.error.issues[0]!;
    return { json: JSON.stringify(value), value, seq, bad: `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}` };
  }

  /** Resolves once commit `seq` is applied here. */
  reached(seq: number): Promise<void> {
    if (this.seq >= seq) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  /** The sequence of commit `tx`, if this view has applied it. */
  committed(tx: string): number | undefined {
    return this.txs.get(tx);
  }

  onApplied(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The document as the file backend would read it: fresh objects the caller may change, or with `sharedTasks`
   * (a change deciding) the queue's tasks themselves, frozen, in a new list: a change then copies only the tasks
   * it edits, and what it changed is found by identity (frozen.ts).
   */
  document<K extends StateFileName>(name: K, sharedTasks = false): StateOf<K> {
    const revision = this.revisions[name];
    if (name === 'queue' && sharedTasks) {
      const meta = this.items.meta.get('queue');
      const nextId = meta ? (meta.value as { nextId: number }).nextId : 1;
      return { version: 1, revision, nextId, tasks: this.sortedTasks().slice() } as StateOf<K>;
    }
    if (name === 'personas') {
      const personas = this.values('personas') as StateOf<'personas'>['personas'];
      personas.sort((a, b) => a.registeredAt.localeCompare(b.registeredAt) || a.id.localeCompare(b.id));
      return { version: 1, revision, personas } as StateOf<K>;
    }
    if (name === 'queue') {
      const tasks = this.values('tasks') as StateOf<'queue'>['tasks'];
      tasks.sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
      const meta = this.items.meta.get('queue');
      const nextId = meta ? (meta.value as { nextId: number }).nextId : 1;
      return { version: 1, revision, nextId, tasks } as StateOf<K>;
    }
    const calendars: Record<string, unknown> = {};
    for (const key of [...this.items.calendar.keys()].sort()) calendars[key] = this.value('calendar', key);
    return { version: 1, revision, calendars } as StateOf<K>;
  }

  /** The tasks in id order, shared; sorted again only after a commit changed the view. */
  private sortedTasks(): unknown[] {
    if (this.tasksSorted?.seq === this.seq) return this.tasksSorted.list;
    const list: { id: string }[] = [];
    for (const [key, e] of this.items.tasks) {
      if (e.bad) throw new StateFileError(this.where('tasks', key), e.bad.split(':')[0]!, e.bad.slice(e.bad.indexOf(':') + 2));
      list.push(e.value as { id: string });
    }
    list.sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
    this.tasksSorted = { seq: this.seq, list };
    return list;
  }

  /** A text item (a lock as JSON, a handoff document), or undefined. */
  text(bucket: 'locks' | 'docs', key: string): string | undefined {
    const e = this.items[bucket].get(key);
    if (!e) return undefined;
    // A bad lock is handed over as it came: the core names its first bad field and keeps a copy, as for a file.
    if (bucket === 'locks') return JSON.stringify(e.value, null, 2) + '\n';
    if (e.bad) throw new StateFileError(this.where(bucket, key), '', e.bad);
    return e.value as string;
  }

  keys(bucket: Bucket): string[] {
    return [...this.items[bucket].keys()].sort();
  }

  private values(bucket: Bucket): unknown[] {
    return [...this.items[bucket].keys()].map((k) => this.value(bucket, k));
  }

  private value(bucket: Bucket, key: string): unknown {
    const e = this.items[bucket].get(key)!;
    if (e.bad) throw new StateFileError(this.where(bucket, key), e.bad.split(':')[0]!, e.bad.slice(e.bad.indexOf(':') + 2));
    return cloneJson(e.value);
  }
}

/** A deep copy of parsed JSON: several times cheaper than parsing its text again. */
export function cloneJson(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(cloneJson);
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = cloneJson((v as Record<string, unknown>)[k]);
  return out;
}

/**
 * Whether two parsed JSON values are equal (what a change left as it was is not written); a field that is
 * undefined counts as absent, as in JSON. A change compares every item of the documents it wrote that is not the
 * very object it read (personas, calendars, edited tasks), so this walks keys without making arrays of them
 * (three times faster than Object.keys and filter on tasks).
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const isArray = Array.isArray(a);
  if (isArray !== Array.isArray(b)) return false;
  if (isArray) {
    const aa = a as unknown[];
    const bb = b as unknown[];
    if (aa.length !== bb.length) return false;
    for (let i = 0; i < aa.length; i++) if (!sameJson(aa[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let count = 0;
  for (const k in ao) {
    const v = ao[k];
    if (v === undefined) continue;
    count++;
    if (!sameJson(v, bo[k])) return false;
  }
  for (const k in bo) if (bo[k] !== undefined) count--;
  return count === 0;
}
