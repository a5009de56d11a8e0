// One attempt at a transaction on the NATS backend: the callback reads the view as of commit `base` (copies of
// personas and calendars, the queue's tasks shared and frozen as on the file backend) and stages whole documents;
// what it changed is then found item by item (a task, a persona, a lock, a document) and becomes one commit. The
// commit is published on the condition that `base` is still the stream's last commit, so every item it read is as
// it was: a compare-and-set on all of them.
import { FederationError } from '../../core/errors';
import type { Transaction } from '../../core/federation/state/backend';
import { PersonaCalendarSchema, PersonaSchema, ResourceLockSchema, TaskSchema, type StateFileName, type StateOf } from '../../core/federation/state/schemas';
import { type Bucket, textItem, textName } from './names';
import { type Commit, type View, sameJson } from './view';

type Parser = { safeParse(v: unknown): { success: true; data: unknown } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } };
type Text = { rel: string; content: string; exclusive: boolean } | { rel: string; remove: true };

export class Staging {
  private readonly read = new Map<StateFileName, unknown>();
  private readonly sets = new Map<StateFileName, unknown>();
  private readonly texts: Text[] = [];

  constructor(
    private readonly view: View,
    readonly base: number,
    private readonly pathOf: (rel: string) => string,
  ) {}

  readonly tx: Transaction = {
    get: async <K extends StateFileName>(name: K) => {
      if (!this.read.has(name)) this.read.set(name, this.view.document(name, name === 'queue'));
      return this.read.get(name) as StateOf<K>;
    },
    set: (name, value) => void this.sets.set(name, value),
    readText: async (rel) => {
      const item = this.item(rel);
      return item ? this.view.text(item.bucket, item.key) : undefined;
    },
    writeText: (rel, content, options) => {
      this.item(rel, true);
      this.texts.push({ rel, content, exclusive: options?.exclusive ?? false });
    },
    remove: (rel) => {
      this.item(rel, true);
      this.texts.push({ rel, remove: true });
    },
    listDir: async (rel) => {
      const dir = rel.replace(/\\/g, '/').replace(/\/$/, '');
      if (dir === 'locks') return this.view.keys('locks').map((k) => textName('locks', k)).sort();
      if (dir === 'handoffs') return this.view.keys('docs').map((k) => textName('docs', k)).sort();
      return [];
    },
  };

  private item(rel: string, forWrite = false): { bucket: 'locks' | 'docs'; key: string } | undefined {
    const item = textItem(rel);
    if (!item && forWrite) {
      throw new FederationError('invalid-input', `${rel} is not part of the state a NATS federation shares (only locks/ and handoffs/ are); nothing was changed.`, { file: rel });
    }
    return item;
  }

  /** The commit for what the callback staged, or undefined when it changes nothing. */
  build(tx: string, at: Date): Commit | undefined {
    const writes = new Map<string, [Bucket, string, unknown]>();
    const put = (bucket: Bucket, key: string, value: unknown) => writes.set(`${bucket}/${key}`, [bucket, key, value]);
    for (const [name, value] of this.sets) {
      if (name === 'personas') this.diff('personas', (value as StateOf<'personas'>).personas, 'id', PersonaSchema as unknown as Parser, put);
      else if (name === 'calendar') {
        const list = Object.entries((value as StateOf<'calendar'>).calendars).map(([id, cal]) => ({ id, cal }));
        this.diff('calendar', list, 'id', PersonaCalendarSchema as unknown as Parser, put, (x) => x.cal);
      } else {
        const queue = value as StateOf<'queue'>;
        this.diff('tasks', queue.tasks, 'id', TaskSchema as unknown as Parser, put);
        const meta = this.view.items.meta.get('queue');
        const nextId = meta ? (meta.value as { nextId: number }).nextId : 1;
        if (queue.nextId !== nextId) put('meta', 'queue', { nextId: queue.nextId });
      }
    }
    for (const t of this.texts) {
      const item = this.item(t.rel, true)!;
      const id = `${item.bucket}/${item.key}`;
      if ('remove' in t) {
        if (this.view.items[item.bucket].has(item.key) || writes.has(id)) put(item.bucket, item.key, null);
        else writes.delete(id);
        continue;
      }
      if (t.exclusive && (this.view.items[item.bucket].has(item.key) || (writes.has(id) && writes.get(id)![2] !== null))) {
        const file = this.pathOf(t.rel);
        throw new FederationError('already-exists', `${file} already exists; it was not overwritten.`, { file });
      }
      put(item.bucket, item.key, item.bucket === 'locks' ? this.lockValue(item.key, t.content) : t.content);
    }
    if (writes.size === 0) return undefined;
    return { v: 1, tx, at: at.toISOString(), w: [...writes.values()] };
  }

  /** Items of a document: added or changed ones written (checked against their schema), missing ones removed. */
  private diff<T extends Record<string, unknown>>(
    bucket: Bucket,
    list: T[],
    idField: string,
    schema: Parser,
    put: (bucket: Bucket, key: string, value: unknown) => void,
    valueOf: (item: T) => unknown = (x) => x,
  ): void {
    const seen = new Set<string>();
    for (const item of list) {
      const key = String(item[idField]);
      if (seen.has(key)) throw new FederationError('invalid-input', `${bucket} would hold ${key} twice; nothing was changed.`, { key });
      seen.add(key);
      const value = valueOf(item);
      const before = this.view.items[bucket].get(key);
      // The same object is the same task: a shared one is frozen, and an edited one is a copy (frozen.ts).
      if (before && !before.bad && before.value === value) continue;
      if (before && !before.bad && sameJson(before.value, value)) continue;
      const parsed = schema.safeParse(value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const field = [bucket, key, ...issue.path.map(String)].join('.');
        throw new FederationError('invalid-input', `${field}: ${issue.message}; nothing was changed.`, { field });
      }
      if (before && !before.bad && sameJson(before.value, parsed.data)) continue;
      put(bucket, key, parsed.data);
    }
    for (const key of this.view.items[bucket].keys()) if (!seen.has(key)) put(bucket, key, null);
  }

  /**
   * A lock as stored: with its fencing number, the commit that gave it to its holder. This commit will be
   * `base + 1` (it lands only if `base` is still the last), so a new holder's number is known before it is sent.
   */
  private lockValue(key: string, content: string): unknown {
    let lock: Record<string, unknown>;
    try {
      lock = JSON.parse(content) as Record<string, unknown>;
    } catch {
      throw new FederationError('invalid-input', `The lock ${textName('locks', key)} is not JSON; nothing was changed.`, { key });
    }
    const before = this.view.items.locks.get(key);
    const prev = before && !before.bad ? (before.value as Record<string, unknown>) : undefined;
    const same = prev && prev['holder'] === lock['holder'] && prev['acquiredAt'] === lock['acquiredAt'] && typeof prev['fence'] === 'number';
    const value = { ...lock, fence: same ? prev['fence'] : this.base + 1 };
    const parsed = (ResourceLockSchema as unknown as Parser).safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new FederationError('invalid-input', `lock ${textName('locks', key)}: ${issue.path.map(String).join('.')}: ${issue.message}; nothing was changed.`, { key });
    }
    return parsed.data;
  }
}

/** The subject a commit goes to: its one task's, `batch` for several tasks, else its first item's. */
export function primaryOf(commit: Commit): { bucket: Bucket; key: string } | 'batch' {
  const tasks = commit.w.filter(([b]) => b === 'tasks');
  if (tasks.length > 1) return 'batch';
  const first = tasks[0] ?? commit.w[0]!;
  return { bucket: first[0], key: first[1] };
}
