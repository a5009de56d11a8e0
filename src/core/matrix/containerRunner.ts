// --isolation docker: the process-runner port implemented with one hardened container per attempt, over our
// DockerClient port. The runner's scheduling, retries, timeouts and results stay the same code path; only how an
// attempt is started, stopped and observed changes. Decisions (docs/matrix.md, "Containers"):
// - image: the task's `image`, else the config's `docker.image`; neither is a config error before anything runs.
// - mounts: the repository read-only at /workspace (shared scripts and configs stay reachable) with .federation/,
//   .git and .vscode hidden, the module folder writable on top of it and the working directory (its node_modules
//   from the setup step included); a writable /tmp (also HOME); nothing else, never the Docker socket. Host paths
//   are real paths and the module's path may hold no symlink: the engine would follow one on the host.
// - confinement: read-only root, every capability dropped, no-new-privileges, memory and pids limits, network
//   none unless the task or docker.network asks for bridge or a user-defined network, docker-init as PID 1.
// - the user is the owner of the module folder, so what a task writes belongs to whoever owns the checkout.
// - every container is labelled with the run id (and removed after its attempt); removeRunContainers() finds a
//   crashed run's leftovers by that label.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { constants as osConstants } from 'node:os';
import { type ContainerSpec, type DockerClient, type Hardening, type MountSpec } from '../docker/client';
import { FederationError, describeError } from '../errors';
import { systemTimers, type FileSystem, type Stats, type TimerHandle, type Timers } from '../ports';
import type { MatrixUnit } from './plan';
import { specEnv, type ProcessOutcome, type ProcessRunner, type ProcessSpec } from './processPort';
import { checkModuleFolder, isInside } from './validate';
import { parseUsage, readUsage, USAGE_FILE, USAGE_MOUNT, wrappedCommand } from './containerUsage';
import { packModule, pullArtifacts, pullUsageText } from './remoteModule';

/** Per-attempt folders for the usage file, under the workspace (the engine must see the same file system). */
const USAGE_DIR = path.join('.federation', 'cache', 'usage');

export const MATRIX_LABEL = {
  /** The run id: a crashed run's containers are found with it. */
  run: 'agent-federation.matrix.run',
  unit: 'agent-federation.matrix.unit',
  attempt: 'agent-federation.matrix.attempt',
  /** Same hash as the agents' label: which workspace made it. */
  federation: 'agent-federation.federation',
} as const;

export const CONTAINER_WORKSPACE = '/workspace';
/** On an engine that gets copies: the attempt's volume; the module is at workspace/<its path> in it. */
export const REMOTE_ROOT = '/federation-copy';
const REMOTE_USAGE_FILE = '.federation-usage';
/** Writable scratch on the read-only root; exec allowed (test runners and compilers run things from /tmp). */
export const TASK_TMPFS = 'rw,nosuid,nodev,size=256m,mode=1777';
/** Hides the federation's state (agents' secrets and output, run logs) inside the read-only workspace. */
export const FEDERATION_MASK = 'ro,noexec,nosuid,nodev,size=4k,mode=0555';
/**
 * Top-level entries hidden from every task, even the root module's: what a task could write there runs on the host
 * later (git hooks, .vscode/tasks.json) and .git/config may hold tokens in remote URLs. A folder gets an empty
 * read-only tmpfs like .federation/; a file (a worktree's .git) an empty read-only file.
 */
export const HIDDEN_ENTRIES = ['.git', '.vscode'] as const;
/** The empty file bound over hidden files; under .federation/, which every container already hides. */
export const EMPTY_MASK_FILE = path.join('.federation', 'matrix-empty');
export interface ContainerRunnerOptions {
  client: DockerClient;
  fs: FileSystem;
  root: string;
  image: string;
  network: string;
  /** Which environment variables of the spec are the task's own (the rest is the host's and stays out). */
  unit: Pick<MatrixUnit, 'id' | 'env'>;
  limits: { memoryBytes: number; pidsLimit: number };
  labels?: Record<string, string>;
  /** What the attempt's timeout, the grace period and the log's last wait wait on. Default: the system's. */
  timers?: Timers;
  /** The engine cannot see our files: the module goes in a volume of the attempt's, and its build output comes back. */
  copy?: boolean;
}

