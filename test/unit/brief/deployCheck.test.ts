// `federation brief validate` fails on what Deploy Agent refuses (a network allow-list, the remote-agent
// package's clearance at the operator level), through the shipped CLI; and, brief by brief, it fails exactly when
// a deployment (AgentService on a FakeDockerClient) is refused for the brief itself.
import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { MapSecretSource } from '../../../src/core/agents';
import { isFederationError } from '../../../src/core/errors';
import { cliIn, hasStack, runCli } from '../../helpers/cli';
import { useTempDir } from '../../helpers/tmp';
import { FIXTURES as AGENT_FIXTURES, useWorld } from '../agents/helpers';

const DEMO = path.resolve(__dirname, '..', '..', '..', '..', 'demo');

/** A brief Deploy Agent takes at L1 (no allow-list, no secrets) but for what `resources` adds to its Resources. */
function brief(resources: string): string {
  return `---
role: writer
network: none
---

# Edit the docs

## Identity

A writer agent of the federation.

## Mission

Fix the typos in the docs. Done when no page has a typo left.

## Resources

${resources}

## Output

The fixed pages under \`/output/docs/\`.

## Reporting

A list of the pages changed in \`/output/report.md\`.

## Boundaries

- Never change the meaning of a sentence.
`;
}

interface Json {
  files: { file: string; findings: { code: string; severity: string; range: { start: { line: number } } }[]; deploy: { operatorLevel: string; refused: boolean } | null }[];
  summary: { errors: number };
  operatorLevel: string;
}

describe('federation brief validate: what Deploy Agent refuses', () => {
  const tmp = useTempDir('brief-deploy-');
  const cli = cliIn(() => tmp.path);

  it("the demo's MISSION_BRIEF.md: its allow-list and, at the default L1, its secret are errors, as for deploy and package audit", async function () {
    this.timeout(30_000);
    cpSync(DEMO, tmp.path, { recursive: true });
    const text = await cli('brief', 'validate', 'briefs/MISSION_BRIEF.md');
    assert.equal(text.code, 1, text.out);
    const lines = text.out.trim().split('\n');
    assert.match(lines[0]!, /^briefs\/MISSION_BRIEF\.md:7:10: error AG001 The brief asks for a network allow-list \(api\.github\.com\)/);
    assert.match(lines[1]!, /^briefs\/MISSION_BRIEF\.md:12:10: error PK007 .*your operator level is L1/);
    // As package audit says: the demo's broken review.brief.md (C5, so counted as C3) stays out of /workspace.
    assert.match(lines[2]!, /^briefs\/MISSION_BRIEF\.md:39:31: warning PK003 \/workspace: 1 file will be left out \(briefs\/review\.brief\.md \(C3\)\)/);
    assert.equal(lines[3], 'briefs/MISSION_BRIEF.md: 2 errors, 1 warning, 0 infos; Deploy Agent refuses it at operator level L1');

    const json = await cli('brief', 'validate', 'briefs/MISSION_BRIEF.md', '--json');
    assert.equal(json.code, 1);
    const j = JSON.parse(json.out) as Json;
    assert.equal(j.operatorLevel, 'L1');
    assert.deepEqual(j.files[0]!.findings.map((f) => [f.code, f.severity]), [['AG001', 'error'], ['PK007', 'error'], ['PK003', 'warning']]);
    assert.deepEqual(j.files[0]!.deploy, { operatorLevel: 'L1', refused: true });

    // package audit refuses the same package; at L3 only the allow-list is left.
    assert.equal((await cli('package', 'audit', '--consumer', 'remote-agent', '--brief', 'briefs/MISSION_BRIEF.md')).code, 1);
    assert.equal((await cli('package', 'audit', '--consumer', 'remote-agent', '--brief', 'briefs/MISSION_BRIEF.md', '--operator-level', 'L3')).code, 0);
    const l3 = JSON.parse((await cli('brief', 'validate', 'briefs/MISSION_BRIEF.md', '--json', '--operator-level', 'L3')).out) as Json;
    assert.deepEqual(l3.files[0]!.findings.map((f) => f.code), ['AG001', 'PK003']);

    const bad = await cli('brief', 'validate', 'briefs/MISSION_BRIEF.md', '--operator-level', 'L9');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--operator-level is one of L0, L1, L2, L3; got "L9"/);
    assert.equal(hasStack(bad.err), false);
  });

  it('a Resources entry above the clearance is PK001 on its line (package audit refuses it too); without it, ok', async () => {
    mkdirSync(path.join(tmp.path, 'docs'));
    writeFileSync(path.join(tmp.path, 'docs', 'private.md'), '---\nconfidentiality: C2\n---\n# Salaries\n');
    writeFileSync(path.join(tmp.path, 'docs', 'public.md'), '# Guide\n');
    writeFileSync(path.join(tmp.path, 'x.brief.md'), brief('- `/workspace/docs/public.md`\n- `/workspace/docs/private.md`'));
    const r = await cli('brief', 'validate', 'x.brief.md', '--json');
    assert.equal(r.code, 1, r.out);
    const findings = (JSON.parse(r.out) as Json).files[0]!.findings;
    assert.deepEqual(findings.map((f) => [f.code, f.severity, f.range.start.line]), [['PK001', 'error', 18]]);
    assert.equal((await cli('package', 'audit', '--consumer', 'remote-agent', '--brief', 'x.brief.md')).code, 1);

    writeFileSync(path.join(tmp.path, 'x.brief.md'), brief('- `/workspace/docs/public.md`'));
    const ok = await cli('brief', 'validate', 'x.brief.md');
    assert.deepEqual([ok.code, ok.out], [0, 'x.brief.md: ok\n']);
    assert.equal((await cli('package', 'audit', '--consumer', 'remote-agent', '--brief', 'x.brief.md')).code, 0);
  });

  it('a brief outside --root and any .federation folder is only validated, and says so', async () => {
    const ws = path.join(tmp.path, 'ws');
    mkdirSync(ws);
    writeFileSync(path.join(tmp.path, 'x.brief.md'), brief('- `/workspace/docs/private.md`'));
    const r = await runCli(['brief', 'validate', path.join(tmp.path, 'x.brief.md')], { cwd: ws });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /x\.brief\.md: ok \(not checked for deploy: outside the workspace\)\n$/);
    // A .federation folder above the brief makes that folder its workspace.
    mkdirSync(path.join(tmp.path, '.federation'));
    const again = await runCli(['brief', 'validate', path.join(tmp.path, 'x.brief.md'), '--json'], { cwd: ws });
    assert.equal((JSON.parse(again.out) as Json).files[0]!.deploy?.refused, false);
    assert.deepEqual((JSON.parse(again.out) as Json).files[0]!.findings.map((f) => f.code), ['PK004']);
  });
});

