// Completion for the editor, as plain data: section headings, front-matter keys and values, persona ids and
// skills from the registry, and declared secret names. Line-based in the front matter, so it works while the
// YAML is half-typed and does not parse.
import { RULES } from './codes';
import { parseBrief } from './parse';
import { scanBody } from './scan';
import { FRONT_MATTER_KEYS, KEY_DOCS, RESOURCE_KEYS, SECTION_DOCS, SECTION_NAMES } from './schema';
import { LineIndex } from './text';
import { BriefOptions, BriefRegistry, Position, Range } from './types';

export type CompletionKind = 'section' | 'key' | 'value' | 'persona' | 'skill' | 'secret' | 'snippet';

export interface BriefCompletion {
  label: string;
  kind: CompletionKind;
  /** Replaces `range`. vscode SnippetString syntax when `snippet` is true. */
  insertText: string;
  range: Range;
  snippet?: boolean;
  detail?: string;
  /** Markdown. */
  documentation?: string;
  sortText?: string;
}

const SKELETON = [
  '---',
  'persona: ${1:persona-id}',
  'role: ${2:role}',
  'confidentiality: ${3|C0,C1,C2,C3|}',
  'operator_level: ${4|L0,L1,L2,L3|}',
  'network: ${5|none,internal|}',
  'output: /output',
  'report: ${6|markdown,json,sarif|}',
  'timeout: ${7:30m}',
  '---',
  '',
  '# ${8:Title}',
  '',
  '## Identity',
  '',
  '${9:Who this agent is and for whom it works.}',
  '',
  '## Mission',
  '',
  '${10:What to achieve and why.}',
  '',
  '- [ ] ${11:A measurable success criterion}',
  '',
  '## Resources',
  '',
  '${12:The inputs, tools and data the agent may use.}',
  '',
  '## Output',
  '',
  'Write every result under `/output/`.',
  '',
  '## Reporting',
  '',
  '${13:When and how to report.}',
  '',
  '## Boundaries',
  '',
  '- Do not write outside `/output`.',
  '- Never print, log or copy secret values.',
  '$0',
].join('\n');

/** Snippet bodies for keys, so enum keys open a choice list. */
function keySnippet(key: string): string {
  const doc = KEY_DOCS[key]!;
  if (doc.values) return `${key}: \${1|${Object.keys(doc.values).join(',')}|}`;
  if (key === 'resources') return 'resources:\n  cpus: ${1:2}\n  memory: ${2:2g}\n  pids: ${3:256}';
  if (key === 'secrets') return 'secrets: [${1:NAME}]';
  if (key === 'output') return 'output: /output/${1}';
  if (key === 'timeout') return 'timeout: ${1:30m}';
  return `${key}: \${1}`;
}

function keyDocumentation(path: string): string {
  const d = KEY_DOCS[path];
  if (!d) return '';
  const values = d.values ? '\n\n' + Object.entries(d.values).map(([v, m]) => `- \`${v}\`: ${m}`).join('\n') : '';
  return `${d.summary}${values}\n\nExample: \`${d.example}\``;
}

export function completeBrief(text: string, position: Position, options: BriefOptions = {}): BriefCompletion[] {
  const lines = new LineIndex(text);
  if (position.line >= lines.lineCount) return [];
  const lineText = lines.lineText(position.line);
  const prefix = lineText.slice(0, position.character);
  const at = (startChar: number, endChar = position.character): Range => ({ start: { line: position.line, character: startChar }, end: { line: position.line, character: endChar } });

  if (text.trim() === '') {
    return [{ label: 'Mission brief', kind: 'snippet', insertText: SKELETON, snippet: true, range: at(0, lineText.length), detail: 'Front matter and the six sections', documentation: 'A complete MISSION_BRIEF skeleton.' }];
  }

  const fmEnd = frontMatterEnd(lines);
  if (fmEnd !== undefined && position.line > 0 && position.line < fmEnd) {
    return frontMatterCompletions(text, lines, position, prefix, lineText, at, options.registry);
  }
  return bodyCompletions(text, position, prefix, lineText, at, options.registry);
}

/** The closing fence line, or the first heading line when the front matter is not closed; undefined without one. */
function frontMatterEnd(lines: LineIndex): number | undefined {
  if (lines.lineText(0).replace(/^\uFEFF/, '').trimEnd() !== '---') return undefined;
  for (let l = 1; l < lines.lineCount; l++) {
    const t = lines.lineText(l).trimEnd();
    if (t === '---' || t === '...' || t.startsWith('#')) return l;
  }
  return lines.lineCount;
}

function parentKey(lines: LineIndex, line: number): string | undefined {
  for (let l = line - 1; l > 0; l--) {
    const m = /^([A-Za-z_][\w-]*)\s*:/.exec(lines.lineText(l));
    if (m) return m[1];
  }
  return undefined;
}

