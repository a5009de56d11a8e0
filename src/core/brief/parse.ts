// One pass over the lines: front matter, ATX headings outside fenced code and HTML comments, the level-2
// sections, and brief-disable comments. YAML is parsed only when there is front matter, and `yaml` is required
// on first use (it costs ~10 ms to evaluate; most callers never need it).
import type { Document as YamlDocument, Node as YamlNode } from 'yaml';
import { isBriefCode } from './codes';
import { SECTION_NAMES, SectionName } from './schema';
import { LineIndex, detectEol } from './text';
import { BriefCode, Range } from './types';
import { yaml } from '../lazy';

export interface Heading {
  level: number;
  /** Text without the #s and closing sequence, trimmed. */
  text: string;
  line: number;
  /** From the first # to the end of the text. */
  range: Range;
  textRange: Range;
  lineStart: number;
  markerStart: number;
  markerEnd: number;
  textStart: number;
  textEnd: number;
}

export interface Section {
  /** The heading text as written. */
  name: string;
  /** The canonical name when the heading names one of the six sections (case-insensitively). */
  known?: SectionName;
  heading: Heading;
  /** Offsets: heading line start to the next heading of level 1 or 2 (or the end). */
  start: number;
  end: number;
  /** Offset of the line after the heading. */
  bodyStart: number;
  /** Offset just past the last non-blank character of the section. */
  contentEnd: number;
  /** Heading to last content: what an outline selects and folds. */
  range: Range;
  empty: boolean;
}

export interface FrontMatterEntry {
  key: string;
  /** Dotted path: `resources.memory`. */
  path: string;
  keyRange: Range;
  valueRange: Range;
  keyStart: number;
  keyEnd: number;
  valueStart: number;
  valueEnd: number;
  value: unknown;
  children?: FrontMatterEntry[];
}

export interface YamlProblem {
  message: string;
  start: number;
  end: number;
}

export interface FrontMatter {
  /** Line of the closing --- (undefined when it is never closed). */
  closeLine?: number;
  closed: boolean;
  /** Offsets of the YAML text between the fences. */
  contentStart: number;
  contentEnd: number;
  /** Opening fence to closing fence. */
  range: Range;
  entries: FrontMatterEntry[];
  /** The parsed mapping, when the YAML is valid and a mapping (empty front matter gives {}). */
  data?: Record<string, unknown>;
  errors: YamlProblem[];
}

export interface DisableComment {
  line: number;
  codes: { code: string; start: number; end: number; known: boolean }[];
}

export interface BriefDocument {
  text: string;
  lines: LineIndex;
  eol: '\n' | '\r\n';
  frontMatter?: FrontMatter;
  /** Offset and line where Markdown starts (after the front matter). */
  bodyStart: number;
  bodyStartLine: number;
  headings: Heading[];
  sections: Section[];
  /** The first level-1 heading. */
  title?: Heading;
  codeBlocks: { startLine: number; endLine: number }[];
  comments: { startLine: number; endLine: number }[];
  disables: DisableComment[];
  disabled: Set<BriefCode>;
}

const yamlDocs = new WeakMap<BriefDocument, { doc: YamlDocument; offset: number }>();

const SECTION_BY_LOWER = new Map<string, SectionName>(SECTION_NAMES.map((n) => [n.toLowerCase(), n]));

export function knownSection(text: string): SectionName | undefined {
  return SECTION_BY_LOWER.get(text.trim().toLowerCase());
}

function isFenceLine(text: string, start: number, end: number, marker: string): boolean {
  let e = end;
  while (e > start && (text.charCodeAt(e - 1) === 32 || text.charCodeAt(e - 1) === 9)) e--;
  return e - start === 3 && text.startsWith(marker, start);
}

export function parseBrief(text: string): BriefDocument {
  const lines = new LineIndex(text);
  const doc: BriefDocument = {
    text,
    lines,
    eol: detectEol(text),
    bodyStart: 0,
    bodyStartLine: 0,
    headings: [],
    sections: [],
    codeBlocks: [],
    comments: [],
    disables: [],
    disabled: new Set(),
  };
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (isFenceLine(text, bom, lines.lineEnd(0), '---')) parseFrontMatter(doc);
  scanBlocks(doc);
  buildSections(doc);
  scanDisables(doc);
  return doc;
}