function signalName(n: number): string | undefined {
  return Object.entries(osConstants.signals).find(([, v]) => v === n)?.[0];
}

/** A container name from parts that may hold characters the engine refuses. */
function containerName(runId: string, unit: string, attempt: string): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9_.-]+/g, '_');
  return `af-matrix-${clean(runId)}-${clean(unit)}-a${clean(attempt)}-${randomBytes(2).toString('hex')}`.slice(0, 200);
}

export class ContainerProcessRunner implements ProcessRunner {
  private readonly timers: Timers;

  constructor(private readonly opts: ContainerRunnerOptions) {
    this.timers = opts.timers ?? systemTimers;
  }

  /** The container's environment: the task's own variables and FEDERATION_*; never the host's (PATH, tokens…). */
  private envOf(spec: ProcessSpec): Record<string, string> {
    const env: Record<string, string> = { HOME: '/tmp' };
    for (const [k, v] of Object.entries(specEnv(spec))) {
      // Own keys only: `in` would also let through inherited names such as "constructor".
      if (v !== undefined && (Object.hasOwn(this.opts.unit.env, k) || k.startsWith('FEDERATION_'))) env[k] = v;
    }
    return env;
  }

  /** Host folder → container spec: what is mounted where, as whom. */
  private async containerSpec(spec: ProcessSpec, attempt: Attempt): Promise<ContainerSpec> {
    // Checked on the file system, not as text, right before the engine mounts it: a symlink in the module's path
    // would be followed on the host (checkModuleFolder refuses any, so realDir is the folder named).
    const { fs } = this.opts;
    const checked = checkModuleFolder(fs, this.opts.root, spec.cwd, { noSymlinks: true });
    if (!checked.ok) {
      throw new FederationError('outside-workspace', `${spec.cwd} is not a real folder inside the repository ${this.opts.root} (${checked.problem}: ${checked.at})`, {
        cwd: spec.cwd,
        problem: checked.problem,
        at: checked.at,
      });
    }
    const { realRoot: root, realDir } = checked;
    const rel = path.relative(root, realDir);
    if (this.opts.copy) return this.copiedSpec(spec, attempt, realDir, rel);
    const inContainer = (hostPath: string) => path.posix.join(CONTAINER_WORKSPACE, ...path.relative(root, hostPath).split(path.sep));
    const workdir = inContainer(realDir);
    const mounts: MountSpec[] = [{ source: root, target: CONTAINER_WORKSPACE, readOnly: rel !== '' }];
    if (rel !== '') mounts.push({ source: realDir, target: workdir, readOnly: false });
    const tmpfs: Record<string, string> = { '/tmp': TASK_TMPFS, [`${CONTAINER_WORKSPACE}/.federation`]: FEDERATION_MASK };
    for (const name of HIDDEN_ENTRIES) {
      const hidden = await hiddenEntry(fs, root, name);
      if (!hidden) continue;
      if (hidden.stat.isDirectory()) tmpfs[inContainer(hidden.real)] = FEDERATION_MASK;
      else if (hidden.stat.isFile()) mounts.push({ source: await emptyMaskFile(fs, root), target: inContainer(hidden.real), readOnly: true });
    }
    // The checkout's owner, so files the task writes are the user's; root only for a root-owned checkout (and then
    // still without any capability).
    const st = await fs.stat(realDir);
    const env = this.envOf(spec);
    const runId = env['FEDERATION_RUN_ID'] ?? 'unknown';
    const attemptNo = env['FEDERATION_ATTEMPT'] ?? '1';
    const name = containerName(runId, this.opts.unit.id, attemptNo);
    // The one writable folder of the host outside the module: where the command's wrapper leaves its cgroup's counters.
    attempt.usageDir = path.join(root, USAGE_DIR, name);
    await fs.mkdir(attempt.usageDir, { recursive: true });
    // Written by the task's user, who owns the module but not necessarily the runner's folders. Only root can give
    // it away; otherwise the folder is already ours, the user's too unless the module belongs to someone else.
    await fs.chown(attempt.usageDir, st.uid, st.gid).catch(() => undefined);
    mounts.push({ source: attempt.usageDir, target: USAGE_MOUNT, readOnly: false });
    return {
      name,
      image: this.opts.image,
      cmd: wrappedCommand(spec.command),
      user: `${st.uid}:${st.gid}`,
      env,
      labels: { ...(this.opts.labels ?? {}), [MATRIX_LABEL.run]: runId, [MATRIX_LABEL.unit]: this.opts.unit.id, [MATRIX_LABEL.attempt]: attemptNo },
      workingDir: workdir,
      mounts,
      tmpfs,
      hardening: this.hardening(),
      init: true,
    };
  }

