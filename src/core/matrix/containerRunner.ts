// --isolation docker: the process-runner port implemented with one hardened container per attempt, over our
// DockerClient port. The runner's scheduling, retries, timeouts and results stay the same code path; only how an
// attempt is started, stopped and observed changes. Decisions (docs/matrix.md, "Containers"):
// - image: the task's `image`, else the config's `docker.image`; neither is a config error before anything runs.
// - mounts: the repository read-only at /workspace (shared scripts and configs stay reachable) with .federation/
//   hidden, the module folder writable on top of it and the working directory (its node_modules from the setup
//   step included); a writable /tmp (also HOME); nothing else, never the Docker socket.
// - confinement: read-only root, every capability dropped, no-new-privileges, memory and pids limits, network
//   none unless the task or docker.network asks for bridge or a user-defined network, docker-init as PID 1.
// - the user is the owner of the module folder, so what a task writes belongs to whoever owns the checkout.
// - every container is labelled with the run id (and removed after its attempt); removeRunContainers() finds a
//   crashed run's leftovers by that label.
import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { constants as osConstants } from 'node:os';
import { parseMemory } from '../agents/plan';
import { workspaceHash } from '../agents/labels';
import { isDockerStatus, type ContainerSpec, type DockerClient, type MountSpec } from '../docker/client';
import { FederationError, describeError } from '../errors';
import type { MatrixPlan, MatrixUnit } from './plan';
import type { IsolationStrategy, ProcessOutcome, ProcessRunner, ProcessSpec } from './process';
import type { MatrixConfig } from './schema';
import { locatorFor, MatrixFinding } from './validate';

export const ISOLATIONS = ['process', 'docker'] as const;
export type Isolation = (typeof ISOLATIONS)[number];

export const MATRIX_LABEL = {
  /** The run id: a crashed run's containers are found with it. */
  run: 'agent-federation.matrix.run',
  unit: 'agent-federation.matrix.unit',
  attempt: 'agent-federation.matrix.attempt',
  /** Same hash as the agents' label: which workspace made it. */
  federation: 'agent-federation.federation',
} as const;

export const CONTAINER_WORKSPACE = '/workspace';
/** Writable scratch on the read-only root; exec allowed (test runners and compilers run things from /tmp). */
export const TASK_TMPFS = 'rw,nosuid,nodev,size=256m,mode=1777';
/** Hides the federation's state (agents' secrets and output, run logs) inside the read-only workspace. */
export const FEDERATION_MASK = 'ro,noexec,nosuid,nodev,size=4k,mode=0555';
export const DEFAULT_TASK_MEMORY = '2g';
export const DEFAULT_TASK_PIDS = 512;

export interface DockerIsolationOptions {
  client: DockerClient;
  /** Repository root: mounted read-only at /workspace. */
  root: string;
  config: MatrixConfig;
  /** Extra labels on every container (tests mark theirs). */
  labels?: Record<string, string>;
}

/** The image a unit runs in, or undefined when neither the task nor docker.image names one. */
export function unitImage(config: MatrixConfig, unit: Pick<MatrixUnit, 'task' | 'image'>): string | undefined {
  return unit.image ?? config.tasks[unit.task]?.image ?? config.docker?.image;
}

export function unitNetwork(config: MatrixConfig, unit: Pick<MatrixUnit, 'task'>): string {
  return config.tasks[unit.task]?.network ?? config.docker?.network ?? 'none';
}

/**
 * Error findings, at the task's key, for the plan's tasks that have no image (and no docker.image): checked before
 * anything runs, printed like every other config error.
 */
export function imageFindings(text: string, file: string, config: MatrixConfig, plan: MatrixPlan): MatrixFinding[] {
  const tasks = [...new Set(plan.waves.flatMap((w) => w.units.filter((u) => unitImage(config, u) === undefined).map((u) => u.task)))];
  if (tasks.length === 0) return [];
  const loc = locatorFor(text);
  return tasks.map((task) => ({
    severity: 'error' as const,
    code: 'missing-image' as const,
    message: `task "${task}" names no image, which --isolation docker needs: add "image: REPOSITORY:TAG" to it, or a default as "docker: { image: … }" at the top level`,
    file,
    path: ['tasks', task],
    range: loc.at(['tasks', task], 'key'),
  }));
}