function parseFrontMatter(doc: BriefDocument): void {
  const { text, lines } = doc;
  let closeLine: number | undefined;
  for (let l = 1; l < lines.lineCount; l++) {
    const s = lines.starts[l]!;
    const c = text.charCodeAt(s);
    if ((c === 45 && isFenceLine(text, s, lines.lineEnd(l), '---')) || (c === 46 && isFenceLine(text, s, lines.lineEnd(l), '...'))) {
      closeLine = l;
      break;
    }
  }
  const contentStart = lines.starts[1] ?? text.length;
  if (closeLine === undefined) {
    // Unclosed: Markdown reads the --- as a thematic break, so the body starts right after it.
    doc.frontMatter = { closed: false, contentStart, contentEnd: contentStart, range: lines.lineRange(0), entries: [], errors: [] };
    doc.bodyStart = contentStart;
    doc.bodyStartLine = Math.min(1, lines.lineCount - 1);
    return;
  }
  const contentEnd = lines.starts[closeLine]!;
  const fm: FrontMatter = {
    closeLine,
    closed: true,
    contentStart,
    contentEnd,
    range: { start: { line: 0, character: 0 }, end: { line: closeLine, character: lines.lineEnd(closeLine) - contentEnd } },
    entries: [],
    errors: [],
  };
  doc.frontMatter = fm;
  doc.bodyStart = lines.starts[closeLine + 1] ?? text.length;
  doc.bodyStartLine = Math.min(closeLine + 1, lines.lineCount - 1);
  const source = text.slice(contentStart, contentEnd);
  if (source.trim() === '') {
    fm.data = {};
    return;
  }
  const Y = yaml();
  const ydoc = Y.parseDocument(source, { prettyErrors: false, uniqueKeys: true });
  yamlDocs.set(doc, { doc: ydoc, offset: contentStart });
  for (const e of ydoc.errors) {
    fm.errors.push({ message: e.message, start: contentStart + e.pos[0], end: contentStart + Math.max(e.pos[1], e.pos[0]) });
  }
  const root = ydoc.contents;
  if (Y.isMap(root)) {
    fm.entries = mapEntries(doc, root, contentStart, '');
    if (fm.errors.length === 0) fm.data = (ydoc.toJS() ?? {}) as Record<string, unknown>;
  } else if (root === null || (Y.isScalar(root) && root.value === null)) {
    if (fm.errors.length === 0) fm.data = {};
  }
}

function mapEntries(doc: BriefDocument, map: import('yaml').YAMLMap, offset: number, prefix: string): FrontMatterEntry[] {
  const Y = yaml();
  const entries: FrontMatterEntry[] = [];
  for (const pair of map.items) {
    if (!Y.isScalar(pair.key) || !pair.key.range) continue;
    const key = String(pair.key.value);
    const keyStart = offset + pair.key.range[0];
    const keyEnd = offset + pair.key.range[1];
    const vnode = pair.value as YamlNode | null;
    const valueStart = vnode?.range ? offset + vnode.range[0] : keyEnd + 1;
    const valueEnd = vnode?.range ? offset + vnode.range[1] : keyEnd + 1;
    const entry: FrontMatterEntry = {
      key,
      path: prefix + key,
      keyStart,
      keyEnd,
      valueStart,
      valueEnd,
      keyRange: doc.lines.range(keyStart, keyEnd),
      valueRange: doc.lines.range(valueStart, valueEnd),
      value: vnode ? vnode.toJSON() : null,
    };
    if (Y.isMap(vnode)) entry.children = mapEntries(doc, vnode, offset, `${prefix}${key}.`);
    entries.push(entry);
  }
  return entries;
}

/** Offsets of the YAML node at `path` (as zod reports it), or undefined. */
export function frontMatterNode(doc: BriefDocument, path: readonly PropertyKey[]): { start: number; end: number; flow?: boolean; items?: { start: number; end: number }[] } | undefined {
  const y = yamlDocs.get(doc);
  if (!y) return undefined;
  const node = (path.length ? y.doc.getIn(path.map((p) => (typeof p === 'symbol' ? String(p) : p)), true) : y.doc.contents) as YamlNode | undefined;
  if (!node || typeof node !== 'object' || !node.range) return undefined;
  const Y = yaml();
  const result: { start: number; end: number; flow?: boolean; items?: { start: number; end: number }[] } = { start: y.offset + node.range[0], end: y.offset + node.range[1] };
  if (Y.isSeq(node)) {
    result.flow = Boolean(node.flow);
    result.items = node.items.flatMap((it) => {
      const r = (it as YamlNode | null)?.range;
      return r ? [{ start: y.offset + r[0], end: y.offset + r[1] }] : [];
    });
  }
  return result;
}

export function findEntry(doc: BriefDocument, path: string): FrontMatterEntry | undefined {
  const parts = path.split('.');
  let list = doc.frontMatter?.entries;
  let found: FrontMatterEntry | undefined;
  for (const p of parts) {
    found = list?.find((e) => e.key === p);
    if (!found) return undefined;
    list = found.children;
  }
  return found;
}

