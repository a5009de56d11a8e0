// Every upload and download step of generated workflows against the artifact actions' documented rules
// (artifactRules.ts says which and where they are written), and the whole hand-over played out: each job's shell
// steps run the shipped CLI in a workspace of its own, artifacts go from job to job only as the actions move them,
// and the report job must find the plan and every worker's result where `matrix report` looks.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { planMatrix } from '../../../src/core/matrix/plan';
import { moduleDir } from '../../../src/core/matrix/validate';
import { generateWorkflow, githubMatrix, REPORT_JSON } from '../../../src/core/matrix/workflow';
import { CLI } from '../../helpers/cli';
import { useTempDir } from '../../helpers/tmp';
import { artifactProblems, ArtifactContext, artifactSteps, downloadArtifacts, evaluate, jobInstances, uploadArtifact, Workflow } from './artifactRules';
import { config } from './helpers';
import { CONFIGS } from './workflowConfigs';

const parseYaml = (t: string) => (require('yaml') as typeof import('yaml')).parse(t) as Workflow;
const GITHUB = { run_id: '4242', run_attempt: '1' };
const DOCKER = { images: ['node:20-bookworm-slim', 'ghcr.io/acme/tool:1'] };

const VARIANTS = Object.entries(CONFIGS).flatMap(([name, text]) => [
  { name, text, docker: false },
  { name: `${name}, docker isolation`, text, docker: true },
]);

function contextFor(text: string): ArtifactContext {
  const m = githubMatrix(planMatrix(config(text)));
  return { matrices: Object.fromEntries(Object.entries(m).map(([job, v]) => [job, v.include as unknown as Record<string, unknown>[]])), github: GITHUB };
}

