// buildPackage: what one consumer type gets, as files plus a manifest, without writing anything. Every file passes
// through the Collector (path safety, label, clearance, redaction); the generated BOOTSTRAP.md answers the six
// questions from what was let in.
import * as path from 'node:path';
import { parseBrief } from '../brief';
import { SECRET_NAME_PATTERN } from '../brief/schema';
import { FederationError, StateFileError, describeError } from '../errors';
import { compareForClaim, hasSkills } from '../federation';
import { applyJournal } from '../federation/state/codec';
import { PersonasFileSchema, QueueFileSchema } from '../federation/state/schemas';
import { Collector, redactText, sha256 } from './collect';
import { CONSUMER_POLICIES, Level, article, clearanceFor, isConsumer, isOperatorLevel, maxLevel } from './model';
import { briefReferences, instructionImports } from './references';
import { BriefFacts, Facts, OUTPUT_SCHEMA, QUESTIONS, renderBootstrap } from './render';
import { BootstrapPackage, PackageManifest, PackageOptions, SecretMount } from './types';
import { CONFIG_PATH, PACKAGE_FORMAT, PACKAGE_LAYOUT, Workspace, checkReference } from './workspace';

/** Instruction files a local session reads, in this order (those that exist). */
export const INSTRUCTION_FILES = ['CLAUDE.md', 'CLAUDE.local.md', '.claude/CLAUDE.md', 'AGENTS.md', '.github/copilot-instructions.md'];
const PERSONAS_PATH = '.federation/personas.json';
const QUEUE_PATH = '.federation/queue.json';
/** Its recent changes, folded in on read (see state/codec.ts). */
const QUEUE_JOURNAL_PATH = '.federation/queue.journal';
/** Procedures a maintenance agent follows. */
export const RULES_DIR = '.federation/rules';
/** A persona's skill documents: `.federation/skills/<skill>.md` and Claude Code's `.claude/skills/<skill>/`. */
export function skillPaths(skill: string): string[] {
  return [`.federation/skills/${skill}.md`, `.claude/skills/${skill}`];
}
const MAX_IMPORT_DEPTH = 4;
const MAX_QUEUED_SHOWN = 10;

function validate(o: PackageOptions): void {
  if (!isConsumer(o.consumer)) throw new FederationError('invalid-input', `Unknown consumer type "${String(o.consumer)}".`, { field: 'consumer' });
  if (!isOperatorLevel(o.operatorLevel)) throw new FederationError('invalid-input', `Unknown operator level "${String(o.operatorLevel)}": use L0, L1, L2 or L3.`, { field: 'operatorLevel' });
  const policy = CONSUMER_POLICIES[o.consumer];
  if (o.persona && o.brief) throw new FederationError('invalid-input', 'Give a persona or a brief, not both.', { field: 'persona' });
  if (policy.persona === 'required' && !o.persona) throw new FederationError('invalid-input', `A ${o.consumer} package is for one persona: give its id.`, { field: 'persona' });
  if (policy.brief === 'required' && !o.brief) throw new FederationError('invalid-input', `A ${o.consumer} package is built from its mission brief: give the brief file.`, { field: 'brief' });
  if (policy.persona === 'unused' && o.persona) throw new FederationError('invalid-input', `A ${o.consumer} package takes no persona.`, { field: 'persona' });
  if (policy.brief === 'unused' && o.brief) throw new FederationError('invalid-input', `A ${o.consumer} package takes no brief.`, { field: 'brief' });
}

/** The brief's workspace-relative path; a brief outside the workspace has no labels to judge it by. */
function briefPath(brief: string, root: string | undefined): string {
  let p = brief.replace(/\\/g, '/');
  if (root && path.isAbsolute(brief)) {
    const rel = path.relative(path.resolve(root), path.resolve(brief));
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new FederationError('outside-workspace', `${brief} is outside the workspace ${root}.`, { file: brief });
    p = rel.split(path.sep).join('/');
  }
  const check = checkReference(p);
  if (!check.ok) throw new FederationError('outside-workspace', `The brief ${brief}: ${check.detail}.`, { file: brief });
  return check.rel;
}

