// The one matrix run a window may have at a time. Claimed synchronously before anything is awaited (config load,
// Docker ping, image checks), so two Run Matrix commands started together cannot both get past the check. No
// vscode import: unit-tested on its own.
import { FederationError } from '../../core/errors';

export interface ActiveRun {
  /** Known once the runner reports run-started (or GitHub reports the run). */
  runId?: string;
  /** Aborts the run, or its preparation when it has not started yet. */
  abort: AbortController;
}

export class RunSlot {
  private current: ActiveRun | undefined;

  get active(): ActiveRun | undefined {
    return this.current;
  }

  /** Takes the slot or throws ('invalid-input') when a run, or one still being prepared, holds it. */
  claim(signal?: AbortSignal): ActiveRun {
    if (this.current) throw new FederationError('invalid-input', 'A matrix run is already in progress in this window; cancel it first.', {});
    const run: ActiveRun = { abort: new AbortController() };
    signal?.addEventListener('abort', () => run.abort.abort(), { once: true });
    this.current = run;
    return run;
  }

  /** Frees the slot if `run` still holds it. */
  release(run: ActiveRun): void {
    if (this.current === run) this.current = undefined;
  }
}
