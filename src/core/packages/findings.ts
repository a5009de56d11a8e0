// Brief findings about clearance: what a mission brief asks for that its agent will not get. Same shape as the
// brief validator's findings (LSP ranges, severity, docUrl) with PK codes, so the editor merges them into one
// diagnostics list. Reads the workspace only through the port; writes nothing.
import { Range, Severity, parseBrief } from '../brief';
import { findEntry, frontMatterNode } from '../brief/parse';
import { SECRET_NAME_PATTERN } from '../brief/schema';
import { Collector } from './collect';
import { labelFile } from './labels';
import { Consumer, Level, OperatorLevel, article, clearanceFor, rank } from './model';
import { briefReferences } from './references';
import { ExcludedEntry } from './types';
import { Workspace, WorkspaceOptions } from './workspace';

export const PACKAGE_DOCS = 'https://github.com/agent-federation/agent-federation/blob/main/docs/packages.md';

export type ClearanceCode = 'PK001' | 'PK002' | 'PK003' | 'PK004' | 'PK005' | 'PK006' | 'PK007';

/**
 * `refuses`: what the finding reports makes buildPackage refuse the package (a blocking exclusion or a secret not
 * granted), and so Deploy Agent refuses the brief. PK007 stays a warning in the editor, where the brief may be
 * meant for an L3 operator; `brief validate` and deploy go by `refuses`.
 */
export const CLEARANCE_RULES: Record<ClearanceCode, { severity: Severity; title: string; refuses: boolean }> = {
  PK001: { severity: 'error', title: 'A file the brief names is above the agent’s clearance', refuses: true },
  PK002: { severity: 'error', title: 'A path climbs out of the workspace or into a folder never packaged', refuses: true },
  PK003: { severity: 'warning', title: 'Some files of a folder or glob the brief names will be left out', refuses: false },
  PK004: { severity: 'warning', title: 'A file the brief names cannot be packaged (missing, binary, too large)', refuses: false },
  PK005: { severity: 'info', title: 'An absolute path is not a workspace file and is never packaged', refuses: false },
  PK006: { severity: 'error', title: 'The brief itself is labelled above the agent’s clearance', refuses: true },
  PK007: { severity: 'warning', title: 'The brief’s secrets need an L3 operator to be mounted', refuses: true },
};

export interface ClearanceFinding {
  code: ClearanceCode;
  severity: Severity;
  range: Range;
  message: string;
  docUrl: string;
  /** The package is refused for this (see CLEARANCE_RULES). */
  refuses: boolean;
  data: { path?: string; level?: Level; clearance: Level; reason: string };
}

export interface ClearanceOptions {
  /** Who the brief is for; default remote-agent. */
  consumer?: Consumer;
  /** The operator's level; without it only the consumer's own clearance is checked (and secrets are not). */
  operatorLevel?: OperatorLevel;
  /** The brief's workspace path, so that path rules label it too. */
  briefPath?: string;
}

const SEVERE = new Set(['above-clearance', 'confidential', 'unreadable-label']);
const ESCAPES = new Set(['traversal', 'symlink-outside', 'never-packaged']);

