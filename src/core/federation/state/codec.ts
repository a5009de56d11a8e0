// How state files look on disk. Most are pretty-printed JSON. A file with `items` (the queue) is written one item
// per line — valid JSON that diffs well — so that a reader can tell which items it has already validated from
// the exact text of their lines: an item line seen and validated before (in this process) is not validated again.
// Any other layout (a hand-formatted file) is validated in full, so correctness never depends on the cache.
// The first check is by position against the lines this process last read or wrote for the same file (a plain
// string comparison); only lines that differ there are looked up in the set, which has to hash them. With eight
// writers on a 1,000-task queue, hashing every line on every read and write cost more than the write itself.
import { StateFileError } from '../../errors';
import { deepFreeze } from './frozen';
import { STATE_FILES, StateFileName, StateOf } from './schemas';

const validatedLines = new Set<string>();
const MAX_CACHED_LINES = 200_000;

/** Per file: its item lines (without the separating comma) as last read and validated, or written, here. */
const knownLines = new Map<string, string[]>();
const MAX_KNOWN_FILES = 32;

export interface Serialized {
  text: string;
  /** The item lines, for `noteWritten` once the text is in place. */
  lines?: string[];
}

/**
 * The file's text; for an items file (the queue) one line per item. `lines`: the items' lines already made for
 * this same list (the same change with another revision), so each item is turned into text once per change.
 */
export function serialize<K extends StateFileName>(name: K, value: StateOf<K>, lines?: string[]): Serialized {
  const items = STATE_FILES[name].items;
  if (!items) return { text: JSON.stringify(value, null, 2) + '\n' };
  const { [items.key]: list, ...header } = value as unknown as Record<string, unknown>;
  lines ??= (list as unknown[]).map((item) => JSON.stringify(item));
  return { text: `${JSON.stringify(header).slice(0, -1)},"${items.key}":[\n${lines.join(',\n')}${lines.length ? '\n' : ''}]}\n`, lines };
}

/**
 * The item lines of `list` (what serialize would make of them): an item that is the same object as the one at its
 * place in `before` keeps that one's line, which is exact because shared items are frozen (frozen.ts).
 */
export function itemLines(list: readonly unknown[], before: readonly unknown[] | undefined, beforeLines: readonly string[] | undefined): string[] {
  const out = new Array<string>(list.length);
  for (let i = 0; i < list.length; i++) out[i] = before && beforeLines && list[i] === before[i] && beforeLines[i] !== undefined ? beforeLines[i]! : JSON.stringify(list[i]);
  return out;
}

/** What we wrote came out of validated state: our own next read of `file` need not check these lines again. */
export function noteWritten(file: string, written: Serialized): void {
  if (written.lines) setKnown(file, written.lines);
}

function setKnown(file: string, lines: string[]): void {
  knownLines.delete(file);
  if (knownLines.size >= MAX_KNOWN_FILES) knownLines.delete(knownLines.keys().next().value!);
  knownLines.set(file, lines);
}

function remember(line: string): void {
  if (validatedLines.size >= MAX_CACHED_LINES) validatedLines.clear();
  validatedLines.add(line);
}

type Issue = { path: PropertyKey[]; message: string };
type SafeParse = { success: true; data: unknown } | { success: false; error: { issues: Issue[] } };
interface Parser {
  safeParse(v: unknown): SafeParse;
}

/** A state file as read: its value and, for an items file in our layout, each item's line (for the cache and
 *  for telling which items a change touched). */
export interface ReadState<V> {
  value: V;
  lines: string[] | undefined;
  /** The file's text, for a file without items (small): a change that leaves it equal is not written. */
  text?: string;
}

