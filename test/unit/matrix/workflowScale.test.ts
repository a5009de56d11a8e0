// Waves larger than GitHub's 256-entry matrix: the workflow splits them into parts (workflowMatrix.ts). Generated
// for 100, 300 and 1,000 units per wave, it must parse in GitHub's own parser; its leader's Plan step, run through
// bash with the shipped CLI as GitHub runs it, must write a GITHUB_OUTPUT whose matrices each hold at most 256
// entries and together every unit exactly once; and the parts must keep depends_on, max-parallel and fail_fast.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { planMatrix, type MatrixPlan } from '../../../src/core/matrix/plan';
import { generateWorkflow } from '../../../src/core/matrix/workflow';
import { GITHUB_MATRIX_LIMIT, waveJobs } from '../../../src/core/matrix/workflowMatrix';
import { CLI } from '../../helpers/cli';
import { useTempDir } from '../../helpers/tmp';
import { artifactProblems, evaluate, type Workflow } from './artifactRules';
import { githubErrors } from './githubParser';
import { config, matrixCli } from './helpers';

interface Job {
  needs?: string[];
  if?: string;
  strategy?: { 'fail-fast'?: boolean; 'max-parallel'?: number; matrix?: string };
  steps?: { name?: string; run?: string }[];
}

/** Waves of `sizes` tasks each (ids w<wave>t<n>), with extra priority keys and top-level sections. */
function bigConfig(sizes: number[], opts: { priority?: (i: number) => string; top?: string } = {}): string {
  const ids = sizes.map((n, w) => Array.from({ length: n }, (_, i) => `w${w + 1}t${i}`));
  const tasks = ids.flat().map((id) => `  ${id}:\n    module: .\n    command: "true"\n`).join('');
  const prios = ids.map((w, i) => `  priority_${i + 1}:\n    tasks: [${w.join(', ')}]\n${opts.priority?.(i) ?? ''}`).join('');
  return `tasks:\n${tasks}priorities:\n${prios}${opts.top ?? ''}`;
}

const SCALES: { name: string; text: string }[] = [
  { name: '100 units in one wave', text: bigConfig([100]) },
  // fail_fast on the big wave; the small one after it must wait for both parts and be skipped by either failing.
  { name: '300 units in a fail_fast wave, then 10', text: bigConfig([300, 10], { priority: (i) => (i === 0 ? '    fail_fast: true\n' : ''), top: 'scaling:\n  default_agents: 20\n' }) },
  // 50 agents over 4 parts side by side; then 1,000 one at a time: its 4 parts in one lane.
  { name: '1,000 units on 50 agents, then 1,000 one at a time', text: bigConfig([1000, 1000], { priority: (i) => (i === 1 ? '    parallel_execution: false\n    depends_on: [priority_1]\n' : ''), top: 'scaling:\n  default_agents: 50\n' }) },
];

/** The matrix jobs of each wave, by the leader output they read. */
function matrixJobs(wf: { jobs: Record<string, Job> }): Map<string, string> {
  const out = new Map<string, string>();
  for (const [id, job] of Object.entries(wf.jobs)) {
    const m = /^\$\{\{ fromJSON\(needs\.leader\.outputs\.(\w+)\) \}\}$/.exec(job.strategy?.matrix ?? '');
    if (m) out.set(id, m[1]!);
  }
  return out;
}

