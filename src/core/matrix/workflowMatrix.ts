// How a wave becomes GitHub jobs. GitHub runs at most 256 entries from one job's matrix, so a larger wave is split
// into parts: several jobs with the same steps, each fed its own matrix by the leader. The parts of a wave keep a
// small wave's meaning:
//   - max-parallel: the wave's agents are shared fairly over `lanes` (min(parts, agents)) that run side by side;
//     the parts of one lane run one after another, so at most `agents` units of the wave run at once;
//   - fail_fast: one lane, every part after the ones before it and only if none of them failed; GitHub's
//     fail-fast cancels the failing part's running entries and the later parts are skipped, as locally;
//   - depends_on and later waves: a later wave needs every part of every earlier wave.
// The leader (`matrix plan --github-output FILE --github-parts WAVE=N,…`) spreads each wave's units over as many
// parts as the workflow has for it, in config order, in contiguous runs that differ by at most one unit.
import { FederationError } from '../errors';
import type { MatrixPlan, MatrixUnit, MatrixWave } from './plan';

/** Most entries GitHub runs from one job's matrix. */
export const GITHUB_MATRIX_LIMIT = 256;

/** One GitHub matrix entry: only what a worker job needs; the worker re-plans from the config for the rest. */
export interface GithubMatrixEntry {
  id: string;
  task: string;
  module: string;
  continue_on_error: boolean;
  timeout_minutes: number;
  produces_artifacts: boolean;
}

/** One job of a wave. */
export interface WavePartJob {
  /** The job id, also the leader's output name (`ID` and `ID_count`): priority_N, or priority_N_part_K. */
  id: string;
  /** From 0. */
  part: number;
  parts: number;
  lane: number;
  maxParallel: number;
  /** Earlier parts of the same wave this one waits for; with fail_fast, it runs only if none of them failed. */
  after: string[];
}

export function jobTimeoutMinutes(u: MatrixUnit): number {
  const waits = (u.retry.maxDelaySeconds * Math.max(0, u.retry.maxAttempts - 1)) / 60;
  return Math.ceil(u.timeoutMinutes * u.retry.maxAttempts + waits + 10);
}

/** Parts a wave of `units` units needs: one per 256 (at least one, so that an empty wave still has its job). */
export function partsNeeded(units: number): number {
  return Math.max(1, Math.ceil(units / GITHUB_MATRIX_LIMIT));
}

/** The jobs of one wave, in order, for a workflow generated with `parts` parts for it. */
export function waveJobs(wave: Pick<MatrixWave, 'priority' | 'agents' | 'failFast'>, parts: number): WavePartJob[] {
  const agents = Math.max(1, wave.agents);
  const lanes = wave.failFast ? 1 : Math.min(parts, agents);
  const id = (k: number) => (parts === 1 ? wave.priority : `${wave.priority}_part_${k + 1}`);
  return Array.from({ length: parts }, (_, k) => {
    const lane = k % lanes;
    // Shares that differ by at most one and add up to the wave's agents.
    const maxParallel = Math.floor(agents / lanes) + (lane < agents % lanes ? 1 : 0);
    const after = wave.failFast ? Array.from({ length: k }, (_, j) => id(j)) : k >= lanes ? [id(k - lanes)] : [];
    return { id: id(k), part: k, parts, lane, maxParallel, after };
  });
}

/** Every wave's jobs for a workflow generated from `plan`: as many parts as its units need now. */
export function workflowParts(plan: MatrixPlan): Map<string, number> {
  return new Map(plan.waves.map((w) => [w.priority, partsNeeded(w.units.length)]));
}

/** The `--github-parts` value of the leader's plan step: only the waves with more than one part. */
export function partsFlag(parts: Map<string, number>): string | undefined {
  const split = [...parts].filter(([, n]) => n > 1);
  return split.length ? split.map(([p, n]) => `${p}=${n}`).join(',') : undefined;
}

/** `priority_1=4,priority_3=2` → a map; undefined for anything else. */
export function parsePartsFlag(text: string): Map<string, number> | undefined {
  const out = new Map<string, number>();
  for (const item of text.split(',')) {
    const m = /^(priority_[1-9]\d{0,2})=([1-9]\d{0,3})$/.exec(item.trim());
    if (!m) return undefined;
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

function entry(u: MatrixUnit): GithubMatrixEntry {
  return {
    id: u.id,
    task: u.task,
    // A folder path: "root" (another name for the root) would be taken as a folder called root.
    module: u.module === 'root' ? '.' : u.module,
    continue_on_error: u.allowWarnings || u.continueOnError,
    timeout_minutes: jobTimeoutMinutes(u),
    produces_artifacts: u.producesArtifacts,
  };
}

/**
 * The matrix of every job, by job id. `parts` says how many jobs the workflow has per wave (default: one); a wave
 * whose units do not fit in its jobs is an error naming the command that makes a workflow that fits.
 */
export function githubMatrix(plan: MatrixPlan, parts: ReadonlyMap<string, number> = new Map()): Record<string, { include: GithubMatrixEntry[] }> {
  const out: Record<string, { include: GithubMatrixEntry[] }> = {};
  for (const w of plan.waves) {
    const n = parts.get(w.priority) ?? 1;
    if (w.units.length > n * GITHUB_MATRIX_LIMIT) {
      throw new FederationError(
        'invalid-input',
        `${w.priority} has ${w.units.length} units, more than its ${n} workflow job(s) can run (${GITHUB_MATRIX_LIMIT} each): generate the workflow again with "federation matrix workflow"`,
        { priority: w.priority, units: w.units.length, parts: n },
      );
    }
    const jobs = waveJobs(w, n);
    const base = Math.floor(w.units.length / n);
    const extra = w.units.length % n;
    let from = 0;
    for (const job of jobs) {
      const size = base + (job.part < extra ? 1 : 0);
      out[job.id] = { include: w.units.slice(from, from + size).map(entry) };
      from += size;
    }
  }
  return out;
}

/** Lines for $GITHUB_OUTPUT: JOB=<matrix JSON> and JOB_count=<units>, for every job of every wave. */
export function githubOutputLines(plan: MatrixPlan, parts: ReadonlyMap<string, number> = new Map()): string[] {
  return Object.entries(githubMatrix(plan, parts)).flatMap(([job, m]) => [`${job}=${JSON.stringify(m)}`, `${job}_count=${m.include.length}`]);
}
