// Quick fixes as plain edits, computed from the text and a finding. "Fix all" applies the safe, preferred fix
// of every finding, re-validating between rounds so that edits never have to be merged by hand.
import { BriefDocument, Section, findEntry, frontMatterNode, parseBrief } from './parse';
import { BOUNDARY_DEFAULTS, SECTION_NAMES, SectionName, sectionTemplate } from './schema';
import { analyzeBrief } from './validate';
import { applyEdits, normalizeName } from './text';
import { BriefCode, BriefOptions, Finding, QuickFix, Range, TextEdit } from './types';

interface Ctx {
  doc: BriefDocument;
  text: string;
  eol: string;
}

function edit(ctx: Ctx, start: number, end: number, newText: string): TextEdit {
  return { range: ctx.doc.lines.range(start, end), newText };
}

function fix(code: BriefCode, title: string, edits: TextEdit[], isPreferred = true, safe = false): QuickFix {
  return { title, code, edits, isPreferred, safe };
}

/** Every fix for one finding of `input` (the text or its parse), preferred first. */
export function quickFixes(input: string | BriefDocument, finding: Finding): QuickFix[] {
  const doc = typeof input === 'string' ? parseBrief(input) : input;
  const ctx: Ctx = { doc, text: doc.text, eol: doc.eol };
  const fixes = specificFixes(ctx, finding);
  if (finding.code !== 'MB041') {
    const d = disableFix(ctx, finding.code);
    if (d) fixes.push(d);
  }
  return fixes;
}

/** The findings that touch `range` (as an editor's code-action request gives it) with their fixes. */
export function quickFixesInRange(text: string, range: Range, options: BriefOptions = {}): { finding: Finding; fixes: QuickFix[] }[] {
  const { doc, findings } = analyzeBrief(text, options);
  const before = (a: Range['start'], b: Range['start']) => a.line < b.line || (a.line === b.line && a.character < b.character);
  return findings
    .filter((f) => !before(f.range.end, range.start) && !before(range.end, f.range.start))
    .map((finding) => ({ finding, fixes: quickFixes(doc, finding) }));
}

export interface FixAllResult {
  text: string;
  /** One edit turning the original text into `text` (empty when nothing changed). */
  edits: TextEdit[];
  /** How many fixes were applied. */
  fixed: number;
  /** What is left for a person. */
  remaining: Finding[];
}

export function fixAll(text: string, options: BriefOptions = {}): FixAllResult {
  let current = text;
  let fixed = 0;
  for (let round = 0; round < 40; round++) {
    const { doc, findings } = analyzeBrief(current, options);
    const taken: [number, number][] = [];
    const chosen: TextEdit[] = [];
    for (const f of findings) {
      const best = quickFixes(doc, f).find((q) => q.safe && q.isPreferred);
      if (!best) continue;
      const spans = best.edits.map((e) => [doc.lines.offsetAt(e.range.start), doc.lines.offsetAt(e.range.end)] as [number, number]);
      // Closed intervals: two inserts at one point also wait for the next round.
      if (spans.some(([s, e]) => taken.some(([ts, te]) => s <= te && ts <= e))) continue;
      taken.push(...spans);
      chosen.push(...best.edits);
      fixed++;
    }
    if (!chosen.length) break;
    current = applyEdits(current, chosen);
  }
  const remaining = analyzeBrief(current, options).findings;
  return { text: current, edits: current === text ? [] : [minimalEdit(text, current)], fixed, remaining };
}