/** Validates parsed JSON against the file's schema; `text` is the file's text, used only for the line cache. */
export function validate<K extends StateFileName>(name: K, text: string, data: unknown, file: string, keepAside: () => Promise<string | undefined>): Promise<ReadState<StateOf<K>>> {
  const def = STATE_FILES[name];
  const fail = async (path: PropertyKey[], message: string): Promise<never> => {
    throw new StateFileError(file, path.map(String).join('.') || '(root)', message, await keepAside());
  };
  const items = def.items;
  const record = data as Record<string, unknown> | null;
  if (!items || typeof record !== 'object' || record === null || !Array.isArray(record[items.key])) {
    const parsed = (def.schema as unknown as Parser).safeParse(data);
    return parsed.success ? Promise.resolve({ value: parsed.data as StateOf<K>, lines: undefined, text: items ? undefined : text }) : fail(parsed.error.issues[0]!.path, parsed.error.issues[0]!.message);
  }
  const list = record[items.key] as unknown[];
  const header = (def.schema as unknown as Parser).safeParse({ ...record, [items.key]: [] });
  if (!header.success) return fail(header.error.issues[0]!.path, header.error.issues[0]!.message);
  const lines = text.split('\n');
  // Our layout exactly: header line ending in '[', one line per item, then ']}' and the final newline. Anything
  // else (a blank line added by hand shifts every line after it) gets no cache, so positions always match items.
  const ours = lines[0]!.endsWith(`"${items.key}":[`) && lines.length === list.length + 3 && lines[list.length + 1] === ']}' && lines[list.length + 2] === '';
  const known = ours ? knownLines.get(file) : undefined;
  const itemLines: string[] = new Array(list.length);
  const out: unknown[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    let line: string | undefined;
    if (ours) {
      const raw = lines[i + 1]!;
      line = raw.endsWith(',') ? raw.slice(0, -1) : raw;
      // And the line is this item's: it starts with the item's own id.
      if (!line.startsWith(`{"${items.id}":${JSON.stringify((list[i] as Record<string, unknown> | null)?.[items.id])},`)) line = undefined;
      else itemLines[i] = line;
      if (line !== undefined && known !== undefined && known[i] === line) {
        out[i] = list[i];
        continue;
      }
    }
    if (line !== undefined && validatedLines.has(line)) {
      out[i] = list[i];
      continue;
    }
    const parsed = (items.schema as unknown as Parser).safeParse(list[i]);
    if (!parsed.success) return fail([items.key, i, ...parsed.error.issues[0]!.path], parsed.error.issues[0]!.message);
    out[i] = parsed.data;
    // Cache only lines that need no defaults filled in, so that reusing the raw parse is exactly the schema's output.
    const canonical = JSON.stringify(parsed.data);
    if (line !== undefined && canonical === line) remember(line);
    if (ours) itemLines[i] = canonical; // what a rewrite would put there
  }
  if (ours) setKnown(file, itemLines);
  return Promise.resolve({ value: { ...(header.data as Record<string, unknown>), [items.key]: out } as StateOf<K>, lines: ours ? itemLines.slice() : undefined });
}

/**
 * An items file read again by a process that knows an earlier version of it (`known`: its item lines and the
 * frozen items they are), line by line instead of parsing the whole text: a line the same as the one at its place
 * in `known` is that item, and only the others are parsed and validated. After another process folds the queue's
 * journal (every JOURNAL_LIMITS.maxRecords changes) each process reads the file again, and parsing, validating and
 * freezing 1,000 tasks each time was most of what a change cost. Undefined when the text is not exactly our
 * layout (a hand edit): the caller reads it in full, which also names what is wrong.
 */
export function revalidate<K extends StateFileName>(name: K, text: string, known: { lines: readonly string[]; list: readonly unknown[] }): ReadState<StateOf<K>> | undefined {
  const def = STATE_FILES[name];
  const items = def.items;
  if (!items) return undefined;
  const rows = text.split('\n');
  const count = rows.length - 3;
  if (count < 0 || !rows[0]!.endsWith(`"${items.key}":[`) || rows[count + 1] !== ']}' || rows[count + 2] !== '') return undefined;
  let head: unknown;
  try {
    head = JSON.parse(`${rows[0]}]}`);
  } catch {
    return undefined;
  }
  const header = (def.schema as unknown as Parser).safeParse(head);
  if (!header.success) return undefined;
  const lines = new Array<string>(count);
  const list = new Array<unknown>(count);
  for (let i = 0; i < count; i++) {
    const raw = rows[i + 1]!;
    const last = i === count - 1;
    if (raw.endsWith(',') === last) return undefined; // every item line but the last ends with a comma
    const line = last ? raw : raw.slice(0, -1);
    if (known.lines[i] === line) {
      lines[i] = known.lines[i]!;
      list[i] = known.list[i];
      continue;
    }
    let item: unknown;
    try {
      item = JSON.parse(line);
    } catch {
      return undefined;
    }
    if (!validatedLines.has(line)) {
      const parsed = (items.schema as unknown as Parser).safeParse(item);
      if (!parsed.success || JSON.stringify(parsed.data) !== line) return undefined; // invalid, or not canonical
      remember(line);
    }
    lines[i] = line;
    list[i] = deepFreeze(item);
  }
  return { value: { ...(header.data as Record<string, unknown>), [items.key]: list } as StateOf<K>, lines };
}

