// The GitHub Actions workflow for a matrix config: a leader job plans (one matrix per priority as job outputs), a
// setup job fills the dependency cache once, one job per priority runs its matrix (several for a wave of more than
// 256 units: workflowMatrix.ts), and a report job gathers every
// worker's result file. Nothing masks a failure: a worker fails its job unless its failure is allowed, and then
// the job says so with continue-on-error.
import { ARTIFACT_FOLDERS, MatrixPlan } from './plan';
import { partsFlag, waveJobs, workflowParts } from './workflowMatrix';
import { yaml } from '../lazy';

export const WORKFLOW_FILE = '.github/workflows/multi-agent-deploy.yml';
export const DEFAULT_CLI = 'npx --no-install federation';
/** The report job's artifact: matrix-report.json ({ summary, tasks }, as `matrix report --format json`) and .md. */
export const REPORT_ARTIFACT = 'matrix-report';
export const REPORT_JSON = 'matrix-report.json';
export const REPORT_MARKDOWN = 'matrix-report.md';
/** Each worker's artifact is this prefix and its unit id: tasks/UNIT.json and logs/UNIT.log. */
export const RESULT_ARTIFACT_PREFIX = 'matrix-result-';

export interface WorkflowOptions {
  /** The config path as the workflow passes it to the CLI (relative to the repository root). */
  configFile: string;
  /** How a job calls the federation CLI. */
  cli?: string;
  nodeVersion?: string;
  runsOn?: string;
  branches?: string[];
  /**
   * Docker isolation on the runners: each worker pulls these images (every task's, see unitImage) and runs its unit
   * with `--isolation docker`, as a local run does. The runner never pulls by itself, so the workflow does.
   */
  docker?: { images: string[] };
  /**
   * The config has webhooks: the report job tells them how the run ended (`matrix notify`), once for the whole run.
   * Each variable their URLs name comes from the repository secret of the same name.
   */
  notify?: { variables: string[] };
}

export { GITHUB_MATRIX_LIMIT, githubMatrix, githubOutputLines, jobTimeoutMinutes } from './workflowMatrix';
export type { GithubMatrixEntry } from './workflowMatrix';

/** The workflow's jobs in order: the leader, the setup, every part of every wave, the report. */
export function workflowJobIds(plan: MatrixPlan): string[] {
  const parts = workflowParts(plan);
  return ['leader', 'setup', ...plan.waves.flatMap((w) => waveJobs(w, parts.get(w.priority)!).map((j) => j.id)), 'report'];
}

/**
 * For uploads of the run folder's own files (.federation/runs/…): upload-artifact v4.4.0 and later leave out
 * "any file beginning with `.` or files within folders beginning with `.`" unless told otherwise. Only these named
 * files are uploaded (no folder, no wildcard), so nothing else hidden goes with them.
 */
const RUN_FILES = { 'include-hidden-files': true } as const;

const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml'];

function modulePath(module: string): string {
  return module === '.' || module === 'root' ? '' : `${module.replace(/\/+$/, '')}/`;
}

/** Double quotes for a shell word holding a path from the config. */
function sh(word: string): string {
  return `"${word.replace(/(["\\$`])/g, '\\$1')}"`;
}