export async function buildPackage(options: PackageOptions): Promise<BootstrapPackage> {
  validate(options);
  const { consumer, operatorLevel } = options;
  const ws = await Workspace.open(options);
  const clearance = clearanceFor(consumer, operatorLevel);
  const c = new Collector(ws, clearance, consumer === 'local-session' && clearance.references);
  const facts: Facts = {
    consumer,
    clearance,
    config: ws.config,
    instructions: [],
    skills: [],
    handoffs: [],
    files: [],
    inlined: [],
    secrets: [],
    rulesDocs: [],
  };
  const brief = options.brief ? briefPath(options.brief, options.root) : undefined;

  if (options.persona) await personaFacts(c, facts, options.persona);
  if (brief) await briefFacts(c, facts, brief, options.briefText, consumer === 'external-llm' ? 'inline' : 'file');

  switch (consumer) {
    case 'local-session':
      await instructionFacts(c, facts);
      break;
    case 'parallel-terminal':
      await skillFacts(c, facts);
      await taskFacts(c, facts, true);
      break;
    case 'remote-agent':
      break;
    case 'maintenance-agent': {
      const config = await c.consider(CONFIG_PATH, { via: 'task rules (config.yaml)', explicit: false, mode: 'file', quietMissing: true });
      if (config) facts.configFile = config.packagePath;
      for (const f of await c.considerReference({ ref: RULES_DIR, path: RULES_DIR }, { via: 'task rules (procedures)', explicit: false, mode: 'file' })) facts.rulesDocs.push(f.packagePath);
      await taskFacts(c, facts, false);
      break;
    }
    case 'external-llm':
      break;
  }

  let bootstrap = renderBootstrap(facts);
  const red = redactText(bootstrap);
  bootstrap = red.text;
  for (const f of red.found) c.redactions.push({ path: 'BOOTSTRAP.md', source: null, ...f });

  const files = [{ path: 'BOOTSTRAP.md', content: bootstrap }, ...c.files()];
  const generated = [{ path: 'BOOTSTRAP.md', content: bootstrap, level: c.inlinedLevel(), redactions: red.found.length }];
  if (consumer === 'external-llm') {
    const schema = `${JSON.stringify(OUTPUT_SCHEMA, null, 2)}\n`;
    files.push({ path: 'output.schema.json', content: schema });
    generated.push({ path: 'output.schema.json', content: schema, level: 'C0', redactions: 0 });
  }
  files.sort((a, b) => (a.path === 'BOOTSTRAP.md' ? -1 : b.path === 'BOOTSTRAP.md' ? 1 : a.path.localeCompare(b.path)));

  const included = [
    ...generated.map((g) => ({ path: g.path, source: null, level: g.level, label: 'generated' as const, via: ['generated'], bytes: Buffer.byteLength(g.content), sha256: sha256(g.content), redactions: g.redactions })),
    ...c.includedEntries(),
  ].sort((a, b) => a.path.localeCompare(b.path) || (a.source ?? '').localeCompare(b.source ?? ''));
  const excluded = c.excludedEntries().sort((a, b) => a.source.localeCompare(b.source));
  const refusals = [
    ...excluded.filter((e) => e.blocking).map((e) => e.detail),
    ...facts.secrets.filter((s) => !s.granted).map((s) => `secret ${s.name}: ${s.detail ?? 'not granted'}`),
  ];
  const effective = included.reduce<Level>((lvl, e) => maxLevel(lvl, e.level), 'C0');
  const manifest: PackageManifest = {
    format: PACKAGE_FORMAT,
    consumer,
    persona: options.persona ?? null,
    brief: brief ?? null,
    operatorLevel,
    clearance: { consumer: clearance.consumerClearance, operatorCeiling: clearance.operatorCeiling, effective: clearance.effective, references: clearance.references },
    layout: QUESTIONS,
    ok: refusals.length === 0,
    refusals,
    included,
    excluded,
    secrets: facts.secrets,
    redactions: c.redactions.sort((a, b) => a.path.localeCompare(b.path) || (a.source ?? '').localeCompare(b.source ?? '') || a.line - b.line || a.column - b.column),
    ignoredRules: ws.ignoredRules,
    notes: [...c.notes, `Highest level of content in this package: ${effective}.`],
  };
  return { files, manifest };
}

