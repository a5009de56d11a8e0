// `federation brief validate` as shipped (dist/cli.js in a process): text, JSON and SARIF output, exit codes,
// globs, folders, the registry and --fix.
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCli, type CliResult } from '../../helpers/cli';
import { useTempDir } from '../../helpers/tmp';
import { FIXTURES, REGISTRY } from './helpers';

describe('federation brief validate', () => {
  const tmp = useTempDir('brief-cli-');

  /** The command line as a user types it; with json, the global --json. */
  function run(argv: string[], json = false): Promise<CliResult> {
    return runCli([...(json ? ['--json'] : []), ...argv], { cwd: tmp.path });
  }

  /** A known failure: exit 1 and the typed error's reason in the JSON error on stderr. */
  async function failsWith(argv: string[], reason: string): Promise<void> {
    const r = await run(argv, true);
    assert.equal(r.code, 1, r.err);
    assert.equal(JSON.parse(r.err).error.reason, reason);
  }


  function fixture(name: string, to = name): string {
    const dest = path.join(tmp.path, to);
    mkdirSync(path.dirname(dest), { recursive: true });
    copyFileSync(path.join(FIXTURES, name), dest);
    return dest;
  }

  /** valid.brief.md as Deploy Agent takes it: no network allow-list (its secret still needs an L3 operator). */
  function deployable(to: string): string {
    const dest = fixture('valid.brief.md', to);
    writeFileSync(dest, readFileSync(dest, 'utf8').replace('network: [api.github.com]', 'network: internal'));
    return dest;
  }

  function registry(): void {
    mkdirSync(path.join(tmp.path, '.federation'), { recursive: true });
    const personas = REGISTRY.personas.map((p) => ({ ...p, displayName: p.id, status: 'idle', runsIn: 'agent', lastHeartbeat: null, registeredAt: '2026-01-01T00:00:00.000Z' }));
    writeFileSync(path.join(tmp.path, '.federation', 'personas.json'), JSON.stringify({ version: 1, revision: 1, personas }));
  }

  it('exit 0 and "ok" for a valid brief that Deploy Agent takes at the operator level', async () => {
    deployable('valid.brief.md');
    const r = await run(['brief', 'validate', 'valid.brief.md', '--operator-level', 'L3']);
    assert.equal(r.code, 0);
    assert.equal(r.out, 'valid.brief.md: ok\n');
  });

  it('exit 1 with file:line:col lines (1-based) when a brief has errors', async () => {
    fixture('broken.brief.md', 'briefs/broken.brief.md');
    const r = await run(['brief', 'validate', 'briefs/broken.brief.md']);
    assert.equal(r.code, 1);
    const lines = r.out.trim().split('\n');
    assert.ok(lines.includes('briefs/broken.brief.md:4:18: error MB013 confidentiality must be one of C0, C1, C2, C3; "C5" is not. Did you mean C3?'), r.out);
    assert.match(lines[lines.length - 1]!, /^briefs\/broken\.brief\.md: \d+ errors, \d+ warnings, 1 info; Deploy Agent refuses it at operator level L1$/);
  });

  it('exit 0 when there are only warnings', async () => {
    fixture('content.brief.md');
    const r = await run(['brief', 'validate', 'content.brief.md', '--format', 'json']);
    assert.equal(r.code, 0);
    assert.equal(JSON.parse(r.out).summary.errors, 0);
    assert.ok(JSON.parse(r.out).summary.warnings > 0);
  });

  it('JSON: the findings per file (0-based ranges) and a summary; --json works as --format json', async () => {
    fixture('valid.brief.md');
    fixture('paths.brief.md');
    const r = await run(['brief', 'validate', '*.brief.md'], true);
    assert.equal(r.code, 1);
    const json = JSON.parse(r.out) as { files: { file: string; findings: { code: string; range: unknown; docUrl: string }[] }[]; summary: Record<string, number> };
    assert.deepEqual(json.files.map((f) => f.file), ['paths.brief.md', 'valid.brief.md']);
    assert.deepEqual(json.files[0]!.findings[0], {
      code: 'MB030',
      severity: 'error',
      range: { start: { line: 1, character: 8 }, end: { line: 1, character: 16 } },
      message: 'output "results/" is outside /output, and only /output is kept after the run. Use /output/results/.',
      docUrl: 'https://github.com/agent-federation/agent-federation/blob/main/docs/brief-rules.md#mb030',
      data: { key: 'output', path: 'results/', suggestion: '/output/results/' },
    });
    // 10 of the validator; AG001 and PK007 for valid.brief.md at L1, PK005 for the host path in paths.brief.md.
    assert.deepEqual(json.summary, { files: 2, errors: 12, warnings: 0, infos: 1 });
  });

  it('SARIF 2.1.0 for code scanning: rules with helpUri, results with 1-based regions relative to the root', async () => {
    fixture('broken.brief.md', 'docs/broken.brief.md');
    const r = await run(['brief', 'validate', 'docs', '--format', 'sarif']);
    assert.equal(r.code, 1);
    const sarif = JSON.parse(r.out);
    assert.equal(sarif.version, '2.1.0');
    assert.equal(sarif.$schema, 'https://json.schemastore.org/sarif-2.1.0.json');
    const run0 = sarif.runs[0];
    const rules = run0.tool.driver.rules as { id: string; helpUri: string; defaultConfiguration: { level: string } }[];
    // The validator's 26, deploy's AG001 and the package's PK001–PK007.
    assert.equal(rules.length, 34);
    const docs = { MB: 'brief-rules.md', AG: 'agents.md', PK: 'packages.md' } as Record<string, string>;
    for (const rule of rules) assert.equal(rule.helpUri, `https://github.com/agent-federation/agent-federation/blob/main/docs/${docs[rule.id.slice(0, 2)]}#${rule.id.toLowerCase()}`);
    assert.equal(rules.find((x) => x.id === 'MB042')!.defaultConfiguration.level, 'note');
    const result = run0.results.find((x: { ruleId: string }) => x.ruleId === 'MB013');
    assert.equal(rules[result.ruleIndex]!.id, 'MB013');
    assert.equal(result.level, 'error');
    assert.deepEqual(result.locations[0].physicalLocation, {
      artifactLocation: { uri: 'docs/broken.brief.md', uriBaseId: '%SRCROOT%' },
      region: { startLine: 4, startColumn: 18, endLine: 4, endColumn: 20 },
    });
    assert.ok(run0.originalUriBaseIds['%SRCROOT%'].uri.startsWith('file:///'));
    assert.ok(run0.originalUriBaseIds['%SRCROOT%'].uri.endsWith('/'));
    assert.ok(run0.results.every((x: { message: { text: string } }) => x.message.text.length > 0));
  });

  it('globs walk the tree, skip node_modules and .git, and keep only brief file names', async () => {
    deployable('a/one.brief.md');
    deployable('a/b/MISSION_BRIEF.md');
    fixture('valid.brief.md', 'a/README.md');
    fixture('broken.brief.md', 'node_modules/x/bad.brief.md');
    fixture('broken.brief.md', '.git/bad.brief.md');
    const r = await run(['brief', 'validate', 'a/**/*.md', '--format', 'json', '--operator-level', 'L3']);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.out).files.map((f: { file: string }) => f.file), ['a/b/MISSION_BRIEF.md', 'a/one.brief.md']);
  });

  it('a glob that matches nothing and a missing file are errors with a reason', async () => {
    await failsWith(['brief', 'validate', '**/*.brief.md'], 'not-found');
    await failsWith(['brief', 'validate', 'nope.brief.md'], 'not-found');
  });

  it('checks personas and roles against .federation/personas.json when it exists', async () => {
    fixture('registry.brief.md');
    assert.equal(JSON.parse((await run(['brief', 'validate', 'registry.brief.md', '--format', 'json'])).out).summary.warnings, 0);
    registry();
    const codes = JSON.parse((await run(['brief', 'validate', 'registry.brief.md', '--format', 'json'])).out).files[0].findings.map((f: { code: string }) => f.code);
    assert.deepEqual(codes, ['MB050', 'MB051', 'MB050', 'MB051']);
  });

  it('--fix writes what fix all can do and reports the rest', async () => {
    const file = fixture('missing-sections.brief.md');
    const r = await run(['brief', 'validate', 'missing-sections.brief.md', '--fix', '--format', 'json']);
    assert.equal(r.code, 0);
    assert.equal(readFileSync(file, 'utf8'), readFileSync(path.join(FIXTURES, 'missing-sections.brief.fixed.md'), 'utf8'));
    const json = JSON.parse(r.out);
    assert.equal(json.files[0].fixed, 4);
    assert.deepEqual(json.files[0].findings.map((f: { code: string }) => f.code), ['MB007', 'MB020', 'MB007']);
  });

  it('usage errors: no subcommand, unknown subcommand, no files, bad format', async () => {
    for (const argv of [['brief'], ['brief', 'check', 'x'], ['brief', 'validate'], ['brief', 'validate', 'x.md', '--format', 'xml']]) {
      assert.equal((await run(argv)).code, 2, argv.join(' '));
    }
  });
});