describe('GitHub Actions workflow: artifact steps', () => {
  for (const v of VARIANTS) {
    it(`every upload and download step follows upload-artifact@v4 and download-artifact@v4: ${v.name}`, () => {
      const yml = generateWorkflow(planMatrix(config(v.text)), { configFile: '.github/multi-agent-config.yml', ...(v.docker ? { docker: DOCKER } : {}) });
      const wf = parseYaml(yml);
      const ctx = contextFor(v.text);
      const { uploads, downloads } = artifactSteps(wf, ctx);
      const workers = Object.values(ctx.matrices).reduce((a, e) => a + e.length, 0);
      // The plan, a result and a build output per worker, the report; the plan and the results again on download.
      assert.equal(uploads.length, 1 + 2 * workers + 1);
      assert.equal(downloads.length, 2);
      assert.deepEqual(artifactProblems(wf, ctx), []);
    });
  }

  it('the checker reports each broken rule (it can fail)', () => {
    const wf = parseYaml(`
env: { RUN: "r-\${{ github.run_id }}" }
jobs:
  a:
    steps:
      - { name: hidden, uses: actions/upload-artifact@v4, with: { name: one, path: ".federation/runs/\${{ env.RUN }}/plan.json" } }
      - { name: bad mode, uses: actions/upload-artifact@v4, with: { name: two, path: out.txt, if-no-files-found: fail } }
      - { name: typo, uses: actions/upload-artifact@v4, with: { name: three, path: out.txt, include-hidden-file: true } }
      - { name: old, uses: actions/upload-artifact@v3, with: { name: four, path: out.txt } }
  w:
    needs: [a]
    strategy: { matrix: "\${{ fromJSON(needs.a.outputs.m) }}" }
    steps:
      - { name: same name, uses: actions/upload-artifact@v4, with: { name: result, path: "\${{ matrix.id }}.json" } }
      - { name: bad char, uses: actions/upload-artifact@v4, with: { name: "r/\${{ matrix.id }}", path: x.json } }
  z:
    steps:
      - { name: elsewhere, uses: actions/upload-artifact@v4, with: { name: five, path: out.txt } }
  r:
    needs: [w]
    steps:
      - { name: both, uses: actions/download-artifact@v4, with: { name: result, pattern: "r*" } }
      - { name: merge with name, uses: actions/download-artifact@v4, with: { name: result, merge-multiple: true } }
      - { name: not needed, uses: actions/download-artifact@v4, with: { name: five } }
      - { name: no match, uses: actions/download-artifact@v4, with: { pattern: "nothing-*", merge-multiple: true } }
`);
    const problems = artifactProblems(wf, { matrices: { w: [{ id: 'x' }, { id: 'y' }] }, github: GITHUB });
    const expect = [
      /a step 1 \(hidden\): path \.federation\/runs\/r-4242\/plan\.json .*\(\.federation\): needs include-hidden-files: true/,
      /a step 2 \(bad mode\): if-no-files-found is warn, error or ignore, not "fail"/,
      /a step 3 \(typo\): actions\/upload-artifact has no input "include-hidden-file"/,
      /a step 4 \(old\): these rules are for actions\/upload-artifact@v4, not @v3/,
      /w\[x\] step 1 \(same name\): a matrix job's artifact name must carry a matrix value/,
      /artifact "result" is uploaded 2 times in one run/,
      /w\[x\] step 2 \(bad char\): artifact name "r\/x" has "\/"/,
      /r step 1 \(both\): pattern is ignored when name is given/,
      /r step 2 \(merge with name\): merge-multiple does nothing with name/,
      /r step 3 \(not needed\): no job it needs uploads "five"/,
      /r step 4 \(no match\): pattern "nothing-\*" matches no artifact of the jobs it needs/,
    ];
    for (const re of expect) assert.ok(problems.some((p) => re.test(p)), `${re} in:\n${problems.join('\n')}`);
    // …and nothing else (the matrix job's problems come once per entry).
    assert.deepEqual(problems.filter((p) => !expect.some((re) => re.test(p.replace('w[y]', 'w[x]').replace('"r/y"', '"r/x"')))), []);
  });

  describe('played out job by job with the shipped CLI', function () {
    this.timeout(120_000);
    const tmp = useTempDir('fed-wf-');

    /** The checked-out repository every job starts from: the config and its module folders. */
    function checkout(dir: string, text: string): void {
      mkdirSync(path.join(dir, '.github'), { recursive: true });
      writeFileSync(path.join(dir, '.github', 'multi-agent-config.yml'), text);
      for (const t of Object.values(config(text).tasks)) mkdirSync(moduleDir(dir, t.module)!, { recursive: true });
    }

    /**
     * Plays out the workflow generated for `text`: jobs in order, each matrix entry in a fresh checkout, every shell
     * step through bash as GitHub runs it (the CLI is dist/cli.js), artifacts only through the modelled actions.
     * Step conditions: only `matrix.produces_artifacts` is honoured (everything else runs, as on a cache miss).
     */
    function playOut(text: string): { reportDir: string; artifacts: Map<string, Map<string, Buffer>>; workspaces: Map<string, string> } {
      const wf = parseYaml(generateWorkflow(planMatrix(config(text)), { configFile: '.github/multi-agent-config.yml', cli: `node ${JSON.stringify(CLI)}` }));
      const leaderOutputs = new Map<string, string>();
      const ctx: ArtifactContext = { matrices: {}, github: GITHUB };
      const artifacts = new Map<string, Map<string, Buffer>>();
      const workspaces = new Map<string, string>();
      const env = { FEDERATION_RUN_ID: evaluate(wf.env!['FEDERATION_RUN_ID']!, wf, ctx, undefined, [], 'env'), XDG_CONFIG_HOME: path.join(tmp.path, 'config') };
      for (const job of Object.keys(wf.jobs)) {
        // A matrix job's entries are what the leader wrote to $GITHUB_OUTPUT.
        const from = /fromJSON\(needs\.leader\.outputs\.(\w+)\)/.exec(String(wf.jobs[job]!.strategy?.matrix ?? ''));
        if (from) ctx.matrices[job] = (JSON.parse(leaderOutputs.get(from[1]!)!) as { include: Record<string, unknown>[] }).include;
        const only: Workflow = { ...wf, jobs: { [job]: wf.jobs[job]! } };
        const { uploads, downloads } = artifactSteps(only, ctx);
        for (const instance of jobInstances(only, ctx)) {
          const ws = path.join(tmp.path, instance.label.replace(/[^\w.-]/g, '_'));
          workspaces.set(instance.label, ws);
          checkout(ws, text);
          wf.jobs[job]!.steps!.forEach((step, i) => {
            if (/matrix\.produces_artifacts/.test(step.if ?? '') && instance.matrix?.['produces_artifacts'] !== true) return;
            const ref = [...uploads, ...downloads].find((r) => r.instance.label === instance.label && r.index === i);
            if (ref && step.uses!.startsWith('actions/download-artifact')) downloadArtifacts(ref, artifacts, ws);
            if (ref && step.uses!.startsWith('actions/upload-artifact')) {
              const a = uploadArtifact(ref, ws);
              assert.ok(!('error' in a), `${instance.label}: ${'error' in a ? a.error : ''}`);
              if (a.files.size) artifacts.set(a.name, a.files);
            }
            if (step.run === undefined || step.name === 'Pull the task images') return;
            const out = path.join(ws, '.github-output');
            const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', evaluate(step.run, wf, ctx, instance.matrix, [], instance.label)], {
              cwd: ws,
              env: { ...process.env, ...env, GITHUB_OUTPUT: out, GITHUB_STEP_SUMMARY: path.join(ws, '.step-summary') },
              encoding: 'utf8',
              timeout: 60_000,
            });
            assert.equal(r.status, 0, `${instance.label}: ${step.name}\n${r.stdout}\n${r.stderr}`);
            if (job === 'leader' && step.name === 'Plan') {
              for (const line of readFileSync(out, 'utf8').split('\n').filter(Boolean)) leaderOutputs.set(line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1));
            }
          });
        }
      }
      return { reportDir: workspaces.get('report')!, artifacts, workspaces };
    }

    // The demo's tasks are npm scripts (realrun.test.ts runs them); these configs run `true`.
    for (const [name, text] of Object.entries(CONFIGS).filter(([n]) => n !== 'the demo monorepo')) {
      it(`the report job finds the plan and every worker's result where matrix report looks: ${name}`, () => {
        const plan = planMatrix(config(text));
        const { reportDir } = playOut(text);
        const report = JSON.parse(readFileSync(path.join(reportDir, REPORT_JSON), 'utf8')) as { summary: { counts: { units: number; passed: number } }; tasks: { unit: string }[] };
        const units = plan.waves.flatMap((w) => w.units.map((u) => u.id)).sort();
        assert.deepEqual(report.tasks.map((t) => t.unit).sort(), units, 'every worker result reached the report');
        assert.equal(report.summary.counts.units, units.length);
        assert.equal(report.summary.counts.passed, units.length);
        assert.match(readFileSync(path.join(reportDir, '.step-summary'), 'utf8'), new RegExp(`${units.length}/${units.length} passed`));
      });
    }

    it("uploads the build output folders a local run lists as the unit's artifacts, root module included", () => {
      const build = 'mkdir -p dist out && echo a > dist/a.js && echo b > out/b.js';
      const text = `tasks:
  site:
    module: root
    command: "${build}"
    produces_artifacts: true
  web:
    module: packages/web
    command: "${build}"
    produces_artifacts: true
  lint:
    module: packages/web
    command: "true"
priorities:
  priority_1:
    tasks: [site, web, lint]
`;
      const { reportDir, artifacts } = playOut(text);
      const report = JSON.parse(readFileSync(path.join(reportDir, REPORT_JSON), 'utf8')) as { tasks: { unit: string; artifacts: string[] }[] };
      for (const unit of ['site', 'web']) {
        const listed = report.tasks.find((t) => t.unit === unit)!.artifacts;
        assert.equal(listed.length, 2, `${unit} lists dist and out: ${listed.join(', ')}`);
        const uploaded = [...(artifacts.get(`build-${unit}`)?.keys() ?? [])].sort();
        assert.deepEqual(uploaded, ['dist/a.js', 'out/b.js'], `build-${unit} holds what ${unit} listed`);
      }
      assert.equal(artifacts.has('build-lint'), false, 'no build output without produces_artifacts');
    });
  });
});
