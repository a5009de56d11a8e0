// validateBrief: every rule in docs/brief-rules.md over one parse and one body scan. Pure: the registry of
// personas comes in as data, nothing is read from disk.
import { docUrl, isBriefCode, ruleInfo } from './codes';
import { BriefDocument, Section, findEntry, frontMatterNode, parseBrief } from './parse';
import { hasFileExtension, hasParentSegment, isHostPath, isUnderOutput, moveUnderOutput, pathLike } from './paths';
import { BodyScan, SecretRef, scanBody } from './scan';
import {
  BriefFrontMatterSchema,
  FRONT_MATTER_KEYS,
  KEY_DOCS,
  RESOURCE_KEYS,
  SECRET_NAME_PATTERN,
  SECTION_DOCS,
  SECTION_NAMES,
  SectionName,
  VALUE_ALIASES,
} from './schema';
import { findSecretValues } from './secrets';
import { taskChecks } from './taskChecks';
import { closest, compareRanges, normalizeName } from './text';
import { BriefCode, BriefOptions, BriefRegistry, Finding, FindingData, Range } from './types';

const ORDER = SECTION_NAMES.join(', ');
const MEASURABLE = /^[ \t]{0,3}[-*+][ \t]+\[[ xX]\]|\d|success criteri|acceptance criteri|done when|definition of done/im;
export const PROHIBITION = /\b(?:never|do not|don['’]t|must not|mustn['’]t|may not|shall not|should not|cannot|can['’]t|not allowed|not permitted|forbidden|prohibited|no)\b/i;
/** A list item: the marker, then what it says. */
const LIST_ITEM = /^([ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+)(\S+)(.*)$/;
const NEGATED_LINE = /\b(?:never|not|no|avoid)\b|n['’]t\b/i;
export const IDENTITY_LINE = /^[ \t]*(?:[-*+][ \t]+)?(?:\*\*|__)?(persona|role)(?:\*\*|__)?[ \t]*:[ \t]*(?:\*\*|__)?[ \t]*`?([A-Za-z0-9][A-Za-z0-9_.+-]*)/gim;

/** Everything the editor helpers also need, computed once. */
export interface BriefAnalysis {
  doc: BriefDocument;
  scan: BodyScan;
  findings: Finding[];
}

export function validateBrief(input: string | BriefDocument, options: BriefOptions = {}): Finding[] {
  return analyzeBrief(input, options).findings;
}

export function analyzeBrief(input: string | BriefDocument, options: BriefOptions = {}): BriefAnalysis {
  const doc = typeof input === 'string' ? parseBrief(input) : input;
  const scan = scanBody(doc);
  const v = new Validator(doc, options);
  v.frontMatter();
  v.sections();
  v.content(scan);
  v.secrets(scan);
  v.disables();
  return { doc, scan, findings: v.findings.sort((a, b) => compareRanges(a.range, b.range) || a.code.localeCompare(b.code)) };
}

/** The enum value nearest to what was written: aliases first, then the same level number clamped, then edit distance. */
export function closestValue(value: unknown, allowed: readonly string[]): string | undefined {
  if (allowed.length === 0) return undefined;
  const s = String(value ?? '').trim();
  const alias = VALUE_ALIASES[s.toLowerCase()];
  if (alias && allowed.includes(alias)) return alias;
  const exact = allowed.find((a) => a.toLowerCase() === s.toLowerCase());
  if (exact) return exact;
  const level = /^[A-Za-z]?\s*(\d+)$/.exec(s);
  if (level && allowed.every((a) => /^[A-Z]\d$/.test(a))) {
    const digits = allowed.map((a) => Number(a.slice(1)));
    const d = Math.min(Math.max(Number(level[1]), Math.min(...digits)), Math.max(...digits));
    return `${allowed[0]![0]}${d}`;
  }
  return closest(s, allowed);
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function quote(v: unknown): string {
  if (typeof v === 'string') return `"${v}"`;
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

function list(items: readonly string[], max = 8): string {
  return items.length > max ? `${items.slice(0, max).join(', ')}, …` : items.join(', ');
}

class Validator {
  readonly findings: Finding[] = [];
  private readonly registry: BriefRegistry | undefined;
  private declared: string[] | undefined;

  constructor(private readonly doc: BriefDocument, options: BriefOptions) {
    this.registry = options.registry;
  }

  private add(code: BriefCode, range: Range, message: string, data?: FindingData): void {
    if (this.doc.disabled.has(code)) return;
    this.findings.push({ code, severity: ruleInfo(code).severity, range, message, docUrl: docUrl(code), ...(data ? { data } : {}) });
  }

  private range(start: number, end: number): Range {
    return this.doc.lines.range(start, end);
  }

  // ---- front matter ------------------------------------------------------------------------------------------

  frontMatter(): void {
    const fm = this.doc.frontMatter;
    if (!fm) return;
    if (!fm.closed) {
      this.add('MB010', fm.range, 'The front matter opened with --- on line 1 is never closed. Add a line with --- after the last key.');
      return;
    }
    for (const e of fm.errors.slice(0, 5)) {
      // YAML points at one character; the rest of that line is what a reader needs to see.
      const line = this.doc.lines.lineOf(e.start);
      const end = Math.max(e.end, this.doc.lines.lineEnd(line));
      this.add('MB010', this.range(e.start, end), `The front matter is not valid YAML: ${e.message.replace(/\.$/, '')}. Write one "key: value" per line.`);
    }
    if (fm.errors.length) return;
    if (!fm.data || typeof fm.data !== 'object' || Array.isArray(fm.data)) {
      this.add('MB010', this.range(fm.contentStart, this.doc.lines.lineEnd(fm.closeLine! - 1)), 'The front matter must be a YAML mapping of keys (role: …, persona: …), not a list or a single value.');
      return;
    }
    const data = fm.data;
    const outputDone = this.outputKey(data.output);
    const parsed = BriefFrontMatterSchema.safeParse(data);
    // Keys whose value is malformed get the schema's finding only, not a registry warning on top.
    const malformed = new Set<string>();
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        malformed.add(String(issue.path[0] ?? ''));
        if (outputDone && issue.path[0] === 'output') continue;
        this.schemaIssue(issue as unknown as ZodIssueLike, data);
      }
    }
    if (Array.isArray(data.secrets)) this.declared = data.secrets.filter((s): s is string => typeof s === 'string');
    if (this.registry) this.registryChecks(data, malformed);
    taskChecks(this.doc, data, malformed, this.registry, (code, range, message, d) => this.add(code, range, message, d));
  }

  /** MB030–MB032 on `output`; true when one was reported, so the schema's generic pattern error is not repeated. */
  private outputKey(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    const entry = findEntry(this.doc, 'output');
    if (!entry) return false;
    const moved = moveUnderOutput(value);
    const data = { key: 'output', path: value, suggestion: moved };
    if (isHostPath(value)) {
      this.add('MB031', entry.valueRange, `output "${value}" is a path on your machine; the agent runs in a container where only /output is kept. Use ${moved}.`, data);
    } else if (hasParentSegment(value)) {
      this.add('MB032', entry.valueRange, `output "${value}" uses "..", which climbs out of the folder it names. Use a folder under /output without "..", like ${moved}.`, data);
    } else if (!isUnderOutput(value)) {
      this.add('MB030', entry.valueRange, `output "${value}" is outside /output, and only /output is kept after the run. Use ${moved}.`, data);
    } else {
      return false;
    }
    return true;
  }

  private nodeRange(path: readonly PropertyKey[]): Range {
    const node = frontMatterNode(this.doc, path);
    if (node) return this.range(node.start, node.end);
    const entry = findEntry(this.doc, String(path[0]));
    return entry ? entry.valueRange : this.doc.frontMatter!.range;
  }

  private schemaIssue(issue: ZodIssueLike, data: Record<string, unknown>): void {
    const path = issue.path;
    const dotted = path.filter((p) => typeof p === 'string').join('.');
    if (issue.code === 'unrecognized_keys') {
      const parent = path.length ? `${path.join('.')}.` : '';
      const known: readonly string[] = parent === 'resources.' ? RESOURCE_KEYS : FRONT_MATTER_KEYS;
      for (const key of issue.keys ?? []) {
        const entry = findEntry(this.doc, parent + key);
        // Never suggest a key that is already there: the rename would make a duplicate key.
        const siblings = parent ? findEntry(this.doc, parent.slice(0, -1))?.children ?? [] : this.doc.frontMatter!.entries;
        const free = known.filter((k) => !siblings.some((e) => e.key === k));
        const suggestion = closest(key, free, key.length >= 6 ? 2 : 0);
        const range = entry ? entry.keyRange : this.nodeRange(path);
        const twin = siblings.find((e) => normalizeName(e.key) === normalizeName(key) && e.key !== key);
        const hint = suggestion ? ` Did you mean "${suggestion}"?` : twin ? ` It repeats "${twin.key}"; remove one of the two.` : '';
        this.add(
          'MB011',
          range,
          `Unknown key "${parent}${key}".${hint} Known keys${parent ? ` under ${parent.slice(0, -1)}` : ''}: ${known.join(', ')}.`,
          { key: parent + key, ...(suggestion ? { suggestion } : {}) },
        );
      }
      return;
    }
    const value = valueAt(data, path);
    const range = this.nodeRange(path);
    let allowed: string[] | undefined;
    if (issue.code === 'invalid_value' && issue.values) allowed = issue.values.map(String);
    if (issue.code === 'invalid_union' && typeof value === 'string') {
      const branch = issue.errors?.find((b) => b.length === 1 && b[0]!.code === 'invalid_value' && b[0]!.values);
      if (branch) allowed = branch[0]!.values!.map(String);
    }
    if (allowed) {
      const suggestion = closestValue(value, allowed);
      this.add(
        'MB013',
        range,
        `${dotted} must be one of ${allowed.join(', ')}; ${quote(value)} is not.${suggestion ? ` Did you mean ${suggestion}?` : ''}`,
        { key: dotted, allowed, ...(suggestion ? { suggestion } : {}) },
      );
      return;
    }
    const item = typeof path[path.length - 1] === 'number';
    const label = item ? `${path.slice(0, -1).join('.')}[${String(path[path.length - 1])}]` : dotted;
    const expect = item ? issue.message : KEY_DOCS[dotted]?.expect ?? issue.message;
    // A number written in quotes ("2") is the one type slip with an unambiguous fix.
    const unquoted =
      issue.code === 'invalid_type' && (issue.expected === 'number' || issue.expected === 'int') && typeof value === 'string' && /^\d+(?:\.\d+)?$/.test(value.trim())
        ? value.trim()
        : undefined;
    this.add('MB012', range, `${label} must be ${expect}; got ${quote(value)}.${unquoted ? ` Write ${unquoted} without quotes.` : ''}`, {
      key: dotted,
      ...(unquoted ? { suggestion: unquoted } : {}),
    });
  }

  private registryChecks(data: Record<string, unknown>, malformed: Set<string>): void {
    if (typeof data.persona === 'string' && !malformed.has('persona')) {
      const entry = findEntry(this.doc, 'persona');
      if (entry) this.checkPersona(data.persona, entry.valueRange);
    }
    if (typeof data.role === 'string' && !malformed.has('role')) {
      const entry = findEntry(this.doc, 'role');
      if (entry) this.checkRole(data.role, entry.valueRange);
    }
  }

  private checkPersona(id: string, range: Range): void {
    const ids = this.registry!.personas.map((p) => p.id);
    if (ids.includes(id)) return;
    const suggestion = closest(id, ids, 2);
    this.add(
      'MB050',
      range,
      `Persona "${id}" is not registered in .federation/personas.json.${suggestion ? ` Did you mean "${suggestion}"?` : ''} ${
        ids.length ? `Registered: ${list(ids)}.` : 'No personas are registered yet.'
      } Register it with: federation persona register ${id} --skills …`,
      { ...(suggestion ? { suggestion } : {}) },
    );
  }

  private checkRole(role: string, range: Range): void {
    const reg = this.registry!;
    const names = [...new Set([...reg.personas.flatMap((p) => p.skills), ...reg.personas.map((p) => p.id)])].sort();
    if (names.some((n) => n.toLowerCase() === role.toLowerCase())) return;
    const suggestion = closest(role, names, 2);
    this.add(
      'MB051',
      range,
      `Role "${role}" is neither a skill nor a persona in the registry.${suggestion ? ` Did you mean "${suggestion}"?` : ''} ${
        names.length ? `Known: ${list(names)}.` : 'The registry has no personas yet.'
      } Use one of them, or register a persona with that skill.`,
      { ...(suggestion ? { suggestion } : {}) },
    );
  }

  // ---- sections ----------------------------------------------------------------------------------------------

  sections(): void {
    const { doc } = this;
    const first = new Map<SectionName, Section>();
    const unknown: Section[] = [];
    for (const s of doc.sections) {
      if (!s.known) {
        unknown.push(s);
        continue;
      }
      const prior = first.get(s.known);
      if (prior) {
        this.add(
          'MB003',
          s.heading.range,
          `"## ${s.known}" appears again (first on line ${prior.heading.line + 1}). Merge this text into the first one and delete this heading.`,
          { section: s.known },
        );
      } else first.set(s.known, s);
    }
    const nearMiss = new Map<SectionName, Section>();
    for (const s of unknown) {
      const guess = guessSection(s.name, (n) => !first.has(n));
      if (guess && !nearMiss.has(guess)) nearMiss.set(guess, s);
      this.add(
        'MB005',
        s.heading.range,
        guess
          ? `"## ${s.name}" is not a brief section. Did you mean "## ${guess}"?`
          : `"## ${s.name}" is not one of the brief sections (${ORDER}). Rename it, or make it a ### subsection of the section it belongs to.`,
        guess ? { section: guess, suggestion: guess } : {},
      );
    }
    for (const [i, name] of SECTION_NAMES.entries()) {
      if (first.has(name)) continue;
      const misLevel = doc.headings.find((h) => h.level !== 2 && h.text.trim().toLowerCase() === name.toLowerCase());
      if (misLevel) {
        this.add('MB006', misLevel.range, `"${name}" is a level-${misLevel.level} heading; brief sections are level 2. Write it as "## ${name}".`, { section: name });
        continue;
      }
      const near = nearMiss.get(name);
      const after = [...SECTION_NAMES.slice(0, i)].reverse().find((n) => first.has(n));
      const where = after ? `after "## ${after}"` : first.size ? 'before the other sections' : 'to the brief';
      const anchor = near ? near.heading.range : this.missingAnchor(first, i);
      this.add(
        'MB001',
        anchor,
        near
          ? `The "## ${name}" section is missing; "## ${near.name}" on line ${near.heading.line + 1} looks like it. Rename that heading to "## ${name}".`
          : `The "## ${name}" section is missing. Add it ${where}: ${lowerFirst(SECTION_DOCS[name])}`,
        { section: name, ...(near ? { renameLine: near.heading.line } : {}) },
      );
    }
    for (const [name, s] of first) {
      if (s.empty) this.add('MB002', s.heading.range, `"## ${name}" is empty. Write what belongs here: ${lowerFirst(SECTION_DOCS[name])}`, { section: name });
    }
    this.order(first);
  }

  /** Where a missing section is reported: the heading it should precede, else the one it should follow, else the title or line 1. */
  private missingAnchor(first: Map<SectionName, Section>, index: number): Range {
    const next = SECTION_NAMES.slice(index + 1).find((n) => first.has(n));
    if (next) return first.get(next)!.heading.range;
    const prev = [...SECTION_NAMES.slice(0, index)].reverse().find((n) => first.has(n));
    if (prev) return first.get(prev)!.heading.range;
    if (this.doc.title) return this.doc.title.range;
    const line = this.doc.bodyStartLine;
    return this.doc.lines.lineRange(line);
  }

  private order(first: Map<SectionName, Section>): void {
    const present = [...first.values()].sort((a, b) => a.start - b.start);
    const idx = present.map((s) => SECTION_NAMES.indexOf(s.known!));
    const keep = longestIncreasing(idx);
    for (const [k, s] of present.entries()) {
      if (keep.has(k)) continue;
      const mine = idx[k]!;
      const prev = present.filter((_, j) => keep.has(j) && idx[j]! < mine).pop();
      const next = present.find((_, j) => keep.has(j) && idx[j]! > mine);
      const move = prev ? `Move it after "## ${prev.known}"` : next ? `Move it before "## ${next.known}"` : 'Move it';
      this.add('MB004', s.heading.range, `"## ${s.known}" is out of order; sections go ${ORDER}. ${move}, or use the quick fix to reorder all sections.`, { section: s.known! });
    }
  }

  // ---- content -----------------------------------------------------------------------------------------------

  content(scan: BodyScan): void {
    const { doc } = this;
    const firstOf = (name: SectionName) => doc.sections.find((s) => s.known === name);
    const mission = firstOf('Mission');
    if (mission && !mission.empty && !MEASURABLE.test(doc.text.slice(mission.bodyStart, mission.end))) {
      this.add(
        'MB020',
        mission.heading.range,
        'The Mission has nothing measurable. Add success criteria: a checklist ("- [ ] …"), a number, or a "Done when …" line.',
        { section: 'Mission' },
      );
    }
    const boundaries = firstOf('Boundaries');
    if (boundaries && !boundaries.empty && !PROHIBITION.test(doc.text.slice(boundaries.bodyStart, boundaries.end))) {
      this.add(
        'MB060',
        boundaries.heading.range,
        'Boundaries state no prohibition. Say what the agent must not do, with "never", "do not", "must not" or "no …" (for example "- Do not write outside /output.").',
        { section: 'Boundaries' },
      );
    }
    const identity = firstOf('Identity');
    if (identity && this.registry) {
      const body = doc.text.slice(identity.bodyStart, identity.end);
      IDENTITY_LINE.lastIndex = 0;
      for (let m = IDENTITY_LINE.exec(body); m; m = IDENTITY_LINE.exec(body)) {
        const value = m[2]!;
        if (value === 'TODO') continue;
        const start = identity.bodyStart + m.index + m[0].length - value.length;
        const range = this.range(start, start + value.length);
        if (m[1]!.toLowerCase() === 'persona') this.checkPersona(value, range);
        else this.checkRole(value, range);
      }
    }
    this.paths(scan);
    this.barePaths();
    let block = 0;
    for (const t of scan.todos) {
      const line = doc.lines.lineOf(t.start);
      while (block < doc.codeBlocks.length && doc.codeBlocks[block]!.endLine < line) block++;
      const cb = doc.codeBlocks[block];
      if (cb && cb.startLine <= line) continue;
      this.add('MB007', this.range(t.start, t.end), 'A TODO placeholder is left here. Replace it with the real content before the brief is used.');
    }
  }

  /**
   * MB033: a Resources bullet that starts with a workspace path written bare (`- docs/guide.md`). The package
   * builder takes only `/workspace/…` and paths in code spans or links (packages/references.ts), so that file
   * would silently not reach the agent. Only words pathLike takes for a relative file, that name a file (an
   * extension) or a folder (a trailing slash) or are the whole item: "- and/or …" is prose.
   */
  private barePaths(): void {
    const { doc } = this;
    const resources = doc.sections.find((s) => s.known === 'Resources');
    if (!resources || resources.empty) return;
    const skip = [...doc.codeBlocks, ...doc.comments];
    const first = doc.lines.lineOf(resources.bodyStart);
    const last = doc.lines.lineOf(Math.max(resources.bodyStart, resources.contentEnd - 1));
    for (let line = first; line <= last; line++) {
      if (skip.some((b) => line >= b.startLine && line <= b.endLine)) continue;
      const m = LIST_ITEM.exec(doc.lines.lineText(line));
      if (!m) continue;
      const word = m[2]!.replace(/[.,:;!?]+$/, '');
      const rest = m[3]!.trim();
      if (!word || /[`[\]()<>*_"']/.test(word) || word.startsWith('/workspace')) continue;
      const p = pathLike(word);
      if (!p || p.path === undefined) continue;
      if (!hasFileExtension(word) && !word.endsWith('/') && rest !== '') continue;
      const start = doc.lines.starts[line]! + m[1]!.length;
      this.add(
        'MB033',
        this.range(start, start + word.length),
        `"${word}" is written as a bare path, so the agent does not get it: only code spans and /workspace/… paths are packaged. Write it as \`${word}\` (or /workspace/${p.path}).`,
        { path: word },
      );
    }
  }

  private paths(scan: BodyScan): void {
    const { doc } = this;
    const outputs = doc.sections.filter((s) => s.known === 'Output');
    for (const p of scan.paths) {
      // Cheap tests first: most paths in a brief are fine and cost no allocation.
      const host = isHostPath(p.value);
      const parent = !host && p.value.includes('..') && hasParentSegment(p.value);
      const inOutput = outputs.some((s) => p.start >= s.bodyStart && p.start < s.end);
      const outside = !host && !parent && inOutput && p.value.charCodeAt(0) === 47 && !isUnderOutput(p.value);
      if (!host && !parent && !outside) continue;
      if (outside && NEGATED_LINE.test(doc.lines.lineText(doc.lines.lineOf(p.start)))) continue;
      const moved = moveUnderOutput(p.value);
      const data: FindingData = { path: p.value, ...(inOutput ? { suggestion: moved } : {}) };
      const range = this.range(p.start, p.end);
      if (host) {
        this.add('MB031', range, `"${p.value}" is a path on your machine; it does not exist where the agent runs.${inOutput ? ` Write to ${moved} instead.` : ' Refer to the input by its place in the container, or describe it.'}`, data);
      } else if (parent) {
        this.add('MB032', range, `"${p.value}" uses "..", which climbs out of the folder it starts from.${inOutput ? ` Write to ${moved} instead.` : ' Name the location directly.'}`, data);
      } else {
        this.add('MB030', range, `"${p.value}" is outside /output, and only /output is kept after the run. Write to ${moved} instead.`, data);
      }
    }
  }

  // ---- secrets -----------------------------------------------------------------------------------------------

  secrets(scan: BodyScan): void {
    const { doc } = this;
    for (const m of findSecretValues(doc.text)) {
      this.add(
        'MB041',
        this.range(m.start, m.end),
        `This looks like ${m.label}. Never paste secret values into a brief: remove it, rotate the credential, declare its name under secrets: and refer to it as /secrets/${m.suggestedName}.`,
        { secretKind: m.kind, secret: m.suggestedName },
      );
    }
    const declared = this.declared ?? [];
    const used = new Set<string>();
    for (const r of scan.refs) {
      used.add(r.name);
      if (declared.includes(r.name)) continue;
      this.undeclared(r, declared);
    }
    const seq = frontMatterNode(doc, ['secrets']);
    if (!seq?.items || !this.declared) return;
    for (const [i, name] of this.declared.entries()) {
      const item = seq.items[i];
      if (used.has(name) || !item || !SECRET_NAME_PATTERN.test(name)) continue;
      this.add('MB042', this.range(item.start, item.end), `Secret "${name}" is declared but never referenced. Refer to it as /secrets/${name} where the agent needs it, or remove it from secrets:.`, { secret: name });
    }
  }

  private undeclared(r: SecretRef, declared: string[]): void {
    const suggestion = closest(r.name, declared, 2);
    this.add(
      'MB040',
      this.range(r.start, r.end),
      `Secret "${r.name}" is used but not declared, so the agent will not get it.${suggestion ? ` Did you mean "${suggestion}"?` : ''} Add it to the front matter: secrets: [${r.name}].`,
      { secret: r.name, ...(suggestion ? { suggestion } : {}) },
    );
  }

  disables(): void {
    for (const d of this.doc.disables) {
      for (const c of d.codes) {
        if (c.known || isBriefCode(c.code)) continue;
        this.add('MB090', this.range(c.start, c.end), `"${c.code}" is not a brief code, so nothing is disabled. Use codes from docs/brief-rules.md, like MB020.`);
      }
    }
  }
}

interface ZodIssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
  values?: unknown[];
  expected?: string;
  errors?: ZodIssueLike[][];
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = data;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** A known section an unknown heading probably meant: same word in another form, or a small typo. */
export function guessSection(name: string, allowed: (n: SectionName) => boolean = () => true): SectionName | undefined {
  const norm = normalizeName(name);
  const candidates = SECTION_NAMES.filter(allowed);
  for (const c of candidates) {
    const k = normalizeName(c);
    if (norm === k || norm === k.replace(/ies$/, 'y') || norm === k.replace(/s$/, '') || `${norm}s` === k || norm === `${k}s`) return c;
  }
  return closest(name, candidates, name.length >= 6 ? 2 : 1) as SectionName | undefined;
}

/** Indexes of one longest strictly increasing subsequence: the sections that can stay where they are. */
function longestIncreasing(xs: number[]): Set<number> {
  const len = xs.map(() => 1);
  const prev = xs.map(() => -1);
  for (let i = 0; i < xs.length; i++) {
    for (let j = 0; j < i; j++) {
      if (xs[j]! < xs[i]! && len[j]! + 1 > len[i]!) {
        len[i] = len[j]! + 1;
        prev[i] = j;
      }
    }
  }
  let best = -1;
  for (let i = 0; i < xs.length; i++) if (best < 0 || len[i]! > len[best]!) best = i;
  const keep = new Set<number>();
  for (let i = best; i >= 0; i = prev[i]!) keep.add(i);
  return keep;
}
