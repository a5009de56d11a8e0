// Document symbols and folding ranges for the editor's outline, breadcrumbs and folding.
import { BriefDocument, FrontMatterEntry, Heading, parseBrief } from './parse';
import { SECTION_NAMES } from './schema';
import { Range } from './types';

export interface BriefSymbol {
  name: string;
  detail: string;
  /** Maps to vscode.SymbolKind: front-matter → Namespace, key → Property, section → Module, heading → String. */
  kind: 'front-matter' | 'key' | 'section' | 'heading';
  range: Range;
  selectionRange: Range;
  children: BriefSymbol[];
}

export interface BriefFoldingRange {
  startLine: number;
  endLine: number;
  kind?: 'comment' | 'region';
}

function keySymbols(entries: FrontMatterEntry[], doc: BriefDocument): BriefSymbol[] {
  return entries.map((e) => ({
    name: e.key,
    detail: e.children ? '' : typeof e.value === 'string' || typeof e.value === 'number' ? String(e.value) : Array.isArray(e.value) ? e.value.join(', ') : '',
    kind: 'key' as const,
    range: doc.lines.range(e.keyStart, contentEnd(doc.text, e.keyEnd, Math.max(e.valueEnd, e.keyEnd))),
    selectionRange: e.keyRange,
    children: keySymbols(e.children ?? [], doc),
  }));
}

/** Offset just past the last non-blank character before `end`, but not before `min`. */
function contentEnd(text: string, min: number, end: number): number {
  let e = end;
  while (e > min && /\s/.test(text[e - 1]!)) e--;
  return e;
}

function headingExtent(doc: BriefDocument, i: number): number {
  const h = doc.headings[i]!;
  for (let j = i + 1; j < doc.headings.length; j++) if (doc.headings[j]!.level <= h.level) return contentEnd(doc.text, doc.lines.lineEnd(h.line), doc.headings[j]!.lineStart);
  return contentEnd(doc.text, doc.lines.lineEnd(h.line), doc.text.length);
}

export function documentSymbols(input: string | BriefDocument): BriefSymbol[] {
  const doc = typeof input === 'string' ? parseBrief(input) : input;
  const out: BriefSymbol[] = [];
  const fm = doc.frontMatter;
  if (fm?.closed) out.push({ name: 'Front matter', detail: '', kind: 'front-matter', range: fm.range, selectionRange: doc.lines.lineRange(0), children: keySymbols(fm.entries, doc) });
  const stack: { level: number; symbol: BriefSymbol }[] = [];
  doc.headings.forEach((h: Heading, i) => {
    const section = h.level === 2 ? doc.sections.find((s) => s.heading === h) : undefined;
    const symbol: BriefSymbol = {
      name: h.text || '#'.repeat(h.level),
      detail: section?.known ? `${SECTION_NAMES.indexOf(section.known) + 1}/6` : h.level === 2 ? 'not a brief section' : '',
      kind: section?.known ? 'section' : 'heading',
      range: doc.lines.range(h.markerStart, headingExtent(doc, i)),
      selectionRange: h.range,
      children: [],
    };
    while (stack.length && stack[stack.length - 1]!.level >= h.level) stack.pop();
    (stack.length ? stack[stack.length - 1]!.symbol.children : out).push(symbol);
    stack.push({ level: h.level, symbol });
  });
  return out;
}

export function foldingRanges(input: string | BriefDocument): BriefFoldingRange[] {
  const doc = typeof input === 'string' ? parseBrief(input) : input;
  const out: BriefFoldingRange[] = [];
  const fm = doc.frontMatter;
  if (fm?.closed && fm.closeLine! > 0) out.push({ startLine: 0, endLine: fm.closeLine!, kind: 'region' });
  doc.headings.forEach((h, i) => {
    const end = doc.lines.lineOf(headingExtent(doc, i));
    if (end > h.line) out.push({ startLine: h.line, endLine: end });
  });
  for (const b of doc.codeBlocks) if (b.endLine > b.startLine) out.push({ startLine: b.startLine, endLine: b.endLine });
  for (const c of doc.comments) if (c.endLine > c.startLine) out.push({ startLine: c.startLine, endLine: c.endLine, kind: 'comment' });
  return out.sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine);
}