/**
 * The journal of an items file: one line per committed change, `{"revision":R,"header":{…},"items":[…]}` with the
 * file's other fields and every item the change added or replaced (matched by id). A change appends one short
 * line and syncs it, instead of rewriting and syncing the whole file: on a 1,000-task queue that write was most of
 * the time each writer held the lock. The store folds the journal back into the file (a full rewrite, then the
 * journal is removed) every `maxRecords` changes, when it grows past `maxBytes`, and whenever a change cannot be
 * expressed as upserts. Readers read the journal first and the file second: a compaction in between then only
 * makes the file newer than the journal's records, which are skipped by revision.
 */
// 64: each read applies the whole journal, so a short one keeps reads cheap; a fold costs one full write.
export const JOURNAL_LIMITS = { maxRecords: 64, maxBytes: 1 << 20 } as const;

export interface JournalState {
  /** Records newer than the file, applied. */
  applied: number;
  /** Records already in the file (a compaction that stopped before removing the journal): skipped. */
  stale: number;
  bytes: number;
  /** The last line has no newline: a writer died while appending; that change never committed. */
  torn: boolean;
}

export interface ItemsState<V> extends ReadState<V> {
  journal: JournalState;
  /** Item ids in order, to check that a change keeps them (replay matches by id). */
  ids: unknown[];
  /** Where each id is in the list; absent until a record or a change needed it. */
  index?: Map<unknown, number>;
}

type Json = Record<string, unknown>;

/** Where each item's id is in `list` (the last place, if one is there twice). */
export function indexItems(list: readonly Json[], idField: string): Map<unknown, number> {
  const index = new Map<unknown, number>();
  for (let i = 0; i < list.length; i++) index.set(list[i]![idField], i);
  return index;
}

/**
 * Applies `journal` (the journal file's text, if any) to the file's validated value. Given a state that already
 * has a journal applied (`base` is an ItemsState), `journal` is what was appended after it, its first line being
 * line `firstLine + 1`; `base` is then changed in place and must not be used again if this throws. `freeze`: the
 * items the records bring are frozen (the value is shared between transactions: frozen.ts).
 */