/** Runs the leader job's Plan step as GitHub does (bash, $GITHUB_OUTPUT) in a checkout of `text`; its outputs. */
function runLeaderPlan(dir: string, wf: Workflow & { jobs: Record<string, Job> }, text: string): Map<string, string> {
  mkdirSync(path.join(dir, '.github'), { recursive: true });
  writeFileSync(path.join(dir, '.github', 'multi-agent-config.yml'), text);
  const step = wf.jobs['leader']!.steps!.find((s) => s.name === 'Plan')!;
  const problems: string[] = [];
  const script = evaluate(step.run!, wf, { matrices: {}, github: { run_id: '77', run_attempt: '1' } }, undefined, problems, 'leader');
  assert.deepEqual(problems, []);
  const output = path.join(dir, '.github-output');
  writeFileSync(output, '');
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd: dir, env: { ...process.env, GITHUB_OUTPUT: output, FEDERATION_RUN_ID: 'gh-77-1' }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const lines = readFileSync(output, 'utf8').split('\n').filter(Boolean);
  return new Map(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** The wave's jobs grouped into lanes: chains linked by `needs` within the wave. */
function lanes(jobs: Record<string, Job>, ids: string[]): string[][] {
  const lane = new Map<string, string[]>();
  for (const id of ids) {
    const prev = (jobs[id]!.needs ?? []).filter((n) => ids.includes(n));
    const chain = prev.length ? lane.get(prev[prev.length - 1]!)! : [];
    chain.push(id);
    lane.set(id, chain);
  }
  return [...new Set(lane.values())];
}

describe('GitHub Actions workflow: waves larger than a matrix', function () {
  this.timeout(60_000);
  const tmp = useTempDir('fed-wfscale-');

  for (const s of SCALES) {
    it(`parses in GitHub's parser, and the leader's Plan step feeds ≤ ${GITHUB_MATRIX_LIMIT} per matrix and every unit once: ${s.name}`, async () => {
      const plan = planMatrix(config(s.text));
      const yml = generateWorkflow(plan, { configFile: '.github/multi-agent-config.yml', cli: `node ${JSON.stringify(CLI)}` });
      assert.deepEqual(await githubErrors(yml), []);
      const wf = (require('yaml') as typeof import('yaml')).parse(yml) as Workflow & { jobs: Record<string, Job> };
      const outputs = runLeaderPlan(tmp.path, wf, s.text);
      const fed = matrixJobs(wf);
      const seen: string[] = [];
      const matrices: Record<string, Record<string, unknown>[]> = {};
      for (const [job, output] of fed) {
        const include = (JSON.parse(outputs.get(output)!) as { include: { id: string }[] }).include;
        assert.ok(include.length <= GITHUB_MATRIX_LIMIT, `${job}: ${include.length} entries`);
        assert.ok(include.length > 0, `${job} is fed units`);
        assert.equal(outputs.get(`${output}_count`), String(include.length));
        assert.ok((wf.jobs[job]!.if ?? '').includes(`needs.leader.outputs.${output}_count != '0'`));
        seen.push(...include.map((e) => e.id));
        matrices[job] = include;
      }
      const units = plan.waves.flatMap((w) => w.units.map((u) => u.id));
      assert.equal(seen.length, units.length, 'no unit twice');
      assert.deepEqual([...seen].sort(), [...units].sort(), 'every unit');
      // Every worker's result artifact reaches the report job (the artifact actions' rules, every entry of every part).
      assert.deepEqual(artifactProblems(wf, { matrices, github: { run_id: '77', run_attempt: '1' } }), []);
      assert.deepEqual(wf.jobs['report']!.needs, ['leader', ...fed.keys()]);
      checkWaves(plan, wf.jobs);
    });
  }

  /** Parts of a wave: at most `agents` at once, fail_fast chained, later waves after every part. */
  function checkWaves(plan: MatrixPlan, jobs: Record<string, Job>): void {
    const ids = (priority: string) => Object.keys(jobs).filter((j) => j === priority || j.startsWith(`${priority}_part_`));
    for (const w of plan.waves) {
      const mine = ids(w.priority);
      assert.equal(mine.length, Math.max(1, Math.ceil(w.units.length / GITHUB_MATRIX_LIMIT)), `${w.priority}: parts`);
      const chains = lanes(jobs, mine);
      // Parts of one lane run one after another: the wave's concurrency is the sum of each lane's largest share.
      const concurrency = chains.reduce((a, c) => a + Math.max(...c.map((j) => jobs[j]!.strategy!['max-parallel']!)), 0);
      assert.equal(concurrency, w.agents, `${w.priority}: max-parallel over its lanes`);
      const shares = chains.map((c) => jobs[c[0]!]!.strategy!['max-parallel']!);
      assert.ok(Math.max(...shares) - Math.min(...shares) <= 1, `${w.priority}: shares ${shares.join(', ')} are fair`);
      for (const [k, j] of mine.entries()) {
        const job = jobs[j]!;
        assert.equal(job.strategy!['fail-fast'], w.failFast);
        for (const earlier of plan.waves.filter((x) => x.index < w.index)) {
          for (const e of ids(earlier.priority)) {
            assert.ok(job.needs!.includes(e), `${j} needs ${e}`);
            if (earlier.failFast) assert.ok(job.if!.includes(`needs.${e}.result != 'failure'`), `${j} is skipped when ${e} fails`);
          }
        }
        if (w.failFast) {
          assert.equal(chains.length, 1, 'a fail_fast wave runs its parts one after another');
          for (const e of mine.slice(0, k)) assert.ok(job.needs!.includes(e) && job.if!.includes(`needs.${e}.result != 'failure'`), `${j} runs only if ${e} did not fail`);
        }
      }
    }
  }

  it('shares agents fairly over lanes and chains the parts of a lane (unit level)', () => {
    assert.deepEqual(waveJobs({ priority: 'priority_1', agents: 50, failFast: false }, 4).map((j) => [j.id, j.lane, j.maxParallel, j.after]), [
      ['priority_1_part_1', 0, 13, []],
      ['priority_1_part_2', 1, 13, []],
      ['priority_1_part_3', 2, 12, []],
      ['priority_1_part_4', 3, 12, []],
    ]);
    assert.deepEqual(waveJobs({ priority: 'priority_2', agents: 3, failFast: false }, 4).map((j) => [j.lane, j.maxParallel, j.after]), [
      [0, 1, []],
      [1, 1, []],
      [2, 1, []],
      [0, 1, ['priority_2_part_1']],
    ]);
    assert.deepEqual(waveJobs({ priority: 'priority_3', agents: 20, failFast: true }, 3).map((j) => [j.maxParallel, j.after]), [
      [20, []],
      [20, ['priority_3_part_1']],
      [20, ['priority_3_part_1', 'priority_3_part_2']],
    ]);
    assert.deepEqual(waveJobs({ priority: 'priority_1', agents: 4, failFast: false }, 1).map((j) => [j.id, j.maxParallel]), [['priority_1', 4]]);
  });

  it('a leader told fewer parts than the wave needs fails, naming the command that fixes the workflow', async () => {
    mkdirSync(path.join(tmp.path, '.github'), { recursive: true });
    writeFileSync(path.join(tmp.path, '.github', 'multi-agent-config.yml'), bigConfig([300]));
    const out = path.join(tmp.path, 'out');
    const r = await matrixCli(tmp.path, 'plan', '--github-output', out, '--github-parts', 'priority_1=1');
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /priority_1 has 300 units, more than its 1 workflow job\(s\) can run .*federation matrix workflow/);
    const ok = await matrixCli(tmp.path, 'plan', '--github-output', out, '--github-parts', 'priority_1=3');
    assert.equal(ok.code, 0, ok.err);
    const counts = readFileSync(out, 'utf8').split('\n').filter((l) => /_count=/.test(l));
    assert.deepEqual(counts, ['priority_1_part_1_count=100', 'priority_1_part_2_count=100', 'priority_1_part_3_count=100']);
    assert.equal((await matrixCli(tmp.path, 'plan', '--github-output', out, '--github-parts', 'wave=2')).code, 2);
  });
});
