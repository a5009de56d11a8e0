// How state files look on disk. Most are pretty-printed JSON. A file with `items` (the queue) is written one item
// per line — valid JSON that diffs well — so that a reader can tell which items it has already validated from
// the exact text of their lines: an item line seen and validated before (in this process) is not validated again.
// Any other layout (a hand-formatted file) is validated in full, so correctness never depends on the cache.
import { StateFileError } from '../errors';
import { STATE_FILES, StateFileName, StateOf } from './schemas';

const validatedLines = new Set<string>();
const MAX_CACHED_LINES = 200_000;

export function serialize<K extends StateFileName>(name: K, value: StateOf<K>): string {
  const items = STATE_FILES[name].items;
  if (!items) return JSON.stringify(value, null, 2) + '\n';
  const { [items.key]: list, ...header } = value as unknown as Record<string, unknown>;
  const lines = (list as unknown[]).map((item) => {
    const line = JSON.stringify(item);
    // What we write came out of validated state; remember it so our own next read does not re-check it.
    remember(line);
    return line;
  });
  return `${JSON.stringify(header).slice(0, -1)},"${items.key}":[\n${lines.join(',\n')}${lines.length ? '\n' : ''}]}\n`;
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

/** Validates parsed JSON against the file's schema; `text` is the file's text, used only for the line cache. */
export function validate<K extends StateFileName>(name: K, text: string, data: unknown, file: string, keepAside: () => Promise<string | undefined>): Promise<StateOf<K>> {
  const def = STATE_FILES[name];
  const fail = async (path: PropertyKey[], message: string): Promise<never> => {
    throw new StateFileError(file, path.map(String).join('.') || '(root)', message, await keepAside());
  };
  const items = def.items;
  const record = data as Record<string, unknown> | null;
  if (!items || typeof record !== 'object' || record === null || !Array.isArray(record[items.key])) {
    const parsed = (def.schema as unknown as Parser).safeParse(data);
    return parsed.success ? Promise.resolve(parsed.data as StateOf<K>) : fail(parsed.error.issues[0]!.path, parsed.error.issues[0]!.message);
  }
  const list = record[items.key] as unknown[];
  const header = (def.schema as unknown as Parser).safeParse({ ...record, [items.key]: [] });
  if (!header.success) return fail(header.error.issues[0]!.path, header.error.issues[0]!.message);
  const lines = text.split('\n');
  // Our layout: header line ending in '[', one line per item, then ']}'. Anything else: no cache.
  const ours = lines[0]!.endsWith(`"${items.key}":[`) && lines.length >= list.length + 2;
  const out: unknown[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const line = ours ? lines[i + 1]!.replace(/,$/, '') : undefined;
    if (line !== undefined && validatedLines.has(line)) {
      out[i] = list[i];
      continue;
    }
    const parsed = (items.schema as unknown as Parser).safeParse(list[i]);
    if (!parsed.success) return fail([items.key, i, ...parsed.error.issues[0]!.path], parsed.error.issues[0]!.message);
    out[i] = parsed.data;
    // Cache only lines that need no defaults filled in, so that reusing the raw parse is exactly the schema's output.
    if (line !== undefined && JSON.stringify(parsed.data) === line) remember(line);
  }
  return Promise.resolve({ ...(header.data as Record<string, unknown>), [items.key]: out } as StateOf<K>);
}