function minimalEdit(a: string, b: string): TextEdit {
  let p = 0;
  const max = Math.min(a.length, b.length);
  while (p < max && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  let s = 0;
  while (s < max - p && a.charCodeAt(a.length - 1 - s) === b.charCodeAt(b.length - 1 - s)) s++;
  const doc = parseBrief(a);
  return { range: doc.lines.range(p, a.length - s), newText: b.slice(p, b.length - s) };
}

function sectionAt(ctx: Ctx, line: number): Section | undefined {
  return ctx.doc.sections.find((s) => s.heading.line === line);
}

function firstSections(doc: BriefDocument): Map<SectionName, Section> {
  const first = new Map<SectionName, Section>();
  for (const s of doc.sections) if (s.known && !first.has(s.known)) first.set(s.known, s);
  return first;
}

function frontMatterValues(doc: BriefDocument): { output?: string; report?: string } {
  const d = doc.frontMatter?.data ?? {};
  return {
    ...(typeof d.output === 'string' ? { output: d.output } : {}),
    ...(typeof d.report === 'string' ? { report: d.report } : {}),
  };
}

function specificFixes(ctx: Ctx, f: Finding): QuickFix[] {
  const { doc, text, eol } = ctx;
  const lines = doc.lines;
  const at = (r: Range) => [lines.offsetAt(r.start), lines.offsetAt(r.end)] as const;
  const data = f.data ?? {};
  switch (f.code) {
    case 'MB001': {
      const name = data.section as SectionName;
      if (data.renameLine !== undefined) {
        const h = doc.headings.find((x) => x.line === data.renameLine);
        if (!h) return [];
        return [fix(f.code, `Rename "${h.text}" to "## ${name}"`, [edit(ctx, h.markerStart, h.textEnd, `## ${name}`)], true, true)];
      }
      return [fix(f.code, `Add the "## ${name}" section`, [insertSection(ctx, name)], true, true)];
    }
    case 'MB002': {
      const s = sectionAt(ctx, f.range.start.line);
      if (!s?.known) return [];
      const end = lines.lineEnd(s.heading.line);
      return [fix(f.code, `Fill "## ${s.known}" with a starting text`, [edit(ctx, end, end, eol + eol + sectionTemplate(s.known, frontMatterValues(doc)).replace(/\n/g, eol))], true, true)];
    }
    case 'MB003': {
      const dup = sectionAt(ctx, f.range.start.line);
      const first = dup?.known ? firstSections(doc).get(dup.known) : undefined;
      if (!dup || !first || first === dup) return [];
      const body = text.slice(dup.bodyStart, dup.contentEnd).replace(/^\s*\n/, '');
      const between = text.slice(first.contentEnd, dup.start);
      let replacement = (body.trim() ? eol + eol + body : '') + between;
      if (dup.end === text.length) replacement = replacement.replace(/\s+$/, '') + (/\n$/.test(text) ? eol : '');
      return [fix(f.code, `Merge into the first "## ${dup.known}"`, [edit(ctx, first.contentEnd, dup.end, replacement)], true, true)];
    }
    case 'MB004': {
      const e = reorderEdit(ctx);
      return e ? [fix(f.code, `Reorder sections: ${SECTION_NAMES.join(', ')}`, [e], true, true)] : [];
    }
    case 'MB005': {
      const s = sectionAt(ctx, f.range.start.line);
      if (!s) return [];
      const out: QuickFix[] = [];
      if (data.suggestion) out.push(fix(f.code, `Rename to "## ${data.suggestion}"`, [edit(ctx, s.heading.textStart, s.heading.textEnd, data.suggestion)]));
      out.push(fix(f.code, `Make "${s.name}" a ### subsection`, [edit(ctx, s.heading.markerStart, s.heading.markerEnd, '###')], !data.suggestion));
      return out;
    }
    case 'MB006': {
      const h = doc.headings.find((x) => x.line === f.range.start.line);
      return h ? [fix(f.code, `Make it "## ${data.section}"`, [edit(ctx, h.markerStart, h.markerEnd, '##')], true, true)] : [];
    }
    case 'MB010': {
      const fm = doc.frontMatter;
      if (!fm || fm.closed) return [];
      let line = 1;
      while (line < lines.lineCount && lines.lineText(line).trim() !== '' && !lines.lineText(line).startsWith('#')) line++;
      const pos = line < lines.lineCount ? lines.starts[line]! : text.length;
      const insert = pos === text.length && !/\n$/.test(text) ? `${eol}---${eol}` : `---${eol}`;
      return [fix(f.code, 'Close the front matter with ---', [edit(ctx, pos, pos, insert)])];
    }
    case 'MB011': {
      if (!data.suggestion || !data.key) return [];
      const [s, e] = at(f.range);
      const last = data.key.split('.').pop()!;
      return [fix(f.code, `Rename to "${data.suggestion}"`, [edit(ctx, s, e, data.suggestion)], true, normalizeName(last) === normalizeName(data.suggestion))];
    }
    case 'MB012': {
      if (!data.suggestion) return [];
      const [s, e] = at(f.range);
      return [fix(f.code, `Write ${data.suggestion} without quotes`, [edit(ctx, s, e, data.suggestion)], true, true)];
    }
    case 'MB013': {
      if (!data.suggestion) return [];
      const [s, e] = at(f.range);
      const out = [fix(f.code, `Change to ${data.suggestion}`, [edit(ctx, s, e, data.suggestion)], true, true)];
      for (const v of data.allowed ?? []) if (v !== data.suggestion) out.push(fix(f.code, `Change to ${v}`, [edit(ctx, s, e, v)], false));
      return out;
    }
    case 'MB020': {
      const s = firstSections(doc).get('Mission');
      if (!s) return [];
      return [fix(f.code, 'Add a success criterion', [edit(ctx, s.contentEnd, s.contentEnd, `${eol}${eol}- [ ] TODO: a measurable success criterion (a number, a check that passes, a file that exists)`)])];
    }
    case 'MB030':
    case 'MB031':
    case 'MB032': {
      if (!data.suggestion) return [];
      const [s, e] = at(f.range);
      return [fix(f.code, `Change to ${data.suggestion}`, [edit(ctx, s, e, data.suggestion)], true, true)];
    }
    case 'MB033': {
      // Not part of fix all: the backticks hand the file to the agent, which is for a person to decide.
      const [s, e] = at(f.range);
      return [fix(f.code, `Put ${text.slice(s, e)} in backticks, so that it is packaged`, [edit(ctx, s, s, '`'), edit(ctx, e, e, '`')])];
    }
    case 'MB040': {
      const out: QuickFix[] = [];
      if (data.suggestion) {
        const [s, e] = at(f.range);
        out.push(fix(f.code, `Change to "${data.suggestion}"`, [edit(ctx, s, e, data.suggestion)]));
      }
      const decl = declareSecret(ctx, data.secret ?? '');
      if (decl) out.push(fix(f.code, `Declare secret "${data.secret}" in the front matter`, decl, !data.suggestion));
      return out;
    }
    case 'MB041': {
      const [s, e] = at(f.range);
      const fm = doc.frontMatter;
      if (fm && s < doc.bodyStart) return [];
      const name = data.secret ?? 'SECRET';
      const declared = Array.isArray(fm?.data?.secrets) && (fm!.data!.secrets as unknown[]).includes(name);
      const decl = declared ? [] : declareSecret(ctx, name);
      if (!decl) return [];
      return [fix(f.code, `Replace with \${secrets.${name}}${declared ? '' : ' and declare it'} (and rotate the exposed credential)`, [...decl, edit(ctx, s, e, `\${secrets.${name}}`)])];
    }
    case 'MB042': {
      const r = removeSecret(ctx, data.secret ?? '');
      return r ? [fix(f.code, `Remove "${data.secret}" from secrets`, [r])] : [];
    }
    case 'MB050':
    case 'MB051': {
      if (!data.suggestion) return [];
      const [s, e] = at(f.range);
      return [fix(f.code, `Change to "${data.suggestion}"`, [edit(ctx, s, e, data.suggestion)])];
    }
    case 'MB060': {
      const s = firstSections(doc).get('Boundaries');
      if (!s) return [];
      const lastLine = lines.lineText(lines.lineOf(Math.max(s.contentEnd - 1, 0)));
      const sep = /^\s*[-*+]\s/.test(lastLine) ? eol : eol + eol;
      return [fix(f.code, 'Add the standard prohibitions', [edit(ctx, s.contentEnd, s.contentEnd, sep + BOUNDARY_DEFAULTS.replace(/\n/g, eol))], true, true)];
    }
    default:
      return [];
  }
}

/** A missing section goes before the first later section that exists, else after the last earlier one, else at the end. */
function insertSection(ctx: Ctx, name: SectionName): TextEdit {
  const { doc, text, eol } = ctx;
  const first = firstSections(doc);
  const k = SECTION_NAMES.indexOf(name);
  const template = sectionTemplate(name, frontMatterValues(doc)).replace(/\n/g, eol);
  const next = SECTION_NAMES.slice(k + 1).find((n) => first.has(n));
  const prev = [...SECTION_NAMES.slice(0, k)].reverse().find((n) => first.has(n));
  let pos = next ? first.get(next)!.start : prev ? first.get(prev)!.end : text.length;
  if (pos < text.length) return edit(ctx, pos, pos, `## ${name}${eol}${eol}${template}${eol}${eol}`);
  pos = text.length;
  const lead = text.length === 0 || /\n\s*\n$/.test(text) ? '' : /\n$/.test(text) ? eol : eol + eol;
  return edit(ctx, pos, pos, `${lead}## ${name}${eol}${eol}${template}${eol}`);
}

function reorderEdit(ctx: Ctx): TextEdit | undefined {
  const { doc, text, eol } = ctx;
  const secs = doc.sections;
  if (!secs.length) return undefined;
  const start = secs[0]!.start;
  const end = secs[secs.length - 1]!.end;
  if (doc.headings.some((h) => h.level === 1 && h.lineStart > start && h.lineStart < end)) return undefined;
  // A known section carries the unknown and duplicate sections that follow it.
  const groups: { rank: number; parts: string[] }[] = [];
  const seen = new Set<SectionName>();
  for (const s of secs) {
    const chunk = text.slice(s.start, s.end);
    if (s.known && !seen.has(s.known)) {
      seen.add(s.known);
      groups.push({ rank: SECTION_NAMES.indexOf(s.known), parts: [chunk] });
    } else if (groups.length) groups[groups.length - 1]!.parts.push(chunk);
    else groups.push({ rank: -1, parts: [chunk] });
  }
  const sorted = [...groups].sort((a, b) => a.rank - b.rank);
  const body = sorted.map((g) => g.parts.map((p) => p.replace(/\s+$/, '')).join(eol + eol)).join(eol + eol);
  const tail = end === text.length ? (/\n$/.test(text) ? eol : '') : eol + eol;
  const replacement = body + tail;
  return replacement === text.slice(start, end) ? undefined : edit(ctx, start, end, replacement);
}

/** Edits that add `name` to `secrets:`, creating the key or the whole front matter when needed. */
function declareSecret(ctx: Ctx, name: string): TextEdit[] | undefined {
  const { doc, text, eol, } = ctx;
  if (!name) return undefined;
  const fm = doc.frontMatter;
  if (!fm) return [edit(ctx, 0, 0, `---${eol}secrets: [${name}]${eol}---${eol}${eol}`)];
  if (!fm.closed || fm.errors.length || !fm.data) return undefined;
  const entry = findEntry(doc, 'secrets');
  if (!entry) return [edit(ctx, fm.contentEnd, fm.contentEnd, `secrets: [${name}]${eol}`)];
  const node = frontMatterNode(doc, ['secrets']);
  if (node?.items) {
    if (node.flow) {
      const last = node.items[node.items.length - 1];
      return last ? [edit(ctx, last.end, last.end, `, ${name}`)] : [edit(ctx, node.start + 1, node.start + 1, name)];
    }
    const last = node.items[node.items.length - 1]!;
    const line = doc.lines.lineOf(last.start);
    const lineStart = doc.lines.starts[line]!;
    const indent = text.slice(lineStart, last.start).replace(/-\s*$/, '');
    const end = doc.lines.lineEnd(doc.lines.lineOf(last.end));
    return [edit(ctx, end, end, `${eol}${indent}- ${name}`)];
  }
  if (entry.value === null) return [edit(ctx, entry.keyEnd, doc.lines.lineEnd(entry.keyRange.start.line), `: [${name}]`)];
  return undefined;
}

function removeSecret(ctx: Ctx, name: string): TextEdit | undefined {
  const { doc } = ctx;
  const node = frontMatterNode(doc, ['secrets']);
  const declared = doc.frontMatter?.data?.secrets;
  if (!node?.items || !Array.isArray(declared)) return undefined;
  const i = declared.indexOf(name);
  const item = node.items[i];
  if (!item) return undefined;
  if (node.flow) {
    const next = node.items[i + 1];
    const prev = node.items[i - 1];
    if (next) return edit(ctx, item.start, next.start, '');
    if (prev) return edit(ctx, prev.end, item.end, '');
    return edit(ctx, item.start, item.end, '');
  }
  const line = doc.lines.lineOf(item.start);
  const nextLine = doc.lines.starts[doc.lines.lineOf(item.end) + 1] ?? doc.text.length;
  return edit(ctx, doc.lines.starts[line]!, nextLine, '');
}

function disableFix(ctx: Ctx, code: BriefCode): QuickFix | undefined {
  const { doc, eol } = ctx;
  const existing = doc.disables[0];
  if (existing) {
    const last = existing.codes[existing.codes.length - 1];
    const pos = last ? last.end : doc.text.indexOf('brief-disable', doc.lines.starts[existing.line]!) + 'brief-disable'.length;
    return fix(code, `Disable ${code} for this file`, [edit(ctx, pos, pos, ` ${code}`)], false);
  }
  return fix(code, `Disable ${code} for this file`, [edit(ctx, doc.bodyStart, doc.bodyStart, `<!-- brief-disable ${code} -->${eol}`)], false);
}