/**
 * Before any task starts: the engine answers (a 'docker-unavailable' error says "Is Docker running?" otherwise) and
 * every image the plan needs is on it (the runner never pulls). Returns the strategy for runMatrix's `isolation`.
 */
export async function prepareDockerIsolation(opts: DockerIsolationOptions & { plan: MatrixPlan; signal?: AbortSignal }): Promise<IsolationStrategy> {
  const { client, config, plan } = opts;
  await client.ping(opts.signal ? { signal: opts.signal } : {});
  const byImage = new Map<string, string[]>();
  for (const u of plan.waves.flatMap((w) => w.units)) {
    const image = unitImage(config, u);
    if (image === undefined) throw new FederationError('invalid-input', `task "${u.task}" names no image for --isolation docker`, { task: u.task, field: 'image' });
    byImage.set(image, [...(byImage.get(image) ?? []), u.task]);
  }
  const missing: string[] = [];
  for (const [image, tasks] of byImage) {
    if (!(await client.imageExists(image, opts.signal ? { signal: opts.signal } : {}))) missing.push(`${image} (${[...new Set(tasks)].join(', ')})`);
  }
  if (missing.length) {
    throw new FederationError(
      'not-found',
      `${missing.length === 1 ? 'This image is' : 'These images are'} not on the Docker engine at ${client.hostLabel}: ${missing.join('; ')}. ` +
        'The runner never pulls: "docker pull" or build them first.',
      { host: client.hostLabel, images: missing },
    );
  }
  const limits = {
    memoryBytes: parseMemory(config.docker?.memory ?? DEFAULT_TASK_MEMORY),
    pidsLimit: config.docker?.pids ?? DEFAULT_TASK_PIDS,
  };
  const federation = workspaceHash(opts.root);
  return (unit) =>
    new ContainerProcessRunner({
      client,
      root: opts.root,
      image: unitImage(config, unit)!,
      network: unitNetwork(config, unit),
      unit,
      limits,
      labels: { ...(opts.labels ?? {}), [MATRIX_LABEL.federation]: federation },
    });
}

/** Removes every task container of a run (or of every run of this workspace): a crashed run's leftovers. */
export async function removeRunContainers(client: DockerClient, filter: { runId?: string; root?: string }): Promise<string[]> {
  const labels: Record<string, string> = {};
  if (filter.runId !== undefined) labels[MATRIX_LABEL.run] = filter.runId;
  if (filter.root !== undefined) labels[MATRIX_LABEL.federation] = workspaceHash(filter.root);
  // Without a filter every run's containers are meant; the run label (any value) still keeps others' out.
  const found = (await client.listContainers({ labels })).filter((c) => c.labels[MATRIX_LABEL.run] !== undefined);
  const removed: string[] = [];
  for (const c of found) {
    try {
      await client.removeContainer(c.id, { force: true, removeVolumes: true });
      removed.push(c.name);
    } catch (e) {
      // Already gone (removed by its own run a moment ago) is what we want.
      if (!isDockerStatus(e, 404)) throw e;
    }
  }
  return removed;
}

export interface ContainerRunnerOptions {
  client: DockerClient;
  root: string;
  image: string;
  network: string;
  /** Which environment variables of the spec are the task's own (the rest is the host's and stays out). */
  unit: Pick<MatrixUnit, 'id' | 'env'>;
  limits: { memoryBytes: number; pidsLimit: number };
  labels?: Record<string, string>;
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
  constructor(private readonly opts: ContainerRunnerOptions) {}

  /** The container's environment: the task's own variables and FEDERATION_*; never the host's (PATH, tokens…). */
  private envOf(spec: ProcessSpec): Record<string, string> {
    const env: Record<string, string> = { HOME: '/tmp' };
    for (const [k, v] of Object.entries(spec.env)) {
      if (v !== undefined && (k in this.opts.unit.env || k.startsWith('FEDERATION_'))) env[k] = v;
    }
    return env;
  }

