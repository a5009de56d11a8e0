// `federation package build | audit` through packageCommand.run with a fake CliContext: JSON output, what is
// written, and exit codes (0 ok, 1 refused or failed, 2 usage) mapped the way main.ts maps them.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { runCli, type CliResult } from '../../helpers/cli';
import { useTempDir } from '../../helpers/tmp';
import { NEVER, fixtureWorkspace } from './helpers';

describe('federation package', () => {
  const tmp = useTempDir('pkg-cli-');
  let root = '';
  beforeEach(() => {
    root = fixtureWorkspace(tmp.path).root;
  });

  /** `federation package …` as shipped (dist/cli.js in a process), with --json unless json is false. */
  function run(argv: string[], json = true): Promise<CliResult> {
    return runCli([...(json ? ['--json'] : []), ...argv], { cwd: root });
  }


  it('audit --json: exit 0, the manifest and every file with its content', async () => {
    const r = await run(['package', 'audit', '--consumer', 'remote-agent', '--brief', 'briefs/clean.brief.md', '--operator-level', 'L1']);
    assert.equal(r.code, 0, r.err);
    const data = JSON.parse(r.out) as { ok: boolean; manifest: { consumer: string; clearance: { effective: string } }; files: { path: string; bytes: number; content: string }[] };
    assert.equal(data.ok, true);
    assert.equal(data.manifest.consumer, 'remote-agent');
    assert.equal(data.manifest.clearance.effective, 'C1');
    assert.deepEqual(data.files.map((f) => f.path), ['BOOTSTRAP.md', 'MISSION_BRIEF.md', 'workspace/docs/architecture.md', 'workspace/docs/labelled-public.md', 'workspace/public/methodology.md']);
    for (const never of NEVER) assert.ok(!r.out.includes(never), never);
    assert.equal(existsSync(path.join(root, 'out')), false);
  });

  it('audit exits 1 for a refused package and says why', async () => {
    const r = await run(['package', 'audit', '--consumer', 'remote-agent', '--brief', 'briefs/escape.brief.md', '--operator-level', 'L3']);
    assert.equal(r.code, 1);
    const data = JSON.parse(r.out) as { ok: boolean; manifest: { refusals: string[] } };
    assert.equal(data.ok, false);
    assert.equal(data.manifest.refusals.length, 4);
  });

  it('audit without --json prints the account and BOOTSTRAP.md', async () => {
    const r = await run(['package', 'audit', '--consumer', 'maintenance-agent'], false);
    assert.equal(r.code, 0);
    assert.match(r.out, /^maintenance-agent package: operator level L1, nothing above C1/);
    assert.match(r.out, /\.federation\/rules\/escalation\.md +above-clearance \(C2\)/);
    assert.match(r.out, /----- BOOTSTRAP\.md -----\n# Bootstrap package: maintenance-agent/);
  });

  it('build --out: exit 0, writes the package and manifest.json; the default operator level is L1', async () => {
    const r = await run(['package', 'build', '--consumer', 'parallel-terminal', '--persona', 'research', '--out', 'pkg']);
    assert.equal(r.code, 0, r.err);
    const data = JSON.parse(r.out) as { ok: boolean; out: string; files: string[]; manifest: { operatorLevel: string } };
    assert.equal(data.out, path.join(root, 'pkg'));
    assert.equal(data.manifest.operatorLevel, 'L1');
    assert.deepEqual(readdirSync(path.join(root, 'pkg')).sort(), ['BOOTSTRAP.md', 'manifest.json', 'workspace']);
    assert.deepEqual(data.files, ['BOOTSTRAP.md', 'workspace/.claude/skills/writing/SKILL.md', 'workspace/.federation/handoffs/T2-devops-to-research-20261120T100000Z.md', 'workspace/.federation/skills/research.md', 'manifest.json']);
    const manifest = JSON.parse(readFileSync(path.join(root, 'pkg', 'manifest.json'), 'utf8')) as { persona: string };
    assert.equal(manifest.persona, 'research');
  });

  it('build of a refused package: exit 1 and nothing written', async () => {
    const r = await run(['package', 'build', '--consumer', 'remote-agent', '--brief', 'briefs/deploy.brief.md', '--operator-level', 'L2', '--out', 'pkg']);
    assert.equal(r.code, 1);
    const data = JSON.parse(r.out) as { ok: boolean; written: boolean };
    assert.deepEqual([data.ok, data.written], [false, false]);
    assert.equal(existsSync(path.join(root, 'pkg')), false);
    const l3 = await run(['package', 'build', '--consumer', 'remote-agent', '--brief', 'briefs/deploy.brief.md', '--operator-level', 'L3', '--out', 'pkg']);
    assert.equal(l3.code, 0, l3.err);
  });

  it('build into a folder that holds other files: exit 1 (already-exists)', async () => {
    const r = await run(['package', 'build', '--consumer', 'external-llm', '--out', 'docs']);
    assert.equal(r.code, 1);
    assert.match(r.err, /not empty and holds no bootstrap package/);
  });

  it('a missing persona file or brief: exit 1', async () => {
    assert.equal((await run(['package', 'audit', '--consumer', 'parallel-terminal', '--persona', 'ghost'])).code, 1);
    assert.equal((await run(['package', 'audit', '--consumer', 'remote-agent', '--brief', 'briefs/none.brief.md'])).code, 1);
  });

  const usage: [string, string[], RegExp][] = [
    ['no subcommand', ['package'], /missing a package subcommand/],
    ['an unknown subcommand', ['package', 'ship', '--consumer', 'local-session'], /unknown package subcommand "ship"/],
    ['no --consumer', ['package', 'audit'], /--consumer is required/],
    ['an unknown consumer', ['package', 'audit', '--consumer', 'robot'], /--consumer is one of local-session, parallel-terminal/],
    ['an unknown operator level', ['package', 'audit', '--consumer', 'local-session', '--operator-level', 'L4'], /--operator-level is one of L0, L1, L2, L3/],
    ['a persona and a brief', ['package', 'audit', '--consumer', 'external-llm', '--persona', 'research', '--brief', 'b.md'], /not both/],
    ['a persona terminal without a persona', ['package', 'audit', '--consumer', 'parallel-terminal'], /needs --persona ID/],
    ['a remote agent without a brief', ['package', 'audit', '--consumer', 'remote-agent'], /needs --brief FILE/],
    ['a brief for a local session', ['package', 'audit', '--consumer', 'local-session', '--brief', 'b.md'], /takes no --brief/],
    ['build without --out', ['package', 'build', '--consumer', 'local-session'], /--out is required/],
    ['audit with --out', ['package', 'audit', '--consumer', 'local-session', '--out', 'x'], /unknown flag --out \(it is a flag of "package build"\)/],
  ];
  for (const [name, argv, message] of usage) {
    it(`usage error, exit 2: ${name}`, async () => {
      const r = await run(argv);
      assert.equal(r.code, 2);
      assert.match(r.err, message);
      assert.equal(r.out, '');
    });
  }
});