function frontMatterCompletions(
  text: string,
  lines: LineIndex,
  position: Position,
  prefix: string,
  lineText: string,
  at: (s: number, e?: number) => Range,
  registry: BriefRegistry | undefined,
): BriefCompletion[] {
  const wordEnd = (from: number) => {
    let e = from;
    while (e < lineText.length && !/[\s,\]]/.test(lineText[e]!)) e++;
    return e;
  };
  const present = new Set<string>();
  const fmEnd = frontMatterEnd(lines)!;
  for (let l = 1; l < fmEnd; l++) {
    const m = /^([A-Za-z_][\w-]*)\s*:/.exec(lines.lineText(l));
    if (m && l !== position.line) present.add(m[1]!);
  }

  // A list item: `  - ` under secrets.
  const item = /^(\s*)-\s*([\w]*)$/.exec(prefix);
  if (item) {
    const parent = parentKey(lines, position.line);
    return parent === 'secrets' ? secretNameItems(text, at(prefix.length - item[2]!.length, wordEnd(position.character)), 'referenced') : [];
  }
  // A nested key under resources.
  const nested = /^(\s+)([\w]*)$/.exec(prefix);
  if (nested && parentKey(lines, position.line) === 'resources') {
    const have = new Set<string>();
    for (let l = position.line - 1; l > 0 && /^\s/.test(lines.lineText(l)); l--) have.add(lines.lineText(l).trim().split(':')[0]!);
    for (let l = position.line + 1; l < fmEnd && /^\s/.test(lines.lineText(l)); l++) have.add(lines.lineText(l).trim().split(':')[0]!);
    return RESOURCE_KEYS.filter((k) => !have.has(k)).map((k) => ({
      label: k,
      kind: 'key' as const,
      insertText: `${k}: `,
      range: at(nested[1]!.length, wordEnd(position.character)),
      detail: KEY_DOCS[`resources.${k}`]!.expect,
      documentation: keyDocumentation(`resources.${k}`),
    }));
  }
  const nestedValue = /^\s+(cpus|memory|pids)\s*:\s*(\S*)$/.exec(prefix);
  if (nestedValue) {
    const start = prefix.length - nestedValue[2]!.length;
    return (KEY_DOCS[`resources.${nestedValue[1]}`]!.suggestions ?? []).map((v, i) => ({ label: v, kind: 'value' as const, insertText: v, range: at(start, wordEnd(position.character)), sortText: String(i).padStart(3, '0') }));
  }
  // A value after `key:`.
  const kv = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(prefix);
  if (kv) {
    const key = kv[1]!;
    const rest = kv[2]!;
    const flow = /[[,]\s*([\w-]*)$/.exec(rest);
    const partial = flow ? flow[1]! : rest;
    const range = at(prefix.length - partial.length, wordEnd(position.character));
    if (key === 'secrets' && flow) return secretNameItems(text, range, 'referenced');
    return valueItems(key, range, registry);
  }
  // A key at the start of a line.
  const keyPrefix = /^([A-Za-z_][\w-]*)?$/.exec(prefix);
  if (keyPrefix) {
    return FRONT_MATTER_KEYS.filter((k) => !present.has(k)).map((k, i) => ({
      label: k,
      kind: 'key' as const,
      insertText: keySnippet(k),
      snippet: true,
      range: at(0, wordEnd(position.character)),
      detail: KEY_DOCS[k]!.expect,
      documentation: keyDocumentation(k),
      sortText: String(i).padStart(3, '0'),
    }));
  }
  return [];
}

function valueItems(key: string, range: Range, registry: BriefRegistry | undefined): BriefCompletion[] {
  const doc = KEY_DOCS[key];
  if (!doc) return [];
  const sort = (i: number) => String(i).padStart(3, '0');
  if (key === 'persona') {
    return (registry?.personas ?? []).map((p, i) => ({ label: p.id, kind: 'persona' as const, insertText: p.id, range, detail: p.skills.length ? `skills: ${p.skills.join(', ')}` : 'no skills', sortText: sort(i) }));
  }
  if (key === 'role') return roleItems(range, registry);
  const out: BriefCompletion[] = [];
  if (doc.values) {
    for (const [i, [v, meaning]] of Object.entries(doc.values).entries()) out.push({ label: v, kind: 'value', insertText: v, range, detail: meaning, documentation: meaning, sortText: sort(i) });
  }
  for (const [i, v] of (doc.suggestions ?? []).entries()) out.push({ label: v, kind: 'value', insertText: v, range, sortText: sort(50 + i) });
  if (key === 'network') out.push({ label: '[host, …]', kind: 'value', insertText: '[${1:api.github.com}]', snippet: true, range, detail: 'An allow-list of hosts', sortText: sort(99) });
  return out;
}