  /** The same confinement for every attempt, bound or copied. */
  private hardening(): Hardening {
    return {
      capDrop: ['ALL'],
      readOnlyRootfs: true,
      noNewPrivileges: true,
      memoryBytes: this.opts.limits.memoryBytes,
      pidsLimit: this.opts.limits.pidsLimit,
      network: this.opts.network,
    };
  }

  /**
   * On an engine that cannot see our files: the module alone, in a volume of the attempt's at REMOTE_ROOT (the
   * module's folder there is its own, owned by the task's user; the volume's root is the engine's), filled after
   * the create. The usage file goes next to it (there is no host folder to leave it in).
   */
  private async copiedSpec(spec: ProcessSpec, attempt: Attempt, realDir: string, rel: string): Promise<ContainerSpec> {
    const st = await this.opts.fs.stat(realDir);
    const env = this.envOf(spec);
    const runId = env['FEDERATION_RUN_ID'] ?? 'unknown';
    const attemptNo = env['FEDERATION_ATTEMPT'] ?? '1';
    const name = containerName(runId, this.opts.unit.id, attemptNo);
    const labels = { ...(this.opts.labels ?? {}), [MATRIX_LABEL.run]: runId, [MATRIX_LABEL.unit]: this.opts.unit.id, [MATRIX_LABEL.attempt]: attemptNo };
    const prefix = path.posix.join('workspace', ...rel.split(path.sep).filter(Boolean));
    const workdir = path.posix.join(REMOTE_ROOT, prefix);
    const volume = `${name}-module`.slice(0, 200);
    await this.opts.client.createVolume({ name: volume, labels });
    attempt.copy = { volume, workdir, hostDir: realDir, prefix, owner: { uid: st.uid, gid: st.gid } };
    return {
      name,
      image: this.opts.image,
      cmd: wrappedCommand(spec.command, `${workdir}/${REMOTE_USAGE_FILE}`),
      user: `${st.uid}:${st.gid}`,
      env: { ...env, FEDERATION_WORKSPACE: path.posix.join(REMOTE_ROOT, 'workspace') },
      labels,
      workingDir: workdir,
      mounts: [{ type: 'volume', source: volume, target: REMOTE_ROOT, readOnly: false }],
      tmpfs: { '/tmp': TASK_TMPFS },
      hardening: this.hardening(),
      init: true,
    };
  }

  /** What a copied attempt leaves: its usage, read through the API, and its build output brought into the module. */
  private async collectCopied(id: string, copy: NonNullable<Attempt['copy']>, outcome: ProcessOutcome): Promise<ProcessOutcome> {
    const { client, fs } = this.opts;
    const text = await pullUsageText(client, id, `${copy.workdir}/${REMOTE_USAGE_FILE}`);
    const usage = text === undefined ? undefined : parseUsage(text);
    try {
      await pullArtifacts(fs, client, id, copy.workdir, copy.hostDir);
    } catch (e) {
      return { ...outcome, ...(usage ? { usage } : {}), error: `${outcome.error ? `${outcome.error}; ` : ''}could not bring the build output back from ${client.hostLabel}: ${describeError(e)}` };
    }
    return usage ? { ...outcome, usage } : outcome;
  }