/** Findings for every reference in the brief's Resources, for the brief's own label and for its secrets. */
export async function briefClearanceFindings(briefText: string, workspace: Workspace | WorkspaceOptions, options: ClearanceOptions = {}): Promise<ClearanceFinding[]> {
  const ws = workspace instanceof Workspace ? workspace : await Workspace.open(workspace);
  const consumer = options.consumer ?? 'remote-agent';
  const clearance = clearanceFor(consumer, options.operatorLevel ?? 'L3');
  const eff = clearance.effective;
  const doc = parseBrief(briefText);
  const lines = doc.lines;
  const out: ClearanceFinding[] = [];
  const add = (code: ClearanceCode, range: Range, message: string, data: Omit<ClearanceFinding['data'], 'clearance'>) =>
    out.push({ code, severity: CLEARANCE_RULES[code].severity, range, message, docUrl: `${PACKAGE_DOCS}#${code.toLowerCase()}`, refuses: CLEARANCE_RULES[code].refuses, data: { ...data, clearance: eff } });

  const own = labelFile(options.briefPath ?? 'MISSION_BRIEF.md', briefText, ws.config.confidentiality);
  if (own.source === 'unreadable' || rank(own.level) > rank(eff)) {
    const entry = findEntry(doc, 'confidentiality');
    const range = entry ? entry.valueRange : lines.lineRange(0);
    const why = own.source === 'unreadable' ? `counts as C3 because ${own.problem ?? 'its label cannot be read'}` : `is ${own.level}${own.source === 'path-rule' ? ` (path rule ${own.rule ?? ''})` : ''}`;
    add('PK006', range, `This brief ${why}; ${article(consumer)} ${consumer} is cleared for ${eff}, so it cannot be given this brief.`, { level: own.level, reason: own.source === 'unreadable' ? 'unreadable-label' : 'above-clearance' });
  }

  for (const ref of briefReferences(briefText, doc)) {
    const range = lines.range(ref.start, ref.end);
    // One collector per reference, so that each exclusion maps back to the words that caused it.
    const c = new Collector(ws, clearance, false);
    const got = await c.considerReference(ref, { via: 'brief', explicit: true, mode: 'file' });
    const excluded = c.excludedEntries();
    const blocking = excluded.filter((e) => e.blocking);
    for (const e of blocking) {
      if (ESCAPES.has(e.reason)) add('PK002', range, `${ref.ref}: ${e.detail}. It is never packaged.`, { path: e.source, reason: e.reason });
      else add('PK001', range, `${ref.ref}: ${clause(e)}; ${article(consumer)} ${consumer} is cleared for ${eff}, so the agent will not get it and the package is refused.`, fields(e));
    }
    if (blocking.length) continue;
    const dropped = excluded.filter((e) => SEVERE.has(e.reason) || ESCAPES.has(e.reason));
    if (dropped.length) {
      const list = dropped.slice(0, 5).map((e) => `${e.source} (${e.level ?? e.reason})`).join(', ');
      add('PK003', range, `${ref.ref}: ${dropped.length} file${dropped.length === 1 ? '' : 's'} will be left out (${list}${dropped.length > 5 ? ', …' : ''}); ${got.length} will be packaged.`, { path: ref.path ?? ref.ref, reason: 'partial' });
    }
    for (const e of excluded) {
      if (e.reason === 'absolute-path') add('PK005', range, `${ref.ref} is an absolute path, not a workspace file: it is never packaged. Name the file by its place under /workspace.`, { reason: e.reason });
      else if (['not-found', 'binary', 'too-large', 'unreadable', 'link-loop', 'not-a-file'].includes(e.reason)) add('PK004', range, `${ref.ref}: ${e.detail}.`, { path: e.source, reason: e.reason });
    }
  }

  if (options.operatorLevel && consumer === 'remote-agent' && !clearance.references) {
    const secrets = doc.frontMatter?.data?.['secrets'];
    if (Array.isArray(secrets) && secrets.some((s) => typeof s === 'string' && SECRET_NAME_PATTERN.test(s))) {
      const node = frontMatterNode(doc, ['secrets']);
      const range = node ? lines.range(node.start, node.end) : (findEntry(doc, 'secrets')?.valueRange ?? lines.lineRange(0));
      add('PK007', range, `Mounting secrets passes C3 by reference, which only an L3 operator may do; your operator level is ${options.operatorLevel}, so this brief's package is refused.`, { reason: 'operator-level' });
    }
  }
  return out.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || a.code.localeCompare(b.code));
}

function clause(e: ExcludedEntry): string {
  if (e.reason === 'unreadable-label') return `${e.source} counts as C3 (its label cannot be read)`;
  if (e.reason === 'confidential') return `${e.source} is C3 and is never inlined`;
  return `${e.source} is ${e.level ?? 'above the clearance'}`;
}

function fields(e: ExcludedEntry): Omit<ClearanceFinding['data'], 'clearance'> {
  return { path: e.source, ...(e.level ? { level: e.level } : {}), reason: e.reason };
}
