// `federation brief validate FILE|GLOB… [--format text|json|sarif] [--fix] [--operator-level L0..L3]`: checks
// MISSION_BRIEF files in CI, and what Deploy Agent would refuse in a brief of the workspace (deployFindings: a
// network allow-list, the remote-agent package's clearance at the operator level). Exit 0 when no file has an
// error (warnings and infos do not fail), 1 otherwise.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AGENT_DOCS, DEPLOY_RULES, deployFindings, type DeployFinding } from '../../core/agents/deployFindings';
import { BriefRegistry, Finding, RULES, fixAll, isBriefFileName, validateBrief } from '../../core/brief';
import { FederationError } from '../../core/errors';
import { matchesGlob } from '../../core/glob';
import { CLEARANCE_RULES, OPERATOR_LEVELS, OperatorLevel, PACKAGE_DOCS, Workspace } from '../../core/packages';
import { PersonasFileSchema } from '../../core/federation/state/schemas';
import { boolFlag, choiceFlag, defineCommand } from '../args';
import { printable } from '../printable';
import { CliCommand, CliContext, EXIT } from '../types';
import { DEFAULT_OPERATOR_LEVEL } from './package';

const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];
const SKIP_DIRS = new Set(['node_modules', '.git']);

export interface BriefFileResult {
  /** Relative to --root with forward slashes (absolute when outside it). */
  file: string;
  findings: (Finding | DeployFinding)[];
  /** With --fix: how many fixes were written. */
  fixed?: number;
  /** What deploying it was checked against; null for a brief outside the workspace (and any .federation folder). */
  deploy: { operatorLevel: OperatorLevel; refused: boolean } | null;
}

export const briefCommand: CliCommand = defineCommand(
  'brief',
  {
    validate: {
      usage: `FILE|GLOB... [--format ${FORMATS.join('|')}] [--fix] [--operator-level L0..L3]`,
      words: ['FILE|GLOB...'],
      flags: { format: FORMATS, fix: 'bool', 'operator-level': OPERATOR_LEVELS },
    },
  },
  async (ctx, args) => {
    const patterns = args.positionals.slice(1);
    const format: Format = choiceFlag(args, 'format', FORMATS) ?? (ctx.json ? 'json' : 'text');
    const fix = boolFlag(args, 'fix');
    const operatorLevel: OperatorLevel = choiceFlag(args, 'operator-level', OPERATOR_LEVELS) ?? DEFAULT_OPERATOR_LEVEL;

    const files = await expand(ctx.root, patterns);
    const registry = await loadRegistry(ctx);
    const options = registry ? { registry } : {};
    const results: BriefFileResult[] = [];
    const workspaces = new Map<string, Promise<Workspace>>();
    for (const abs of files) {
      const raw = await fs.readFile(abs, 'utf8');
      // Editors hide a byte-order mark; dropping it keeps columns the same as the editor's.
      const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      const file = display(ctx.root, abs);
      let checked = text;
      let result: Omit<BriefFileResult, 'deploy'>;
      if (fix) {
        const r = fixAll(text, options);
        if (r.text !== text) await fs.writeFile(abs, (raw === text ? '' : '\uFEFF') + r.text);
        checked = r.text;
        result = { file, findings: r.remaining, fixed: r.fixed };
      } else {
        result = { file, findings: validateBrief(text, options) };
      }
      const root = await workspaceOf(ctx.root, abs);
      if (root === undefined) {
        results.push({ ...result, deploy: null });
        continue;
      }
      if (!workspaces.has(root)) workspaces.set(root, Workspace.open({ root, disk: ctx.services.ports.fs }));
      const more = await deployFindings(checked, await workspaces.get(root)!, { operatorLevel, briefPath: path.relative(root, abs).split(path.sep).join('/') });
      const findings = [...result.findings, ...more].sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || a.code.localeCompare(b.code));
      // Deploy refuses any brief with an error: the validator's, or one of these.
      results.push({ ...result, findings, deploy: { operatorLevel, refused: findings.some((f) => f.severity === 'error') } });
    }

    if (format === 'json') ctx.out(JSON.stringify({ files: results, summary: summarize(results), operatorLevel }, null, 2));
    else if (format === 'sarif') ctx.out(JSON.stringify(toSarif(ctx.root, results), null, 2));
    else ctx.out(toText(results));
    return results.some((r) => r.findings.some((f) => f.severity === 'error')) ? EXIT.error : EXIT.ok;
  },
);

/**
 * The workspace a brief is deployed from: --root (the current folder by default) when the brief is inside it,
 * else the nearest folder above the brief that holds a .federation folder; undefined when there is none.
 */
async function workspaceOf(root: string, abs: string): Promise<string | undefined> {
  const rel = path.relative(root, abs);
  if (!rel.startsWith('..') && !path.isAbsolute(rel)) return root;
  for (let dir = path.dirname(abs); ; dir = path.dirname(dir)) {
    if (await fs.stat(path.join(dir, '.federation')).then((st) => st.isDirectory(), () => false)) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function display(root: string, abs: string): string {
  const rel = path.relative(root, abs);
  return rel.startsWith('..') || path.isAbsolute(rel) ? abs.split(path.sep).join('/') : rel.split(path.sep).join('/');
}

async function walk(root: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (dir: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) await visit(path.join(dir, e.name));
      } else if (e.isFile()) out.push(path.join(dir, e.name));
    }
  };
  await visit(root);
  return out.sort();
}

/**
 * Files named on the command line are checked whatever their name; globs and folders are expanded by walking
 * the tree (skipping node_modules and .git) and keep only brief file names.
 */
