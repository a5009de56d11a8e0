import { ProcessOutcome, ProcessRunner, ProcessRunnerFactory, ProcessSpec, specEnv } from '../../../src/core/matrix/processPort';
import { FakeClock } from '../../helpers/fakeClock';

export interface Step {
  ms: number;
  exit?: number;
  timeout?: boolean;
}

/**
 * A scripted process runner: per unit id, one step per attempt (default: 10 ms, exit 0). Honours the signal. A
 * step takes its time on the clock given (the run's, driven by FakeClock.run), never the machine's.
 */
export class FakeRunner implements ProcessRunner {
  readonly calls: { unit: string; attempt: number; start: number; end: number; cwd: string; env: NodeJS.ProcessEnv }[] = [];
  running = 0;
  maxRunning = 0;
  constructor(
    private readonly script: Record<string, Step[]> = {},
    private readonly clock: FakeClock = new FakeClock(),
  ) {}

  async run(spec: ProcessSpec): Promise<ProcessOutcome> {
    const env = specEnv(spec);
    const unit = env['FEDERATION_UNIT_ID']!;
    const attempt = Number(env['FEDERATION_ATTEMPT']);
    const step = this.script[unit]?.[attempt - 1] ?? this.script[unit]?.at(-1) ?? { ms: 10, exit: 0 };
    if (spec.signal?.aborted) return { exitCode: null, signal: null, timedOut: false, cancelled: true, pid: null };
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    const start = this.clock.now().getTime();
    const cancelled = await new Promise<boolean>((resolve) => {
      const t = this.clock.setTimeout(() => {
        spec.signal?.removeEventListener('abort', onAbort);
        resolve(false);
      }, step.ms);
      const onAbort = () => {
        this.clock.clearTimeout(t);
        resolve(true);
      };
      spec.signal?.addEventListener('abort', onAbort, { once: true });
    });
    this.running--;
    this.calls.push({ unit, attempt, start, end: this.clock.now().getTime(), cwd: spec.cwd, env });
    if (cancelled) return { exitCode: null, signal: 'SIGTERM', timedOut: false, cancelled: true, pid: 1 };
    if (step.timeout) return { exitCode: null, signal: 'SIGTERM', timedOut: true, cancelled: false, pid: 1 };
    return { exitCode: step.exit ?? 0, signal: null, timedOut: false, cancelled: false, pid: 1 };
  }
}

/** The local runner of runs whose units all go through a fake and whose setup finds no lockfile: it is never used. */
export const noLocalProcesses: ProcessRunnerFactory = () => ({
  run: () => Promise.reject(new Error('this test starts no local process')),
});
