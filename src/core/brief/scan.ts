// One character pass over the Markdown body that collects what the content rules need: path-like tokens,
// secret references (`/secrets/NAME`, `${secrets.NAME}`) and TODO placeholders. Candidates are recognised by
// their first character, so the cost is one comparison per character for ordinary prose.
import { BriefDocument } from './parse';

export interface PathToken {
  start: number;
  end: number;
  value: string;
}

export interface SecretRef {
  name: string;
  /** Offsets of the name only. */
  start: number;
  end: number;
  form: 'path' | 'expression';
}

export interface BodyScan {
  paths: PathToken[];
  refs: SecretRef[];
  todos: { start: number; end: number }[];
}

// Characters after which a path may start: line start, spaces, brackets, quotes, Markdown emphasis, `=`.
const BEFORE = new Uint8Array(128);
for (const c of ' \t\r\n([{<"\'`=,;*|>') BEFORE[c.charCodeAt(0)] = 1;
// Characters that end a path token.
const STOP = new Uint8Array(128);
for (const c of ' \t\r\n"\'`)]}<>|*,;') STOP[c.charCodeAt(0)] = 1;
const NAME_CHAR = /[A-Za-z0-9_]/;
// First characters of everything the scan looks for: / ~ . \ : $ T
const CANDIDATE = new Uint8Array(65536);
for (const c of '/~.\\:$T') CANDIDATE[c.charCodeAt(0)] = 1;
const SECRET_NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

function before(text: string, i: number): boolean {
  if (i === 0) return true;
  const c = text.charCodeAt(i - 1);
  return c < 128 && BEFORE[c] === 1;
}

function isSep(c: number): boolean {
  return c === 47 || c === 92;
}

function isStop(c: number): boolean {
  return c < 128 && STOP[c] === 1;
}

function tokenEnd(text: string, i: number): number {
  const n = text.length;
  let e = i;
  while (e < n) {
    const c = text.charCodeAt(e);
    if (c < 128 && STOP[c]) break;
    e++;
  }
  // Sentence punctuation after a path is not part of it.
  while (e > i && '.:!?'.includes(text[e - 1]!)) e--;
  return e;
}

export function scanBody(doc: BriefDocument): BodyScan {
  const { text } = doc;
  const out: BodyScan = { paths: [], refs: [], todos: [] };
  const n = text.length;
  let i = doc.bodyStart;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (!CANDIDATE[c]) {
      i++;
      continue;
    }
    let start = -1;
    switch (c) {
      case 47: // '/'
        if (before(text, i) && text.charCodeAt(i + 1) !== 47) start = i;
        break;
      case 126: // '~'
        if (text.charCodeAt(i + 1) === 47 && before(text, i)) start = i;
        break;
      case 46: // '.'
        if (before(text, i)) {
          if (text.startsWith('../', i) || text.startsWith('..\\', i) || text.startsWith('./', i)) start = i;
        } else if (text.startsWith('..', i) && isSep(text.charCodeAt(i - 1)) && (i + 2 >= n || isSep(text.charCodeAt(i + 2)) || isStop(text.charCodeAt(i + 2)))) {
          // `a/../b`: a ".." segment inside a word that did not look like a path at its start.
          let s = i - 1;
          while (s > doc.bodyStart && i - s < 256 && !isStop(text.charCodeAt(s - 1))) s--;
          start = s;
        }
        break;
      case 92: // '\'
        if (text.charCodeAt(i + 1) === 92 && before(text, i)) start = i;
        break;
      case 58: {
        // ':' of a Windows drive (C:\ or C:/), its letter standing alone.
        const next = text.charCodeAt(i + 1);
        if ((next === 92 || next === 47) && i >= 1 && /[A-Za-z]/.test(text[i - 1]!) && before(text, i - 1)) start = i - 1;
        break;
      }
      case 36: // '$'
        if (text.startsWith('${secrets.', i)) {
          SECRET_NAME.lastIndex = i + 10;
          const m = SECRET_NAME.exec(text);
          if (m && text.charCodeAt(i + 10 + m[0].length) === 125) {
            out.refs.push({ name: m[0], start: i + 10, end: i + 10 + m[0].length, form: 'expression' });
            i += 11 + m[0].length;
            continue;
          }
        }
        break;
      case 84: // 'T'
        if (text.startsWith('TODO', i) && (i === 0 || !NAME_CHAR.test(text[i - 1]!)) && !NAME_CHAR.test(text[i + 4] ?? ' ')) {
          let e = text.indexOf('\n', i);
          if (e === -1) e = n;
          while (e > i && /\s/.test(text[e - 1]!)) e--;
          out.todos.push({ start: i, end: e });
          i += 4;
          continue;
        }
        break;
    }
    if (start < 0) {
      i++;
      continue;
    }
    const end = tokenEnd(text, start);
    if (end - start > 1) {
      const value = text.slice(start, end);
      if (value.startsWith('/secrets/')) {
        SECRET_NAME.lastIndex = start + 9;
        const m = SECRET_NAME.exec(text);
        if (m && m.index === start + 9 && m[0].length > 0) out.refs.push({ name: m[0], start: start + 9, end: start + 9 + m[0].length, form: 'path' });
      } else {
        out.paths.push({ start, end, value });
      }
    }
    i = Math.max(end, i + 1);
  }
  return out;
}