describe('federation brief validate fails exactly when Deploy Agent refuses the brief', function () {
  this.timeout(60_000);
  const world = useWorld();

  it('for every agent fixture brief, the demo brief and a brief naming a C2 file, at L1 and L3', async () => {
    const { w } = world;
    cpSync(path.join(DEMO, 'briefs', 'MISSION_BRIEF.md'), path.join(w.root, 'demo.brief.md'));
    writeFileSync(path.join(w.root, 'docs', 'private.md'), '---\nconfidentiality: C2\n---\n# Salaries\n');
    writeFileSync(path.join(w.root, 'private.brief.md'), brief('- `/workspace/docs/private.md`'));
    const briefs = [...readdirSync(AGENT_FIXTURES).filter((n) => n.endsWith('.brief.md')), 'demo.brief.md', 'private.brief.md'];
    const seen = { refused: 0, deployed: 0 };
    for (const b of briefs) {
      const text = readFileSync(path.join(w.root, b), 'utf8');
      // Everything deploy needs from outside the brief is there: every secret it declares and its image.
      const secrets = new MapSecretSource(Object.fromEntries([...text.matchAll(/^secrets: \[([^\]]*)\]/gm)].flatMap((m) => m[1]!.split(',').map((s) => [s.trim(), 'value']))));
      const image = /^image: (\S+)/m.exec(text)?.[1];
      if (image) w.fake.addImage(image);
      for (const operatorLevel of ['L1', 'L3'] as const) {
        let deployRefused = false;
        try {
          await w.service.deploy([b], { operatorLevel, secrets });
        } catch (e) {
          assert.ok(isFederationError(e) && ['invalid-input', 'package-refused'].includes(e.reason), `${b} at ${operatorLevel}: ${String(e)}`);
          deployRefused = true;
        }
        const r = await runCli(['brief', 'validate', b, '--operator-level', operatorLevel], { cwd: w.root });
        assert.equal(r.code, deployRefused ? 1 : 0, `${b} at ${operatorLevel}: deploy ${deployRefused ? 'refuses' : 'takes'} it; brief validate says\n${r.out}${r.err}`);
        seen[deployRefused ? 'refused' : 'deployed']++;
      }
    }
    assert.ok(seen.refused > 0 && seen.deployed > 0, JSON.stringify(seen));
  });
});
