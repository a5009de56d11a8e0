// Waiting through the Timers port, cut short by an AbortSignal. What an abort means differs by caller, so the
// caller says it: 'resolve' ends the wait quietly (the matrix runner checks the signal itself next), a function
// rejects with the error it makes (GitHub polling, where a cancel ends the whole operation).
import { systemTimers, type Timers } from './ports';

export interface SleepOptions {
  /** Default: the system's. */
  timers?: Timers;
  signal?: AbortSignal | undefined;
  onAbort: 'resolve' | (() => unknown);
}

/** Waits `ms` (nothing at all when it is 0 or less, or the signal has already aborted). */
export function sleep(ms: number, o: SleepOptions): Promise<void> {
  const { signal, onAbort } = o;
  if (signal?.aborted) return onAbort === 'resolve' ? Promise.resolve() : Promise.reject(onAbort());
  if (ms <= 0) return Promise.resolve();
  const timers = o.timers ?? systemTimers;
  return new Promise((resolve, reject) => {
    const aborted = () => {
      timers.clearTimeout(handle);
      if (onAbort === 'resolve') resolve();
      else reject(onAbort());
    };
    const handle = timers.setTimeout(() => {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }, ms);
    signal?.addEventListener('abort', aborted, { once: true });
  });
}
