// What every step of one matrix run shares: made once when the run starts (runner.ts), then read by the wave
// scheduler (waves.ts) and by each unit's execution (unitRun.ts). Nothing in it is made per unit.
import type { Clock, FileSystem, Timers } from '../ports';
import type { MatrixPlan } from './plan';
import type { IsolationStrategy } from './processPort';
import type { ModuleSetupResult, RunSummary, TaskResult, WaveTiming } from './results';

export type MatrixEvent =
  | { type: 'run-started'; runId: string; dir: string; plan: MatrixPlan; at: string }
  | { type: 'setup-started'; modules: string[]; at: string }
  | { type: 'setup-finished'; results: ModuleSetupResult[]; at: string }
  | { type: 'wave-started'; wave: number; priority: string; name: string; units: number; agents: number; at: string }
  | { type: 'task-started'; unit: string; task: string; wave: number; attempt: number; maxAttempts: number; at: string }
  | { type: 'task-retrying'; unit: string; nextAttempt: number; delayMs: number; previous: 'failed' | 'timed_out'; at: string }
  | { type: 'task-finished'; result: TaskResult; at: string }
  | { type: 'wave-finished'; wave: WaveTiming; at: string }
  | { type: 'run-finished'; summary: RunSummary; at: string };

export interface RunContext {
  readonly root: string;
  readonly runId: string;
  readonly plan: MatrixPlan;
  readonly fs: FileSystem;
  readonly clock: Clock;
  readonly timers: Timers;
  /** The caller's: cancels the whole run. */
  readonly signal: AbortSignal | undefined;
  readonly graceMs: number;
  /** One frozen copy of the environment, passed by every unit as is (its own variables go in extraEnv). */
  readonly baseEnv: NodeJS.ProcessEnv;
  readonly runnerFor: IsolationStrategy;
  readonly logsDir: string;
  /** logsDir relative to the root, ending in a separator: a unit's log path is this plus a name. */
  readonly logsRel: string;
  readonly tasksDir: string;
  /** The modules whose setup failed, with why. */
  readonly setupFailed: ReadonlyMap<string, string>;
  /** To the caller's listener; a listener that throws does not break the run. */
  emit(e: MatrixEvent): void;
  /** The clock's time, as epoch milliseconds and as the ISO text events carry. */
  ms(): number;
  now(): string;
  /** A module's folder, checked once per run; undefined: outside the repository. */
  folderOf(module: string): string | undefined;
  /** Why the run stops early (fail_fast), once something stopped it. */
  stoppedBy(): string | undefined;
}