export async function expand(root: string, patterns: string[]): Promise<string[]> {
  const found = new Set<string>();
  let tree: string[] | undefined;
  for (const p of patterns) {
    if (/[*?{]/.test(p)) {
      tree ??= await walk(root);
      const abs = path.isAbsolute(p) ? p : path.join(root, p);
      const glob = path.relative(root, abs).split(path.sep).join('/').replace(/^\.\//, '');
      const matches = tree.filter((f) => isBriefFileName(f) && matchesGlob(path.relative(root, f).split(path.sep).join('/'), glob));
      if (!matches.length) throw new FederationError('not-found', `no brief file matches "${p}" under ${root}`, { pattern: p });
      matches.forEach((m) => found.add(m));
      continue;
    }
    const abs = path.resolve(root, p);
    const stat = await fs.stat(abs).catch(() => undefined);
    if (!stat) throw new FederationError('not-found', `${p}: no such file or folder`, { file: p });
    if (stat.isDirectory()) {
      const matches = (await walk(abs)).filter(isBriefFileName);
      if (!matches.length) throw new FederationError('not-found', `no brief file in ${p}`, { folder: p });
      matches.forEach((m) => found.add(m));
    } else found.add(abs);
  }
  return [...found].sort();
}

async function loadRegistry(ctx: CliContext): Promise<BriefRegistry | undefined> {
  const file = path.join(ctx.root, '.federation', 'personas.json');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = PersonasFileSchema.safeParse(JSON.parse(text));
    if (parsed.success) return { personas: parsed.data.personas.map((p) => ({ id: p.id, skills: p.skills })) };
  } catch {
    /* reported below */
  }
  ctx.err(`federation brief: ignoring ${file}: it is not a valid personas file, so personas and roles are not checked`);
  return undefined;
}

function summarize(results: BriefFileResult[]): { files: number; errors: number; warnings: number; infos: number } {
  const all = results.flatMap((r) => r.findings);
  return {
    files: results.length,
    errors: all.filter((f) => f.severity === 'error').length,
    warnings: all.filter((f) => f.severity === 'warning').length,
    infos: all.filter((f) => f.severity === 'info').length,
  };
}

function counts(s: { errors: number; warnings: number; infos: number }): string {
  const n = (k: number, w: string) => `${k} ${w}${k === 1 ? '' : 's'}`;
  return `${n(s.errors, 'error')}, ${n(s.warnings, 'warning')}, ${n(s.infos, 'info')}`;
}

/** `file:line:col: severity CODE message`, 1-based, which terminals and editors turn into links. */
function toText(results: BriefFileResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    for (const f of r.findings) out.push(`${r.file}:${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.severity} ${f.code} ${f.message}`);
    const s = summarize([r]);
    const fixed = r.fixed ? ` (fixed ${r.fixed})` : '';
    const deploy = r.deploy === null ? ' (not checked for deploy: outside the workspace)' : r.deploy.refused ? `; Deploy Agent refuses it at operator level ${r.deploy.operatorLevel}` : '';
    out.push(r.findings.length ? `${r.file}: ${counts(s)}${fixed}${deploy}` : `${r.file}: ok${fixed}${deploy}`);
  }
  if (results.length > 1) out.push(`${results.length} briefs: ${counts(summarize(results))}`);
  // File names and quoted brief text are the workspace's: each line stays one line, its controls escaped.
  return out.map((l) => printable(l, { oneLine: true })).join('\n');
}

const SARIF_LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;

/** SARIF 2.1.0 as GitHub code scanning reads it: rules with helpUri, results with 1-based regions. */
export function toSarif(root: string, results: BriefFileResult[]): Record<string, unknown> {
  const BRIEF_DOCS = 'https://github.com/agent-federation/agent-federation/blob/main/docs/brief-rules.md';
  // The validator's rules, then deploy's own (AG) and the package's clearance rules (PK), each with its doc page.
  const rules = [
    ...RULES.map((r) => ({ ...r, docs: BRIEF_DOCS })),
    ...Object.entries(DEPLOY_RULES).map(([code, r]) => ({ code, ...r, docs: AGENT_DOCS })),
    ...Object.entries(CLEARANCE_RULES).map(([code, r]) => ({ code, name: `Clearance${code}`, severity: r.refuses ? ('error' as const) : r.severity, title: r.title, docs: PACKAGE_DOCS })),
  ];
  const ruleIndex = new Map<string, number>(rules.map((r, i) => [r.code, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'federation-brief',
            informationUri: BRIEF_DOCS,
            rules: rules.map((r) => ({
              id: r.code,
              name: r.name,
              shortDescription: { text: r.title },
              fullDescription: { text: `${r.title}.` },
              helpUri: `${r.docs}#${r.code.toLowerCase()}`,
              help: { text: `${r.title}. See ${r.docs}#${r.code.toLowerCase()}` },
              defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
              properties: { tags: r.code === 'MB041' ? ['mission-brief', 'security'] : ['mission-brief'], ...(r.code === 'MB041' ? { 'security-severity': '8.0' } : {}) },
            })),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(root).href.replace(/\/?$/, '/') } },
        columnKind: 'utf16CodeUnits',
        results: results.flatMap((r) =>
          r.findings.map((f) => ({
            ruleId: f.code,
            ruleIndex: ruleIndex.get(f.code),
            level: SARIF_LEVEL[f.severity],
            message: { text: f.message },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: /^(?:[A-Za-z]:)?\//.test(r.file) ? { uri: pathToFileURL(r.file).href } : { uri: encodeURI(r.file), uriBaseId: '%SRCROOT%' },
                  region: {
                    startLine: f.range.start.line + 1,
                    startColumn: f.range.start.character + 1,
                    endLine: f.range.end.line + 1,
                    endColumn: f.range.end.character + 1,
                  },
                },
              },
            ],
          })),
        ),
      },
    ],
  };
}
