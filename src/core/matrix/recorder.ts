// Result recording: each task result, as it arrives, goes into the run's list, its tasks/UNIT.json file and a
// task-finished event, in that order; and what stops a run early is recorded here too: fail_fast's reason, or the
// first error (a result that cannot be written, a process runner that throws).
import * as path from 'node:path';
import type { FileSystem } from '../ports';
import { TaskResult, writeJsonSync } from './results';
import type { MatrixEvent } from './runContext';

export class RunRecorder {
  readonly results: TaskResult[] = [];
  /** Per wave index, on the run's clock; summarizeRun turns them into the summary's wave timings. */
  readonly waveTimes = new Map<number, { start: number; end: number; stopped: boolean }>();
  /** Why the run stops early: set by the first blocking failure in a fail_fast wave. */
  stoppedBy: string | undefined;
  private readonly stop = new AbortController();
  private error: unknown;

  constructor(
    private readonly fs: FileSystem,
    private readonly tasksDir: string,
    private readonly emit: (e: MatrixEvent) => void,
    private readonly now: () => string,
  ) {}

  /** Aborts once the run failed: every running unit stops, none starts. */
  get failed(): AbortSignal {
    return this.stop.signal;
  }

  // Result files are written synchronously: a small file into the page cache costs tens of microseconds, less
  // than any asynchronous route (four thread-pool round trips each with fs.promises; a writer thread measured no
  // faster for 1,000 no-op tasks and took a core the tasks needed). task-finished follows the file.
  record(r: TaskResult): void {
    this.results.push(r);
    try {
      // Paths by concatenation: path.join for each of 1,000 units showed in profiles.
      writeJsonSync(this.fs, this.tasksDir + path.sep + r.unit + '.json', r);
    } catch (e) {
      this.fail(e);
      return;
    }
    this.emit({ type: 'task-finished', result: r, at: this.now() });
  }

  /**
   * Stops the run, but it ends (with the first error) only once every task it started has ended: throwing from
   * inside one agent would leave the others' processes running unsupervised.
   */
  fail(e: unknown): void {
    this.error ??= e;
    this.stop.abort();
  }

  /** Throws the error that failed the run, if one did (once every unit has ended). */
  rethrow(): void {
    if (this.error !== undefined) throw this.error;
  }
}