function scanBlocks(doc: BriefDocument): void {
  const { text, lines } = doc;
  let fenceChar = 0;
  let fenceLen = 0;
  let fenceLine = -1;
  let commentEnd = -1;
  let commentLine = -1;
  for (let line = doc.bodyStartLine; line < lines.lineCount; line++) {
    const s = lines.starts[line]!;
    if (s < doc.bodyStart) continue;
    const e = lines.lineEnd(line);
    if (commentEnd >= 0) {
      if (commentEnd < e) {
        doc.comments.push({ startLine: commentLine, endLine: line });
        commentEnd = -1;
      }
      continue;
    }
    let p = s;
    while (p < e && p - s < 4 && text.charCodeAt(p) === 32) p++;
    if (p === e || p - s >= 4) continue;
    const c = text.charCodeAt(p);
    if (fenceChar) {
      if (c === fenceChar) {
        let q = p;
        while (q < e && text.charCodeAt(q) === c) q++;
        if (q - p >= fenceLen && text.slice(q, e).trim() === '') {
          doc.codeBlocks.push({ startLine: fenceLine, endLine: line });
          fenceChar = 0;
        }
      }
      continue;
    }
    if (c === 96 || c === 126) {
      let q = p;
      while (q < e && text.charCodeAt(q) === c) q++;
      if (q - p >= 3 && !(c === 96 && text.slice(q, e).includes('`'))) {
        fenceChar = c;
        fenceLen = q - p;
        fenceLine = line;
      }
      continue;
    }
    if (c === 35) {
      const h = parseHeading(doc, line, s, p, e);
      if (h) doc.headings.push(h);
      continue;
    }
    if (c === 60 && text.startsWith('<!--', p)) {
      const close = text.indexOf('-->', p + 4);
      if (close === -1 || close >= e) {
        // A multi-line comment: remember where it closes so the lines in between are skipped without searching again.
        commentEnd = close === -1 ? text.length : close;
        commentLine = line;
      }
    }
  }
  if (fenceChar) doc.codeBlocks.push({ startLine: fenceLine, endLine: lines.lineCount - 1 });
  if (commentEnd >= 0) doc.comments.push({ startLine: commentLine, endLine: lines.lineCount - 1 });
}

function parseHeading(doc: BriefDocument, line: number, lineStart: number, p: number, e: number): Heading | undefined {
  const { text, lines } = doc;
  let q = p;
  while (q < e && text.charCodeAt(q) === 35) q++;
  const level = q - p;
  if (level > 6) return undefined;
  if (q < e && text.charCodeAt(q) !== 32 && text.charCodeAt(q) !== 9) return undefined;
  let ts = q;
  while (ts < e && (text.charCodeAt(ts) === 32 || text.charCodeAt(ts) === 9)) ts++;
  let te = e;
  while (te > ts && (text.charCodeAt(te - 1) === 32 || text.charCodeAt(te - 1) === 9)) te--;
  // A closing sequence of #s (after a space) is not part of the text.
  let k = te;
  while (k > ts && text.charCodeAt(k - 1) === 35) k--;
  if (k < te && (k === ts || text.charCodeAt(k - 1) === 32 || text.charCodeAt(k - 1) === 9)) {
    te = k;
    while (te > ts && (text.charCodeAt(te - 1) === 32 || text.charCodeAt(te - 1) === 9)) te--;
  }
  return {
    level,
    text: text.slice(ts, te),
    line,
    lineStart,
    markerStart: p,
    markerEnd: q,
    textStart: ts,
    textEnd: te,
    range: lines.range(p, Math.max(te, q)),
    textRange: lines.range(ts, te),
  };
}

function buildSections(doc: BriefDocument): void {
  const { text, lines, headings } = doc;
  doc.title = headings.find((h) => h.level === 1);
  for (let i = 0; i < headings.length; i++) {
    const h = headings[i]!;
    if (h.level !== 2) continue;
    let end = text.length;
    for (let j = i + 1; j < headings.length; j++) {
      if (headings[j]!.level <= 2) {
        end = headings[j]!.lineStart;
        break;
      }
    }
    const headingEnd = lines.lineEnd(h.line);
    let contentEnd = end;
    while (contentEnd > headingEnd && isSpace(text.charCodeAt(contentEnd - 1))) contentEnd--;
    const known = knownSection(h.text);
    doc.sections.push({
      name: h.text,
      ...(known ? { known } : {}),
      heading: h,
      start: h.lineStart,
      end,
      bodyStart: lines.starts[h.line + 1] ?? text.length,
      contentEnd: Math.max(contentEnd, headingEnd),
      range: lines.range(h.markerStart, Math.max(contentEnd, headingEnd)),
      empty: contentEnd <= headingEnd,
    });
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function inBlock(blocks: { startLine: number; endLine: number }[], line: number): boolean {
  for (const b of blocks) if (line >= b.startLine && line <= b.endLine) return true;
  return false;
}

function scanDisables(doc: BriefDocument): void {
  const { text, lines } = doc;
  const marker = 'brief-disable';
  for (let k = text.indexOf(marker, doc.bodyStart); k !== -1; k = text.indexOf(marker, k + marker.length)) {
    const line = lines.lineOf(k);
    const ls = lines.starts[line]!;
    const open = text.lastIndexOf('<!--', k);
    if (open < ls || text.slice(open + 4, k).trim() !== '') continue;
    const le = lines.lineEnd(line);
    const close = text.indexOf('-->', k);
    if (close === -1 || close > le) continue;
    if (inBlock(doc.codeBlocks, line)) continue;
    const codes: DisableComment['codes'] = [];
    const re = /[^\s,]+/g;
    const list = text.slice(k + marker.length, close);
    for (let m = re.exec(list); m; m = re.exec(list)) {
      const start = k + marker.length + m.index;
      const code = m[0].toUpperCase();
      const known = isBriefCode(code);
      codes.push({ code, start, end: start + m[0].length, known });
      if (known) doc.disabled.add(code);
    }
    doc.disables.push({ line, codes });
  }
}
