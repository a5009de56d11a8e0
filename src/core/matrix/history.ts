// Scheduling from history: each run leaves durations.json (every unit's command, status and duration), and the
// next run starts each wave's units longest-expected-first. Expected = the median of that unit's last runs with
// the same command; a unit never seen with it counts as the wave's median of the known ones. Longest first is
// Graham's LPT rule: with agents taking the next unit when free, it keeps the wave within 4/3 of the best
// schedule, where the written order can leave the longest unit for last. Ties keep the written order.
import * as path from 'node:path';
import type { FileSystem } from '../ports';
import type { MatrixPlan, MatrixWave } from './plan';
import { RUN_ID_PATTERN, RUNS_DIR, writeJson, type TaskResult, type TaskStatus } from './results';

export const DURATIONS_FILE = 'durations.json';
/** Runs of a unit (with the same command) whose median is its expected duration. */
export const HISTORY_SAMPLES = 5;
/** Most run folders read for one plan: the cost stays bounded however many runs the workspace keeps. */
export const HISTORY_RUNS = 20;
export const RUN_ORDERS = ['history', 'config'] as const;
export type RunOrder = (typeof RUN_ORDERS)[number];

export interface DurationsFile {
  version: 1;
  units: Record<string, { command: string; status: TaskStatus; durationMs: number }>;
}

/** What a run leaves for the next one's scheduling: every unit that ran. */
export async function writeDurations(fs: FileSystem, dir: string, results: readonly TaskResult[]): Promise<void> {
  const units: DurationsFile['units'] = {};
  for (const r of results) if (r.attempts > 0 && r.status !== 'cancelled' && r.status !== 'skipped') units[r.unit] = { command: r.command, status: r.status, durationMs: r.durationMs };
  await writeJson(fs, path.join(dir, DURATIONS_FILE), { version: 1, units } satisfies DurationsFile);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Whether the order can matter: some wave has more units than agents. */
export function orderMatters(plan: MatrixPlan): boolean {
  return plan.waves.some((w) => w.units.length > w.agents);
}

/**
 * Expected duration of each unit of the plan that ran before with its current command: the median of its last
 * HISTORY_SAMPLES such runs, newest first, from the last HISTORY_RUNS runs that left durations. `except`: the run
 * being started.
 */
export async function expectedDurations(fs: FileSystem, root: string, plan: MatrixPlan, except?: string): Promise<Map<string, number>> {
  const wanted = new Map(plan.waves.flatMap((w) => w.units.map((u) => [u.id, u.command] as const)));
  const base = path.join(root, RUNS_DIR);
  let names: string[];
  try {
    names = (await fs.readdir(base)).filter((n) => RUN_ID_PATTERN.test(n) && n !== except);
  } catch {
    return new Map();
  }
  // Newest first by the file's time: GitHub run ids (gh-ID-ATTEMPT) do not sort by time as local ones do.
  const files: { file: string; at: number }[] = [];
  for (const n of names) {
    const file = path.join(base, n, DURATIONS_FILE);
    try {
      files.push({ file, at: (await fs.stat(file)).mtimeMs });
    } catch {
      // A run in progress, or one from before durations were kept.
    }
  }
  files.sort((a, b) => b.at - a.at);
  const samples = new Map<string, number[]>();
  for (const { file } of files.slice(0, HISTORY_RUNS)) {
    let d: DurationsFile;
    try {
      d = JSON.parse(await fs.readFile(file, 'utf8')) as DurationsFile;
    } catch {
      continue;
    }
    for (const [unit, r] of Object.entries(d.units ?? {})) {
      if (wanted.get(unit) !== r.command || !(r.durationMs >= 0)) continue;
      const xs = samples.get(unit) ?? [];
      if (xs.length < HISTORY_SAMPLES) xs.push(r.durationMs);
      samples.set(unit, xs);
    }
    if (samples.size === wanted.size && [...samples.values()].every((xs) => xs.length >= HISTORY_SAMPLES)) break;
  }
  return new Map([...samples].map(([u, xs]) => [u, median(xs)]));
}

/** One wave's units longest-expected-first (unknown: the wave's median of the known), ties in written order. */
export function orderWave(wave: MatrixWave, expected: ReadonlyMap<string, number>): MatrixWave {
  const known = wave.units.map((u) => expected.get(u.id)).filter((x): x is number => x !== undefined);
  if (known.length === 0 || wave.units.length <= wave.agents) return wave;
  const fallback = median(known);
  const guess = (id: string) => expected.get(id) ?? fallback;
  // Array.prototype.sort is stable: equal guesses keep the written order.
  const units = [...wave.units].sort((a, b) => guess(b.id) - guess(a.id));
  const assignment: string[][] = Array.from({ length: wave.agents }, () => []);
  units.forEach((u, i) => assignment[i % wave.agents]!.push(u.id));
  return { ...wave, units, assignment };
}

/** The plan with every wave in run order: longest expected first, from the workspace's earlier runs. */
export async function orderByHistory(fs: FileSystem, root: string, plan: MatrixPlan, except?: string): Promise<MatrixPlan> {
  if (!orderMatters(plan)) return plan;
  const expected = await expectedDurations(fs, root, plan, except);
  if (expected.size === 0) return plan;
  return { ...plan, waves: plan.waves.map((w) => orderWave(w, expected)) };
}
