// `federation brief validate FILE|GLOB… [--format text|json|sarif] [--fix] [--operator-level L0..L3]`: checks
// MISSION_BRIEF files in CI, and what Deploy Agent would refuse in a brief of the workspace (deployFindings: a
// network allow-list, the remote-agent package's clearance at the operator level). Exit 0 when no file has an
// error (warnings and infos do not fail), 1 otherwise.
import { pathToFileURL } from 'node:url';
import { BriefFileResult, summarizeBriefs } from '../../core/agents/briefCheck';
import { AGENT_DOCS, DEPLOY_RULES } from '../../core/agents/deployFindings';
import { RULES } from '../../core/brief';
import { CLEARANCE_RULES, OPERATOR_LEVELS, OperatorLevel, PACKAGE_DOCS } from '../../core/packages';
import { boolFlag, choiceFlag, defineCommand } from '../args';
import { printable } from '../printable';
import { CliCommand, EXIT } from '../types';
import { DEFAULT_OPERATOR_LEVEL } from './package';

const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];

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
    const operatorLevel: OperatorLevel = choiceFlag(args, 'operator-level', OPERATOR_LEVELS) ?? DEFAULT_OPERATOR_LEVEL;
    const checker = ctx.services.briefs((m) => ctx.err(`federation brief: ${m}`));
    const results = await checker.check(await checker.expand(patterns), { operatorLevel, fix: boolFlag(args, 'fix') });

    if (format === 'json') ctx.out(JSON.stringify({ files: results, summary: summarizeBriefs(results), operatorLevel }, null, 2));
    else if (format === 'sarif') ctx.out(JSON.stringify(toSarif(ctx.root, results), null, 2));
    else ctx.out(toText(results));
    return results.some((r) => r.findings.some((f) => f.severity === 'error')) ? EXIT.error : EXIT.ok;
  },
);

function counts(s: { errors: number; warnings: number; infos: number }): string {
  const n = (k: number, w: string) => `${k} ${w}${k === 1 ? '' : 's'}`;
  return `${n(s.errors, 'error')}, ${n(s.warnings, 'warning')}, ${n(s.infos, 'info')}`;
}

/** `file:line:col: severity CODE message`, 1-based, which terminals and editors turn into links. */
function toText(results: BriefFileResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    for (const f of r.findings) out.push(`${r.file}:${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.severity} ${f.code} ${f.message}`);
    const s = summarizeBriefs([r]);
    const fixed = r.fixed ? ` (fixed ${r.fixed})` : '';
    const deploy = r.deploy === null ? ' (not checked for deploy: outside the workspace)' : r.deploy.refused ? `; Deploy Agent refuses it at operator level ${r.deploy.operatorLevel}` : '';
    out.push(r.findings.length ? `${r.file}: ${counts(s)}${fixed}${deploy}` : `${r.file}: ok${fixed}${deploy}`);
  }
  if (results.length > 1) out.push(`${results.length} briefs: ${counts(summarizeBriefs(results))}`);
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
