// Hover text (Markdown) for front-matter keys and values, section headings, secret references, persona and
// role values, and codes in brief-disable comments.
import { docUrl, isBriefCode, ruleInfo } from './codes';
import { FrontMatterEntry, parseBrief } from './parse';
import { scanBody } from './scan';
import { KEY_DOCS, SECTION_DOCS, SECTION_NAMES } from './schema';
import { BriefOptions, BriefRegistry, Position, Range } from './types';
import { IDENTITY_LINE } from './validate';

export interface BriefHover {
  range: Range;
  markdown: string;
}

function keyDoc(path: string): string {
  const d = KEY_DOCS[path];
  if (!d) return `\`${path}\` is not a brief key.`;
  const values = d.values ? '\n\n' + Object.entries(d.values).map(([v, m]) => `- \`${v}\`: ${m}`).join('\n') : '';
  return `**${path}**: ${d.summary}${values}\n\nExample: \`${d.example}\``;
}

function personaDoc(id: string, registry: BriefRegistry | undefined): string | undefined {
  if (!registry) return undefined;
  const p = registry.personas.find((x) => x.id === id);
  return p ? `Persona **${p.id}**: skills ${p.skills.length ? p.skills.map((s) => `\`${s}\``).join(', ') : 'none'}.` : `Persona **${id}** is not registered in \`.federation/personas.json\`.`;
}

function roleDoc(role: string, registry: BriefRegistry | undefined): string | undefined {
  if (!registry) return undefined;
  const who = registry.personas.filter((p) => p.skills.some((s) => s.toLowerCase() === role.toLowerCase())).map((p) => p.id);
  return who.length ? `Role **${role}**: a skill of ${who.map((w) => `\`${w}\``).join(', ')}.` : `Role **${role}** is not a skill of any registered persona.`;
}

function flatten(entries: FrontMatterEntry[]): FrontMatterEntry[] {
  return entries.flatMap((e) => [e, ...flatten(e.children ?? [])]);
}

export function hoverBrief(text: string, position: Position, options: BriefOptions = {}): BriefHover | undefined {
  const doc = parseBrief(text);
  const offset = doc.lines.offsetAt(position);
  const within = (s: number, e: number) => offset >= s && offset <= e;
  const fm = doc.frontMatter;
  if (fm && offset < doc.bodyStart) {
    for (const e of flatten(fm.entries)) {
      if (within(e.keyStart, e.keyEnd)) return { range: e.keyRange, markdown: keyDoc(e.path) };
      if (within(e.valueStart, e.valueEnd) && !e.children) {
        const value = typeof e.value === 'string' ? e.value : undefined;
        const meaning = value !== undefined ? KEY_DOCS[e.path]?.values?.[value] : undefined;
        const extra = value === undefined ? undefined : e.path === 'persona' ? personaDoc(value, options.registry) : e.path === 'role' ? roleDoc(value, options.registry) : undefined;
        const head = meaning ? `**${value}**: ${meaning}` : extra;
        return { range: e.valueRange, markdown: head ? `${head}\n\n---\n\n${keyDoc(e.path)}` : keyDoc(e.path) };
      }
    }
    return undefined;
  }
  const line = position.line;
  const heading = doc.headings.find((h) => h.line === line);
  if (heading) {
    const section = doc.sections.find((s) => s.heading === heading);
    if (section?.known) {
      return { range: heading.range, markdown: `**${section.known}** (section ${SECTION_NAMES.indexOf(section.known) + 1} of 6): ${SECTION_DOCS[section.known]}` };
    }
    if (heading.level === 2) return { range: heading.range, markdown: `Not a brief section. The sections are ${SECTION_NAMES.join(', ')}.` };
    return undefined;
  }
  for (const r of scanBody(doc).refs) {
    if (!within(r.start - (r.form === 'path' ? 9 : 10), r.end)) continue;
    const declared = Array.isArray(fm?.data?.secrets) && (fm!.data!.secrets as unknown[]).includes(r.name);
    return {
      range: doc.lines.range(r.start, r.end),
      markdown: `Secret **${r.name}**: mounted read-only at \`/secrets/${r.name}\`. ${declared ? 'Declared in the front matter.' : 'Not declared: add it to `secrets:` in the front matter, or the agent will not get it.'}`,
    };
  }
  for (const d of doc.disables) {
    if (d.line !== line) continue;
    for (const c of d.codes) {
      if (!within(c.start, c.end)) continue;
      const range = doc.lines.range(c.start, c.end);
      if (!isBriefCode(c.code)) return { range, markdown: `\`${c.code}\` is not a brief code.` };
      const info = ruleInfo(c.code);
      return { range, markdown: `**${c.code}** (${info.severity}): ${info.title}. [Documentation](${docUrl(c.code)})` };
    }
  }
  const identity = doc.sections.find((s) => s.known === 'Identity');
  if (identity && offset >= identity.bodyStart && offset < identity.end) {
    const lineStart = doc.lines.starts[line]!;
    const lineText = doc.lines.lineText(line);
    IDENTITY_LINE.lastIndex = 0;
    const m = IDENTITY_LINE.exec(lineText);
    IDENTITY_LINE.lastIndex = 0;
    if (m) {
      const value = m[2]!;
      const start = lineStart + m.index + m[0].length - value.length;
      if (within(start, start + value.length)) {
        const md = m[1]!.toLowerCase() === 'persona' ? personaDoc(value, options.registry) : roleDoc(value, options.registry);
        if (md) return { range: doc.lines.range(start, start + value.length), markdown: md };
      }
    }
  }
  return undefined;
}