async function personaFacts(c: Collector, facts: Facts, id: string): Promise<void> {
  const registry = await c.consider(PERSONAS_PATH, { via: `persona ${id}`, explicit: true, mode: 'inline' });
  if (!registry) {
    facts.personaUnavailable = `the persona registry (${PERSONAS_PATH}) is not available at this clearance`;
    return;
  }
  const personas = parseState(registry.raw, PERSONAS_PATH, PersonasFileSchema).personas;
  const persona = personas.find((p) => p.id === id);
  if (!persona) throw new FederationError('not-found', `No persona "${id}" is registered. Known: ${personas.map((p) => p.id).join(', ') || 'none'}.`, { persona: id });
  facts.persona = persona;
}

async function briefFacts(c: Collector, facts: Facts, rel: string, override: string | undefined, mode: 'file' | 'inline'): Promise<void> {
  if (override === undefined) {
    const r = await c.ws.resolve(rel);
    if (!r.ok && r.reason === 'not-found') throw new FederationError('not-found', `The brief ${rel} does not exist.`, { file: rel });
  }
  const packagePath = mode === 'file' ? PACKAGE_LAYOUT.brief : undefined;
  const got = await c.consider(rel, { via: 'the mission brief', explicit: true, mode, ...(packagePath ? { packagePath } : {}), ...(override !== undefined ? { textOverride: override } : {}) });
  if (!got) {
    c.markBlocking(mode, rel, packagePath);
    // Not even its references are followed: what the brief asks for cannot be judged without shipping it.
    facts.brief = { path: rel, unavailable: true, sections: {}, references: [] };
    return;
  }
  const shown = mode === 'inline' ? c.redactInline(rel, got.raw) : got.text;
  const doc = parseBrief(shown);
  const fm = parseBrief(got.raw).frontMatter?.data ?? {};
  const sections: BriefFacts['sections'] = {};
  for (const s of doc.sections) if (s.known && !sections[s.known]) sections[s.known] = shown.slice(s.bodyStart, s.contentEnd).trim();
  const secretsField = fm['secrets'];
  const names = Array.isArray(secretsField) ? [...new Set(secretsField.filter((n): n is string => typeof n === 'string'))].sort() : [];
  facts.secrets = names.map((name): SecretMount => {
    if (!SECRET_NAME_PATTERN.test(name)) return { name, mount: '', granted: false, detail: 'not a valid secret name' };
    const mount = `/secrets/${name}`;
    if (facts.consumer !== 'remote-agent') return { name, mount, granted: false, detail: `${article(facts.consumer)} ${facts.consumer} gets no secrets` };
    if (!facts.clearance.references) return { name, mount, granted: false, detail: `mounting a secret passes C3 by reference, which only an L3 operator may do (this is ${facts.clearance.operatorLevel})` };
    return { name, mount, granted: true };
  });
  const references: string[] = [];
  for (const ref of briefReferences(got.raw)) {
    for (const f of await c.considerReference(ref, { via: `brief Resources, line ${ref.line + 1}`, explicit: true, mode })) {
      if (!references.includes(f.packagePath)) references.push(f.packagePath);
      if (mode === 'inline') facts.inlined.push({ source: f.source, text: c.redactInline(f.source, f.raw) });
    }
  }
  facts.files.push(...references.filter((p) => p !== 'BOOTSTRAP.md' && !facts.files.includes(p)));
  facts.brief = {
    path: rel,
    unavailable: false,
    ...(doc.title ? { title: doc.title.text } : {}),
    ...(typeof fm['persona'] === 'string' ? { persona: fm['persona'] } : {}),
    ...(typeof fm['role'] === 'string' ? { role: fm['role'] } : {}),
    ...(typeof fm['output'] === 'string' ? { output: fm['output'] } : {}),
    ...(typeof fm['report'] === 'string' ? { report: fm['report'] } : {}),
    sections,
    references,
    ...(mode === 'file' ? { packagePath: got.packagePath } : {}),
  };
}