export function generateWorkflow(plan: MatrixPlan, opts: WorkflowOptions): string {
  const cli = opts.cli ?? DEFAULT_CLI;
  const node = opts.nodeVersion ?? '20';
  const runsOn = opts.runsOn ?? 'ubuntu-latest';
  const branches = opts.branches ?? ['main', 'develop'];
  const modules = [...new Set(plan.waves.flatMap((w) => w.units.map((u) => u.module)))];
  const runDir = '.federation/runs/${{ env.FEDERATION_RUN_ID }}';
  const caching = plan.caching.enabled;
  const hashArgs = modules.flatMap((m) => LOCKFILES.map((l) => `'${modulePath(m)}${l}'`)).join(', ');
  const cacheKey = plan.caching.cacheKey ?? `matrix-deps-\${{ runner.os }}-node${node}-\${{ hashFiles(${hashArgs || "'**/package-lock.json'"}) }}`;
  const cachePaths = modules.map((m) => `${modulePath(m)}node_modules`).join('\n');
  const cacheWith: Record<string, unknown> = { path: cachePaths, key: cacheKey };
  if (plan.caching.restoreKeys.length) cacheWith['restore-keys'] = plan.caching.restoreKeys.join('\n');
  const checkout = { name: 'Check out', uses: 'actions/checkout@v4' };
  const setupNode = { name: 'Set up Node.js', uses: 'actions/setup-node@v4', with: { 'node-version': node } };
  const config = sh(opts.configFile);

  // A wave of more than 256 units runs as several jobs (workflowMatrix.ts says how they keep the wave's meaning).
  const parts = workflowParts(plan);
  const split = partsFlag(parts);
  const partJobs = plan.waves.flatMap((wave) => waveJobs(wave, parts.get(wave.priority)!).map((job) => ({ wave, job })));
  const jobIdsOf = (w: MatrixPlan['waves'][number]) => partJobs.filter((p) => p.wave === w).map((p) => p.job.id);
  const jobs: Record<string, unknown> = {};
  jobs['leader'] = {
    name: 'Leader: plan the matrix',
    'runs-on': runsOn,
    outputs: Object.fromEntries(partJobs.flatMap(({ job }) => [[job.id, `\${{ steps.plan.outputs.${job.id} }}`], [`${job.id}_count`, `\${{ steps.plan.outputs.${job.id}_count }}`]])),
    steps: [
      checkout,
      setupNode,
      {
        name: 'Plan',
        id: 'plan',
        run: `mkdir -p "${runDir}"\n${cli} matrix plan --config ${config} --json --github-output "$GITHUB_OUTPUT"${split ? ` --github-parts ${split}` : ''} > "${runDir}/plan.json"`,
      },
      { name: 'Upload the plan', uses: 'actions/upload-artifact@v4', with: { name: 'matrix-plan', path: `${runDir}/plan.json`, 'if-no-files-found': 'error', ...RUN_FILES } },
    ],
  };
  jobs['setup'] = {
    name: 'Setup: install dependencies once',
    needs: ['leader'],
    'runs-on': runsOn,
    steps: [
      checkout,
      setupNode,
      ...(caching
        ? [
            { name: 'Dependency cache', id: 'deps', uses: 'actions/cache@v4', with: cacheWith },
            { name: 'Install dependencies', if: "steps.deps.outputs.cache-hit != 'true'", run: `${cli} matrix setup --config ${config} --allow-workspace-commands` },
          ]
        : [{ name: 'Check that dependencies install', run: `${cli} matrix setup --config ${config} --allow-workspace-commands` }]),
    ],
  };
  for (const { wave: w, job } of partJobs) {
    const earlierWaves = plan.waves.filter((x) => x.index < w.index);
    const earlierFailFast = earlierWaves.filter((x) => x.failFast).flatMap(jobIdsOf).map((id) => `needs.${id}.result != 'failure'`);
    // fail_fast: a part runs only if no earlier part of its wave failed (their fail-fast cancels only their own).
    const sameWave = w.failFast ? job.after.map((id) => `needs.${id}.result != 'failure'`) : [];
    const condition = ['!cancelled()', "needs.setup.result == 'success'", `needs.leader.outputs.${job.id}_count != '0'`, ...earlierFailFast, ...sameWave].join(' && ');
    jobs[job.id] = {
      name: `${w.name} (\${{ matrix.id }})`,
      needs: ['leader', 'setup', ...earlierWaves.flatMap(jobIdsOf), ...job.after],
      if: `\${{ ${condition} }}`,
      'runs-on': runsOn,
      'timeout-minutes': '${{ matrix.timeout_minutes }}',
      'continue-on-error': '${{ matrix.continue_on_error }}',
      strategy: {
        'fail-fast': w.failFast,
        'max-parallel': job.maxParallel,
        matrix: `\${{ fromJSON(needs.leader.outputs.${job.id}) }}`,
      },
      steps: [
        checkout,
        setupNode,
        ...(caching
          ? [
              { name: 'Restore dependencies', id: 'deps', uses: 'actions/cache/restore@v4', with: { path: cachePaths, key: cacheKey } },
              { name: 'Install dependencies (cache miss)', if: "steps.deps.outputs.cache-hit != 'true'", run: `${cli} matrix setup --config ${config} --allow-workspace-commands --unit "\${{ matrix.id }}"` },
            ]
          : []),
        ...(opts.docker ? [{ name: 'Pull the task images', run: opts.docker.images.map((i) => `docker pull ${sh(i)}`).join('\n') }] : []),
        {
          name: 'Run ${{ matrix.id }}',
          run: `${cli} matrix run --config ${config} --allow-workspace-commands --unit "\${{ matrix.id }}" --run-id "$FEDERATION_RUN_ID"${caching ? ' --no-setup' : ''}${opts.docker ? ' --isolation docker' : ''}`,
        },
        {
          name: 'Upload the result',
          if: 'always()',
          uses: 'actions/upload-artifact@v4',
          with: { name: `${RESULT_ARTIFACT_PREFIX}${'${{ matrix.id }}'}`, path: `${runDir}/tasks/\${{ matrix.id }}.json\n${runDir}/logs/\${{ matrix.id }}.log`, 'if-no-files-found': 'error', ...RUN_FILES },
        },
        {
          name: 'Upload build output',
          if: 'success() && matrix.produces_artifacts',
          uses: 'actions/upload-artifact@v4',
          with: { name: 'build-${{ matrix.id }}', path: ARTIFACT_FOLDERS.map((f) => `\${{ matrix.module }}/${f}`).join('\n'), 'if-no-files-found': 'warn' },
        },
      ],
    };
  }
  jobs['report'] = {
    name: 'Leader: report',
    needs: ['leader', ...partJobs.map((p) => p.job.id)],
    if: 'always()',
    'runs-on': runsOn,
    steps: [
      checkout,
      setupNode,
      { name: 'Download the plan', uses: 'actions/download-artifact@v4', with: { name: 'matrix-plan', path: runDir } },
      { name: 'Download the results', uses: 'actions/download-artifact@v4', with: { pattern: `${RESULT_ARTIFACT_PREFIX}*`, path: runDir, 'merge-multiple': true } },
      {
        name: 'Report',
        run: `${cli} matrix report --run "$FEDERATION_RUN_ID" --format md --out ${REPORT_MARKDOWN}\ncat ${REPORT_MARKDOWN} >> "$GITHUB_STEP_SUMMARY"\n${cli} matrix report --run "$FEDERATION_RUN_ID" --format json --out ${REPORT_JSON}`,
      },
      { name: 'Upload the report', if: 'always()', uses: 'actions/upload-artifact@v4', with: { name: REPORT_ARTIFACT, path: `${REPORT_MARKDOWN}\n${REPORT_JSON}` } },
      ...(opts.notify
        ? [{
            name: 'Notify',
            if: 'always()',
            run: `${cli} matrix notify --config ${config} --run "$FEDERATION_RUN_ID"`,
            ...(opts.notify.variables.length ? { env: Object.fromEntries(opts.notify.variables.map((v) => [v, `\${{ secrets.${v} }}`])) } : {}),
          }]
        : []),
    ],
  };
  const workflow = {
    name: 'Multi-Agent Parallel Deployment',
    on: { push: { branches }, pull_request: { branches }, workflow_dispatch: null },
    permissions: { contents: 'read' },
    concurrency: { group: 'multi-agent-${{ github.ref }}', 'cancel-in-progress': true },
    env: { FEDERATION_RUN_ID: 'gh-${{ github.run_id }}-${{ github.run_attempt }}' },
    jobs,
  };
  const header = `# Generated by "federation matrix workflow" from ${opts.configFile}: edit the config and generate again.\n# Docs: docs/matrix.md\n`;
  return header + yaml().stringify(workflow, { lineWidth: 0, nullStr: '' });
}