function roleItems(range: Range, registry: BriefRegistry | undefined): BriefCompletion[] {
  const skills = new Map<string, string[]>();
  for (const p of registry?.personas ?? []) for (const s of p.skills) skills.set(s, [...(skills.get(s) ?? []), p.id]);
  const items: BriefCompletion[] = [...skills].sort(([a], [b]) => a.localeCompare(b)).map(([s, who]) => ({ label: s, kind: 'skill' as const, insertText: s, range, detail: `skill of ${who.join(', ')}` }));
  for (const p of registry?.personas ?? []) if (!skills.has(p.id)) items.push({ label: p.id, kind: 'persona', insertText: p.id, range, detail: 'persona' });
  return items;
}

/** Secret names: those the text references but the front matter does not declare ("referenced"), or the declared ones. */
function secretNameItems(text: string, range: Range, which: 'referenced' | 'declared', closing = ''): BriefCompletion[] {
  const doc = parseBrief(text);
  const declared = Array.isArray(doc.frontMatter?.data?.secrets) ? (doc.frontMatter!.data!.secrets as unknown[]).filter((s): s is string => typeof s === 'string') : declaredByLines(doc.lines);
  if (which === 'declared') return declared.map((name) => ({ label: name, kind: 'secret' as const, insertText: name + closing, range, detail: 'declared secret' }));
  const refs = [...new Set(scanBody(doc).refs.map((r) => r.name))].filter((n) => !declared.includes(n));
  return refs.map((name) => ({ label: name, kind: 'secret' as const, insertText: name, range, detail: 'referenced in the brief, not declared yet' }));
}

/** Declared names read from the lines when the YAML does not parse (it often does not while typing). */
function declaredByLines(lines: LineIndex): string[] {
  const end = frontMatterEnd(lines);
  if (end === undefined) return [];
  const names: string[] = [];
  let inSecrets = false;
  for (let l = 1; l < end; l++) {
    const t = lines.lineText(l);
    const flow = /^secrets\s*:\s*\[([^\]]*)\]?/.exec(t);
    if (flow) {
      names.push(...flow[1]!.split(',').map((s) => s.trim()).filter(Boolean));
      inSecrets = false;
      continue;
    }
    if (/^secrets\s*:\s*$/.test(t)) {
      inSecrets = true;
      continue;
    }
    if (inSecrets) {
      const m = /^\s+-\s*([\w]+)/.exec(t);
      if (m) names.push(m[1]!);
      else if (!/^\s/.test(t)) inSecrets = false;
    }
  }
  return names;
}

function bodyCompletions(
  text: string,
  position: Position,
  prefix: string,
  lineText: string,
  at: (s: number, e?: number) => Range,
  registry: BriefRegistry | undefined,
): BriefCompletion[] {
  const path = /\/secrets\/([A-Za-z0-9_]*)$/.exec(prefix);
  if (path) return secretNameItems(text, at(prefix.length - path[1]!.length), 'declared');
  const expr = /\$\{secrets\.([A-Za-z0-9_]*)$/.exec(prefix);
  if (expr) return secretNameItems(text, at(prefix.length - expr[1]!.length), 'declared', lineText[position.character] === '}' ? '' : '}');
  const identity = /^[ \t]*(?:[-*+][ \t]+)?(?:\*\*|__)?(persona|role)(?:\*\*|__)?[ \t]*:[ \t]*(?:\*\*|__)?[ \t]*`?([A-Za-z0-9_.+-]*)$/i.exec(prefix);
  if (identity && registry) {
    const range = at(prefix.length - identity[2]!.length);
    if (identity[1]!.toLowerCase() === 'role') return roleItems(range, registry);
    return registry.personas.map((p) => ({ label: p.id, kind: 'persona' as const, insertText: p.id, range, detail: p.skills.length ? `skills: ${p.skills.join(', ')}` : 'no skills' }));
  }
  const heading = /^(\s{0,3})(#{0,6}\s*[A-Za-z ]*)$/.exec(prefix);
  if (heading && (heading[2]!.startsWith('#') || heading[2] === '') && /^[\s#A-Za-z]*$/.test(lineText.slice(position.character))) {
    const doc = parseBrief(text);
    const present = new Set(doc.sections.filter((s) => s.heading.line !== position.line).map((s) => s.known));
    return SECTION_NAMES.filter((n) => !present.has(n)).map((n) => ({
      label: `## ${n}`,
      kind: 'section' as const,
      insertText: `## ${n}`,
      range: at(heading[1]!.length, lineText.length),
      detail: `section ${SECTION_NAMES.indexOf(n) + 1} of 6`,
      documentation: SECTION_DOCS[n],
      sortText: String(SECTION_NAMES.indexOf(n)).padStart(3, '0'),
    }));
  }
  const disable = /<!--\s*brief-disable\b[^>]*?\s(M?B?\d*)$/i.exec(prefix);
  if (disable) {
    const partial = disable[1]!;
    return RULES.map((c) => ({ label: c.code, kind: 'value' as const, insertText: c.code, range: at(prefix.length - partial.length), detail: c.title }));
  }
  return [];
}