  /** Host folder → container spec: what is mounted where, as whom. */
  private async containerSpec(spec: ProcessSpec): Promise<ContainerSpec> {
    const root = path.resolve(this.opts.root);
    const rel = path.relative(root, path.resolve(spec.cwd));
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new FederationError('invalid-input', `${spec.cwd} is outside the repository ${root}`, { cwd: spec.cwd });
    const workdir = rel === '' ? CONTAINER_WORKSPACE : path.posix.join(CONTAINER_WORKSPACE, ...rel.split(path.sep));
    const mounts: MountSpec[] = [{ source: root, target: CONTAINER_WORKSPACE, readOnly: rel !== '' }];
    if (rel !== '') mounts.push({ source: path.resolve(spec.cwd), target: workdir, readOnly: false });
    // The checkout's owner, so files the task writes are the user's; root only for a root-owned checkout (and then
    // still without any capability).
    const st = await fs.stat(spec.cwd);
    const env = this.envOf(spec);
    const runId = env['FEDERATION_RUN_ID'] ?? 'unknown';
    const attempt = env['FEDERATION_ATTEMPT'] ?? '1';
    return {
      name: containerName(runId, this.opts.unit.id, attempt),
      image: this.opts.image,
      cmd: ['/bin/sh', '-c', spec.command],
      user: `${st.uid}:${st.gid}`,
      env,
      labels: { ...(this.opts.labels ?? {}), [MATRIX_LABEL.run]: runId, [MATRIX_LABEL.unit]: this.opts.unit.id, [MATRIX_LABEL.attempt]: attempt },
      workingDir: workdir,
      mounts,
      tmpfs: { '/tmp': TASK_TMPFS, [`${CONTAINER_WORKSPACE}/.federation`]: FEDERATION_MASK },
      hardening: {
        capDrop: ['ALL'],
        readOnlyRootfs: true,
        noNewPrivileges: true,
        memoryBytes: this.opts.limits.memoryBytes,
        pidsLimit: this.opts.limits.pidsLimit,
        network: this.opts.network,
      },
      init: true,
    };
  }

  async run(spec: ProcessSpec): Promise<ProcessOutcome> {
    const { client } = this.opts;
    const base = { exitCode: null, signal: null, timedOut: false, cancelled: false, pid: null };
    if (spec.signal?.aborted) return { ...base, cancelled: true };
    try {
      await fs.appendFile(spec.logFile, spec.preamble ?? '');
    } catch (e) {
      return { ...base, error: `cannot open the log ${spec.logFile}: ${describeError(e)}` };
    }
    let id: string;
    try {
      // Not given the abort signal: an aborted create could still leave a container behind on the engine.
      id = (await client.createContainer(await this.containerSpec(spec))).id;
    } catch (e) {
      return { ...base, error: `could not create the container: ${describeError(e)}` };
    }
    try {
      return await this.supervise(id, spec);
    } finally {
      // After every attempt, however it ended; the run label finds it should this fail too.
      await client.removeContainer(id, { force: true, removeVolumes: true }).catch(() => undefined);
    }
  }

  private async supervise(id: string, spec: ProcessSpec): Promise<ProcessOutcome> {
    const { client } = this.opts;
    let timedOut = false;
    let cancelled = false;
    let started = false;
    let wantStop = false;
    let stopping: Promise<void> | undefined;
    const stop = () => {
      wantStop = true;
      // Stopping a container that is still starting would be undone by the start: done right after it instead.
      if (!started) return;
      // SIGTERM to docker-init (and so to the command), SIGKILL to everything after the grace period.
      stopping ??= client.stopContainer(id, { graceSeconds: Math.ceil(spec.graceMs / 1000) }).catch(() => undefined);
    };
    const onAbort = () => {
      cancelled = true;
      stop();
    };
    if (spec.signal?.aborted) return { exitCode: null, signal: null, timedOut, cancelled: true, pid: null };
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    let pump: Promise<void> | undefined;
    const log = createWriteStream(spec.logFile, { flags: 'a' });
    log.on('error', () => undefined);
    const logs = { close: () => {} };
    try {
      await client.startContainer(id);
      started = true;
      if (wantStop) stop();
      timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, spec.timeoutMs);
      // Asked after start: the engine sends everything since the start, so nothing is missed.
      const stream = client.logs(id, { follow: true });
      logs.close = () => stream.close();
      pump = (async () => {
        for await (const chunk of stream) log.write(chunk.text);
      })().catch(() => undefined);
      const waited = await client.waitContainer(id);
      clearTimeout(timer);
      // The stream ends with the container; bounded in case the engine keeps it open.
      await Promise.race([pump, new Promise((r) => setTimeout(r, 5000).unref())]);
      if (stopping) await stopping;
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
      return { exitCode: null, signal: null, timedOut, cancelled, pid: null, error: describeError(e) };
    } finally {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      logs.close();
      await new Promise<void>((r) => log.end(() => r()));
    }
  }
}