async function instructionFacts(c: Collector, facts: Facts): Promise<void> {
  const queue: { rel: string; via: string; depth: number }[] = INSTRUCTION_FILES.map((rel) => ({ rel, via: 'instructions file', depth: 0 }));
  const seen = new Set<string>();
  while (queue.length > 0) {
    const { rel, via, depth } = queue.shift()!;
    if (seen.has(rel)) continue;
    seen.add(rel);
    const got = await c.consider(rel, { via, explicit: false, mode: 'file', quietMissing: depth === 0 });
    if (!got) continue;
    facts.instructions.push(got.packagePath);
    if (depth >= MAX_IMPORT_DEPTH) continue;
    for (const imp of instructionImports(got.raw, rel)) {
      const importVia = `import in ${rel}, line ${imp.line + 1}`;
      if (imp.path === undefined) {
        await c.considerReference(imp, { via: importVia, explicit: false, mode: 'file' });
        continue;
      }
      const check = checkReference(imp.path);
      if (!check.ok) await c.considerReference(imp, { via: importVia, explicit: false, mode: 'file' });
      else queue.push({ rel: check.rel, via: importVia, depth: depth + 1 });
    }
  }
}

async function skillFacts(c: Collector, facts: Facts): Promise<void> {
  if (!facts.persona) return;
  for (const skill of facts.persona.skills) {
    const paths: string[] = [];
    for (const p of skillPaths(skill)) {
      const r = await c.ws.resolve(p);
      if (!r.ok && r.reason === 'not-found') continue;
      for (const f of await c.considerReference({ ref: p, path: p }, { via: `skill ${skill}`, explicit: false, mode: 'file' })) paths.push(f.packagePath);
    }
    facts.skills.push({ skill, paths });
  }
}

async function taskFacts(c: Collector, facts: Facts, persona: boolean): Promise<void> {
  const got = await c.consider(QUEUE_PATH, { via: 'task queue', explicit: false, mode: 'inline', quietMissing: true });
  if (!got) {
    facts.tasksUnavailable = (await c.ws.resolve(QUEUE_PATH)).ok ? `the task queue (${QUEUE_PATH}) is not available at this clearance` : 'there is no task queue yet';
    return;
  }
  const base = parseState(got.raw, QUEUE_PATH, QueueFileSchema);
  const journal = await c.consider(QUEUE_JOURNAL_PATH, { via: 'task queue', explicit: false, mode: 'inline', quietMissing: true });
  const tasks = (await applyJournal('queue', { value: base, lines: undefined }, journal?.raw, QUEUE_JOURNAL_PATH, async () => undefined)).value.tasks;
  const counts: Record<string, number> = {};
  for (const t of tasks) counts[t.status] = (counts[t.status] ?? 0) + 1;
  facts.queueCounts = counts;
  const p = facts.persona;
  if (!p) return;
  const mine = tasks.filter((t) => t.assignee === p.id && ['claimed', 'in_progress', 'handed_off'].includes(t.status)).sort(compareForClaim);
  const queued = tasks.filter((t) => t.status === 'queued' && hasSkills(p, t)).sort(compareForClaim);
  facts.tasks = { mine, queued: queued.slice(0, MAX_QUEUED_SHOWN), moreQueued: Math.max(0, queued.length - MAX_QUEUED_SHOWN) };
  if (!persona) return;
  // Handoff documents addressed to the persona: their paths come from a state file, so they are checked like any reference.
  for (const t of mine) {
    if (!t.handoff || t.handoff.to !== p.id) continue;
    const doc = t.handoff.document;
    const absolute = /^(?:[\\/~]|[A-Za-z]:)/.test(doc);
    const found = await c.considerReference({ ref: absolute ? doc : `.federation/${doc}`, path: absolute ? undefined : `.federation/${doc}` }, { via: `handoff of ${t.id}`, explicit: false, mode: 'file' });
    for (const f of found) facts.handoffs.push({ task: t, path: f.packagePath });
  }
}

function parseState<T>(raw: string, file: string, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }): T {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (e) {
    throw new StateFileError(file, '', `not valid JSON (${describeError(e)})`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new StateFileError(file, issue.path.map(String).join('.'), issue.message);
  }
  return parsed.data;
}