  async run(spec: ProcessSpec): Promise<ProcessOutcome> {
    const { client } = this.opts;
    if (spec.signal?.aborted) return { exitCode: null, signal: null, timedOut: false, cancelled: true, pid: null };
    const attempt: Attempt = { timedOut: false, cancelled: false, started: false, wantStop: false, waitAbort: new AbortController() };
    const stop = () => {
      attempt.wantStop = true;
      // Stopping a container that is not created or still starting would be undone by the start: done right
      // after it instead.
      if (attempt.id === undefined || !attempt.started) return;
      attempt.stopping ??= this.stopOrKill(attempt.id, spec.graceMs, attempt.waitAbort);
    };
    // Armed at the start of the attempt, not once the container runs: a slow create or start counts too.
    const timer = this.timers.setTimeout(() => {
      attempt.timedOut = true;
      stop();
    }, spec.timeoutMs);
    const onAbort = () => {
      attempt.cancelled = true;
      stop();
    };
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    const ended = (error?: string): ProcessOutcome => ({ exitCode: null, signal: null, timedOut: attempt.timedOut, cancelled: attempt.cancelled, pid: null, ...(error ? { error } : {}) });
    try {
      try {
        await this.opts.fs.appendFile(spec.logFile, spec.preamble ?? '');
      } catch (e) {
        return ended(`cannot open the log ${spec.logFile}: ${describeError(e)}`);
      }
      try {
        // Not given the abort signal: an aborted create could still leave a container behind on the engine.
        attempt.id = (await client.createContainer(await this.containerSpec(spec, attempt))).id;
      } catch (e) {
        return ended(`could not create the container: ${describeError(e)}`);
      }
      if (attempt.copy) {
        try {
          const c = attempt.copy;
          await client.putArchive(attempt.id, REMOTE_ROOT, await packModule(this.opts.fs, c.hostDir, c.prefix, c.owner, [...HIDDEN_ENTRIES, '.federation']));
        } catch (e) {
          await client.removeContainer(attempt.id, { force: true }).catch(() => undefined);
          return ended(`could not copy the module to ${client.hostLabel}: ${describeError(e)}`);
        }
      }
      try {
        // Timed out or cancelled while it was being created: never started.
        if (attempt.wantStop) return ended();
        const outcome = await this.supervise(attempt.id, spec, attempt, stop);
        if (attempt.copy) return await this.collectCopied(attempt.id, attempt.copy, outcome);
        const usage = attempt.usageDir === undefined ? undefined : await readUsage(this.opts.fs, path.join(attempt.usageDir, USAGE_FILE));
        return usage ? { ...outcome, usage } : outcome;
      } finally {
        // After every attempt, however it ended; the run label finds it should this fail too.
        await client.removeContainer(attempt.id, { force: true, removeVolumes: true }).catch(() => undefined);
      }
    } finally {
      if (attempt.usageDir !== undefined) await this.opts.fs.rm(attempt.usageDir, { recursive: true, force: true }).catch(() => undefined);
      if (attempt.copy) await client.removeVolume(attempt.copy.volume, { force: true }).catch(() => undefined);
      this.timers.clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * SIGTERM to docker-init (and so to the command), SIGKILL after the grace period. Should the engine refuse the
   * stop, the container is force-removed once the grace period is over, and should that fail too the wait is given
   * up: an attempt never waits forever for an exit the engine will not report.
   */
  private async stopOrKill(id: string, graceMs: number, waitAbort: AbortController): Promise<void> {
    const { client } = this.opts;
    try {
      await client.stopContainer(id, { graceSeconds: Math.ceil(graceMs / 1000) });
      return;
    } catch {
      // Fall through to the forced removal.
    }
    await new Promise((r) => this.timers.setTimeout(() => r(undefined), graceMs));
    try {
      await client.removeContainer(id, { force: true, removeVolumes: true });
    } catch {
      waitAbort.abort();
    }
  }

  private async supervise(id: string, spec: ProcessSpec, attempt: Attempt, stop: () => void): Promise<ProcessOutcome> {
    const { client } = this.opts;
    let pump: Promise<void> | undefined;
    const log = this.opts.fs.createWriteStream(spec.logFile, { flags: 'a' });
    log.on('error', () => undefined);
    const logs = { close: () => {} };
    try {
      await client.startContainer(id);
      attempt.started = true;
      if (attempt.wantStop) stop();
      // Asked after start: the engine sends everything since the start, so nothing is missed.
      const stream = client.logs(id, { follow: true });
      logs.close = () => stream.close();
      pump = (async () => {
        for await (const chunk of stream) log.write(chunk.text);
      })().catch(() => undefined);
      const waited = await client.waitContainer(id, { signal: attempt.waitAbort.signal });
      // The stream ends with the container; bounded in case the engine keeps it open (and the bound cleared, so
      // it keeps no process alive).
      let bound: TimerHandle;
      await Promise.race([pump, new Promise((r) => (bound = this.timers.setTimeout(() => r(undefined), 5000)))]);
      this.timers.clearTimeout(bound);
      if (attempt.stopping) await attempt.stopping;
      const { timedOut, cancelled } = attempt;
      const code = waited.exitCode;
      let error = waited.error;
      if (!timedOut && !cancelled && code === 137) {
        const info = await client.inspectContainer(id).catch(() => undefined);
        if (info?.oomKilled) error = `killed: out of memory (limit ${this.opts.limits.memoryBytes} bytes)`;
      }
      // Stopped by us: report the signal, as a local process group would (143 = SIGTERM, 137 = SIGKILL).
      const bySignal = (timedOut || cancelled) && code > 128 ? signalName(code - 128) ?? null : null;
      return { exitCode: bySignal ? null : code, signal: bySignal, timedOut, cancelled, pid: null, ...(error ? { error } : {}) };
    } catch (e) {
      return { exitCode: null, signal: null, timedOut: attempt.timedOut, cancelled: attempt.cancelled, pid: null, error: describeError(e) };
    } finally {
      logs.close();
      await new Promise<void>((r) => log.end(() => r()));
    }
  }
}

/** One attempt's stop state, shared by its timer, its abort listener and its supervision. */
interface Attempt {
  id?: string;
  timedOut: boolean;
  cancelled: boolean;
  started: boolean;
  wantStop: boolean;
  stopping?: Promise<void>;
  /** Aborted when neither a stop nor a forced removal worked: waiting would never end. */
  waitAbort: AbortController;
  /** The host folder mounted at USAGE_MOUNT (containerUsage.ts), removed after the attempt. */
  usageDir?: string;
  /** A copied attempt's volume and where the module is in it. */
  copy?: { volume: string; workdir: string; hostDir: string; prefix: string; owner: { uid: number; gid: number } };
}

/** A hidden entry's real path and type when it exists and its real path is in the repository (else nothing of it is mounted). */
async function hiddenEntry(fs: FileSystem, root: string, name: string): Promise<{ real: string; stat: Stats } | undefined> {
  try {
    const real = await fs.realpath(path.join(root, name));
    if (!isInside(root, real) || real === root) return undefined;
    return { real, stat: await fs.stat(real) };
  } catch {
    return undefined;
  }
}

/** An empty, read-only regular file to bind over hidden files; replaced if anything else is found in its place. */
async function emptyMaskFile(fs: FileSystem, root: string): Promise<string> {
  const file = path.join(root, EMPTY_MASK_FILE);
  const st = await fs.lstat(file).catch(() => undefined);
  if (st?.isFile() && st.size === 0) return file;
  if (st) await fs.rm(file, { recursive: true, force: true });
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, '', { flag: 'wx', mode: 0o444 }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
  return file;
}
