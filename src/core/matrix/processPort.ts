// The process-runner port: how one attempt of one unit is executed. The matrix runner only talks to this
// interface, so unit tests use a fake and another isolation strategy (a container through DockerClient) can be
// plugged in per unit. The real local runner is a Node adapter outside the core (src/node/process/): the front
// ends pass it in as a ProcessRunnerFactory.
import type { MatrixUnit } from './plan';

export interface ProcessSpec {
  /** Shell command line, run by /bin/sh -c. */
  command: string;
  cwd: string;
  /**
   * The environment of the process: `env` with `extraEnv` on top. A run passes one frozen base shared by all its
   * units and each unit's few variables in `extraEnv`, so a launcher sends the base once, not with every task.
   */
  env: NodeJS.ProcessEnv;
  extraEnv?: Readonly<Record<string, string>>;
  /** stdout and stderr are appended here. */
  logFile: string;
  /** Written to the log just before the command starts (the runner's attempt header). */
  preamble?: string;
  /** The whole process group is stopped after this long. */
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL. */
  graceMs: number;
  /** Aborting stops the whole process group the same way as a timeout. */
  signal?: AbortSignal;
}

export interface ProcessOutcome {
  /** Null when the process ended by a signal or never started. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  /** Process (and process group) id; null when it never started. */
  pid: number | null;
  /** Why it never started (bad folder, no shell). */
  error?: string;
  /** What the attempt used, when its runner can tell (resources.ts says how each one measures). */
  usage?: ResourceUsage;
}

/** CPU and memory of one attempt. */
export interface ResourceUsage {
  /** CPU time in user and kernel mode, milliseconds. */
  userMs: number;
  systemMs: number;
  /**
   * Peak memory, bytes, or null when the runner cannot tell. rusage: the largest resident set of any one process of
   * the task that was waited for; cgroup: the container's peak, all its processes together.
   */
  peakMemoryBytes: number | null;
  /** rusage: wait4 of the task's shell by the launch server; times: CPU only (a Perl without wait4); cgroup: the container's. */
  source: 'rusage' | 'times' | 'cgroup';
}

export interface ProcessRunner {
  run(spec: ProcessSpec): Promise<ProcessOutcome>;
}

/** A strategy picks the runner per unit: a local process group, or a container (containerRunner.ts). */
export type IsolationStrategy = (unit: MatrixUnit) => ProcessRunner;

/**
 * Makes the runner of processes on this machine (setup installs, units without other isolation). The caller of
 * the factory owns the runner: it calls `dispose` when done, which lets go of whatever the runner keeps alive
 * between tasks (the Node adapter's launch servers).
 */
export type ProcessRunnerFactory = () => ProcessRunner & { dispose?(): void };

/** The complete environment a spec asks for. */
export function specEnv(spec: Pick<ProcessSpec, 'env' | 'extraEnv'>): NodeJS.ProcessEnv {
  return spec.extraEnv ? { ...spec.env, ...spec.extraEnv } : spec.env;
}
