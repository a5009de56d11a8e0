// The generated workflow is parsed by GitHub's own parser (@actions/workflow-parser) and must have no error.
import * as assert from 'node:assert/strict';
import { planMatrix } from '../../../src/core/matrix/plan';
import { generateWorkflow, githubOutputLines } from '../../../src/core/matrix/workflow';
import { githubErrors } from './githubParser';
import { config } from './helpers';
import { CONFIGS, FIXTURE_CONFIG } from './workflowConfigs';

describe('GitHub Actions workflow', () => {
  for (const [name, text] of Object.entries(CONFIGS)) {
    it(`parses with zero errors in GitHub's parser: ${name}`, async function () {
      this.timeout(30_000);
      const plan = planMatrix(config(text));
      const yml = generateWorkflow(plan, { configFile: '.github/multi-agent-config.yml' });
      assert.deepEqual(await githubErrors(yml), [], yml);
      assert.doesNotMatch(yml, /\|\|\s*(true|echo|:)/, 'no failure may be masked');
    });
  }

  it('with docker isolation, parses with zero errors; each worker pulls the images and runs with --isolation docker', async function () {
    this.timeout(30_000);
    const plan = planMatrix(config(FIXTURE_CONFIG));
    const yml = generateWorkflow(plan, { configFile: '.github/multi-agent-config.yml', docker: { images: ['node:20-bookworm-slim', 'ghcr.io/acme/tool:1'] } });
    assert.deepEqual(await githubErrors(yml), [], yml);
    const wf = (require('yaml') as typeof import('yaml')).parse(yml) as { jobs: Record<string, { steps?: { name?: string; run?: string }[] }> };
    for (const job of ['priority_1', 'priority_2', 'priority_3']) {
      const steps = wf.jobs[job]!.steps!;
      const pull = steps.findIndex((st) => st.name === 'Pull the task images');
      const runStep = steps.findIndex((st) => st.run?.includes(' matrix run '));
      assert.ok(pull >= 0 && pull < runStep, `${job} pulls before it runs`);
      assert.equal(steps[pull]!.run, 'docker pull "node:20-bookworm-slim"\ndocker pull "ghcr.io/acme/tool:1"');
      assert.match(steps[runStep]!.run!, / --isolation docker$/);
    }
    assert.doesNotMatch(generateWorkflow(plan, { configFile: 'c.yml' }), /isolation docker|docker pull/);
  });

  it('with webhooks, the report job tells them once (matrix notify), each variable from the secret of its name; without, no such step', async function () {
    this.timeout(30_000);
    const plan = planMatrix(config(FIXTURE_CONFIG));
    const yml = generateWorkflow(plan, { configFile: '.github/multi-agent-config.yml', notify: { variables: ['SLACK_WEBHOOK', 'HOOK_KEY'] } });
    assert.deepEqual(await githubErrors(yml), [], yml);
    const wf = (require('yaml') as typeof import('yaml')).parse(yml) as { jobs: Record<string, { if?: string; steps?: { name?: string; if?: string; run?: string; env?: Record<string, string> }[] }> };
    const notify = wf.jobs['report']!.steps!.find((st) => st.name === 'Notify')!;
    assert.deepEqual(notify, {
      name: 'Notify',
      if: 'always()',
      run: 'npx --no-install federation matrix notify --config ".github/multi-agent-config.yml" --run "$FEDERATION_RUN_ID"',
      env: { SLACK_WEBHOOK: '${{ secrets.SLACK_WEBHOOK }}', HOOK_KEY: '${{ secrets.HOOK_KEY }}' },
    });
    const workers = Object.entries(wf.jobs).filter(([id]) => id !== 'report').flatMap(([, j]) => j.steps ?? []);
    assert.ok(!workers.some((st) => st.run?.includes('matrix notify')), 'only the report job notifies');
    assert.doesNotMatch(generateWorkflow(plan, { configFile: 'c.yml' }), /matrix notify/);
  });

  it('the parser does report errors (the check can fail)', async () => {
    const errors = await githubErrors('on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    strategy:\n      fail-fast: maybe\n    steps:\n      - run: echo\n');
    assert.ok(errors.length > 0);
  });

  it('has the leader, setup, one job per priority and the report, wired as documented', async () => {
    const plan = planMatrix(config(CONFIGS['fail_fast waves, caching off, root module']!));
    const yml = generateWorkflow(plan, { configFile: '.github/multi-agent-config.yml', cli: 'node tools/federation.js' });
    const wf = (require('yaml') as typeof import('yaml')).parse(yml) as { jobs: Record<string, Record<string, unknown>> };
    assert.deepEqual(Object.keys(wf.jobs), ['leader', 'setup', 'priority_1', 'priority_2', 'priority_3', 'report']);
    const p3 = wf.jobs['priority_3']!;
    assert.deepEqual(p3['needs'], ['leader', 'setup', 'priority_1', 'priority_2']);
    assert.equal(
      p3['if'],
      "${{ !cancelled() && needs.setup.result == 'success' && needs.leader.outputs.priority_3_count != '0' && needs.priority_1.result != 'failure' && needs.priority_2.result != 'failure' }}",
    );
    assert.deepEqual(p3['strategy'], { 'fail-fast': false, 'max-parallel': 1, matrix: '${{ fromJSON(needs.leader.outputs.priority_3) }}' });
    assert.equal((wf.jobs['priority_1']!['strategy'] as Record<string, unknown>)['fail-fast'], true);
    assert.equal(p3['continue-on-error'], '${{ matrix.continue_on_error }}');
    assert.equal(wf.jobs['report']!['if'], 'always()');
    const reportSteps = JSON.stringify(wf.jobs['report']!['steps']);
    assert.match(reportSteps, /GITHUB_STEP_SUMMARY/);
    assert.match(reportSteps, /node tools\/federation\.js matrix report/);
    const workerSteps = p3['steps'] as { uses?: string; if?: string; with?: Record<string, unknown> }[];
    const upload = workerSteps.find((s) => s.uses === 'actions/upload-artifact@v4' && s.if === 'always()')!;
    assert.equal(upload.with!['name'], 'matrix-result-${{ matrix.id }}');
    const leader = JSON.stringify(wf.jobs['leader']);
    assert.match(leader, /matrix plan --config \\".github\/multi-agent-config.yml\\" --json --github-output/);
  });

  it('uses actions/cache keyed by the lockfiles of the modules, and restores it in workers', () => {
    const plan = planMatrix(config(FIXTURE_CONFIG));
    const yml = generateWorkflow(plan, { configFile: '.github/multi-agent-config.yml' });
    assert.match(yml, /uses: actions\/cache@v4/);
    assert.match(yml, /uses: actions\/cache\/restore@v4/);
    assert.match(yml, /hashFiles\('backend\/package-lock\.json', .*'frontend\/pnpm-lock\.yaml'\)/);
    assert.match(yml, /path: \|-?\n\s+backend\/node_modules\n\s+frontend\/node_modules/);
  });

  it('leader outputs: one matrix per priority with per-task continue_on_error, and a unit count', () => {
    const plan = planMatrix(config(FIXTURE_CONFIG));
    const lines = githubOutputLines(plan);
    assert.deepEqual(lines.filter((l) => l.includes('_count=')), ['priority_1_count=4', 'priority_2_count=3', 'priority_3_count=2']);
    const p1 = JSON.parse(lines[0]!.slice('priority_1='.length)) as { include: { id: string; continue_on_error: boolean }[] };
    assert.deepEqual(p1.include.map((e) => [e.id, e.continue_on_error]), [['lint-backend', true], ['lint-frontend', true], ['type-check-backend', false], ['type-check-frontend', false]]);
    const p2 = JSON.parse(lines[2]!.slice('priority_2='.length)) as { include: { id: string }[] };
    assert.deepEqual(p2.include.map((e) => e.id), ['test-backend.shard-1-of-2', 'test-backend.shard-2-of-2', 'test-frontend']);
  });
});