export async function applyJournal<K extends StateFileName>(
  name: K,
  base: ReadState<StateOf<K>> | ItemsState<StateOf<K>>,
  journal: string | undefined,
  file: string,
  keepAside: () => Promise<string | undefined>,
  options: { firstLine?: number; freeze?: boolean } = {},
): Promise<ItemsState<StateOf<K>>> {
  const def = STATE_FILES[name];
  const items = def.items!;
  const prior = 'journal' in base ? base : undefined;
  const state: JournalState = prior ? { ...prior.journal, bytes: prior.journal.bytes + (journal?.length ?? 0) } : { applied: 0, stale: 0, bytes: journal?.length ?? 0, torn: false };
  let value = base.value as unknown as Json & { revision: number };
  const list = value[items.key] as Json[];
  const lines = base.lines;
  const ids = prior ? prior.ids : undefined;
  let index = prior?.index;
  if (journal) {
    const records = journal.split('\n');
    if (records.pop() !== '') state.torn = true; // a trailing partial line is not a committed change
    const fail = async (where: string, message: string): Promise<never> => {
      throw new StateFileError(file, where, message, await keepAside());
    };
    let revision = value.revision;
    for (let n = 0; n < records.length; n++) {
      const where = `line ${(options.firstLine ?? 0) + n + 1}`;
      let rec: Json;
      try {
        rec = JSON.parse(records[n]!) as Json;
      } catch {
        return fail(where, 'not valid JSON');
      }
      if (typeof rec !== 'object' || rec === null || typeof rec['revision'] !== 'number' || typeof rec['header'] !== 'object' || rec['header'] === null || !Array.isArray(rec['items'])) {
        return fail(where, 'not a journal record ({"revision": N, "header": {…}, "items": […]})');
      }
      // At or below what is applied already: folded into the file by an interrupted fold, or appended by a
      // writer that lost the lock while stalled (it was told its change was not written). Skipped; the next
      // writer folds them away.
      if (rec['revision'] <= revision) {
        state.stale++;
        continue;
      }
      if (rec['revision'] !== revision + 1) return fail(`${where}.revision`, `expected ${revision + 1} (the change after revision ${revision}), found ${rec['revision']}`);
      const header = (def.schema as unknown as Parser).safeParse({ ...(rec['header'] as Json), revision: rec['revision'], [items.key]: [] });
      if (!header.success) return fail(`${where}.header.${header.error.issues[0]!.path.map(String).join('.')}`, header.error.issues[0]!.message);
      const changed = rec['items'] as unknown[];
      for (let j = 0; j < changed.length; j++) {
        let item = changed[j] as Json;
        let line = JSON.stringify(item);
        if (!validatedLines.has(line)) {
          const parsed = (items.schema as unknown as Parser).safeParse(item);
          if (!parsed.success) return fail(`${where}.items.${j}.${parsed.error.issues[0]!.path.map(String).join('.')}`, parsed.error.issues[0]!.message);
          item = parsed.data as Json;
          const canonical = JSON.stringify(item);
          if (canonical === line) remember(line);
          line = canonical;
        }
        if (options.freeze) deepFreeze(item);
        index ??= indexItems(list, items.id);
        const at = index.get(item[items.id]);
        if (at === undefined) {
          index.set(item[items.id], list.length);
          list.push(item);
          lines?.push(line);
          ids?.push(item[items.id]);
        } else {
          list[at] = item;
          if (lines) lines[at] = line;
        }
      }
      value = { ...(header.data as Json), [items.key]: list } as unknown as Json & { revision: number };
      revision = rec['revision'];
      state.applied++;
    }
  }
  return { value: value as unknown as StateOf<K>, lines, journal: state, ids: ids ?? list.map((item) => item[items.id]), ...(index ? { index } : {}) };
}

/**
 * The journal line for changing a file from `read` to `next` (`after`: its item lines), or undefined when the change
 * needs a full rewrite: no line layout to compare with, a journal due for compaction or left torn or stale,
 * items removed or reordered, or an id changed.
 */
export function journalRecord<K extends StateFileName>(name: K, read: ItemsState<StateOf<K>>, next: StateOf<K>, after: string[] | undefined): string | undefined {
  const items = STATE_FILES[name].items;
  const before = read.lines;
  const j = read.journal;
  if (!items || !before || !after || j.torn || j.stale > 0 || j.applied >= JOURNAL_LIMITS.maxRecords || j.bytes >= JOURNAL_LIMITS.maxBytes) return undefined;
  if (after.length < before.length) return undefined;
  // Replay matches by id: with an id twice in the list (a hand edit, a merge), it would change the wrong one.
  const known = read.index ?? new Map(read.ids.map((id, i) => [id, i]));
  if (known.size !== read.ids.length) return undefined;
  const { [items.key]: list, revision, ...header } = next as unknown as Json;
  const nextList = list as Json[];
  const changed: string[] = [];
  for (let i = 0; i < before.length; i++) {
    if (after[i] === before[i]) continue;
    if (nextList[i]![items.id] !== read.ids[i]) return undefined;
    changed.push(after[i]!);
  }
  if (after.length > before.length) {
    const added = new Set<unknown>();
    for (let i = before.length; i < after.length; i++) {
      const id = nextList[i]![items.id];
      if (known.has(id) || added.has(id)) return undefined;
      added.add(id);
      changed.push(after[i]!);
    }
  }
  return `{"revision":${JSON.stringify(revision)},"header":${JSON.stringify(header)},"items":[${changed.join(',')}]}\n`;
}
