// --isolation docker before anything runs and after a crash: which image and network each unit gets, the config
// findings (no image, a module path through a symlink), the engine and image checks that make the strategy of
// ContainerProcessRunners (./containerRunner.ts), and the removal of a crashed run's leftover containers.
import { parseMemory } from '../agents/plan';
import { workspaceHash } from '../agents/labels';
import { useVolumes, type Transfer } from '../agents/volumes';
import { isDockerStatus, type DockerClient } from '../docker/client';
import { FederationError } from '../errors';
import type { FileSystem, Timers } from '../ports';
import { ContainerProcessRunner, MATRIX_LABEL } from './containerRunner';
import { ISOLATIONS, type Isolation, effectiveIsolation } from './isolation';
import type { MatrixPlan, MatrixUnit } from './plan';
import type { IsolationStrategy } from './processPort';
import type { MatrixConfig } from './schema';
import { checkModuleFolder, locatorFor, MatrixFinding, moduleDir, moduleFindings } from './validate';

export { ISOLATIONS, type Isolation, effectiveIsolation };

export const DEFAULT_TASK_MEMORY = '2g';
export const DEFAULT_TASK_PIDS = 512;

export interface DockerIsolationOptions {
  client: DockerClient;
  /** The disk the repository is on: module folders are checked, and logs written, through it. */
  fs: FileSystem;
  /** Repository root: mounted read-only at /workspace. */
  root: string;
  config: MatrixConfig;
  /** Extra labels on every container (tests mark theirs). */
  labels?: Record<string, string>;
  /** What attempts' timeouts and grace periods wait on. Default: the system's. */
  timers?: Timers;
  /** 'volumes': copy each module into the engine even when it is local (tcp:// and ssh:// engines always get copies). */
  transfer?: Transfer;
}

/** The image a unit runs in, or undefined when neither the task nor docker.image names one. */
export function unitImage(config: MatrixConfig, unit: Pick<MatrixUnit, 'task' | 'image'>): string | undefined {
  return unit.image ?? config.tasks[unit.task]?.image ?? config.docker?.image;
}

/** Every image the plan's units run in, once each, in plan order (for a workflow to pull); units without one are left out. */
export function planImages(config: MatrixConfig, plan: MatrixPlan): string[] {
  const images = plan.waves.flatMap((w) => w.units.map((u) => unitImage(config, u))).filter((i): i is string => i !== undefined);
  return [...new Set(images)];
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
 * Error findings for --isolation docker: tasks without an image, and planned tasks whose module path goes through a
 * symlink (the engine follows it on the host when it bind-mounts the folder, so `mod -> ../..` would hand the
 * container whatever it points at, writable).
 */
export function dockerFindings(fs: FileSystem, text: string, file: string, config: MatrixConfig, plan: MatrixPlan, root: string): MatrixFinding[] {
  const planned = new Set(plan.waves.flatMap((w) => w.units.map((u) => u.task)));
  const tasks = Object.fromEntries(Object.entries(config.tasks).filter(([id]) => planned.has(id)));
  const symlinks = moduleFindings(fs, text, file, { ...config, tasks }, root, { noSymlinks: true }).filter((f) => f.code === 'module-symlink');
  return [...imageFindings(text, file, config, plan), ...symlinks];
}

/**
 * Before any task starts: the engine answers (a 'docker-unavailable' error says "Is Docker running?" otherwise) and
 * every image the plan needs is on it (the runner never pulls). Returns the strategy for runMatrix's `isolation`.
 */
export async function prepareDockerIsolation(opts: DockerIsolationOptions & { plan: MatrixPlan; signal?: AbortSignal }): Promise<IsolationStrategy> {
  const { client, fs, config, plan } = opts;
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
  // Refused here too for callers that skipped dockerFindings: the engine would follow the symlink on the host.
  for (const u of plan.waves.flatMap((w) => w.units)) {
    const dir = moduleDir(opts.root, u.module);
    const checked = dir === undefined ? undefined : checkModuleFolder(fs, opts.root, dir, { noSymlinks: true });
    if (!checked?.ok) {
      throw new FederationError('outside-workspace', `module "${u.module}" of task "${u.task}" is not a real folder inside the repository${checked ? ` (${checked.problem}: ${checked.at})` : ''}; --isolation docker runs nothing`, {
        task: u.task,
        module: u.module,
        ...(checked ? { problem: checked.problem, at: checked.at } : {}),
      });
    }
  }
  const federation = workspaceHash(fs, opts.root);
  const copy = useVolumes(client, opts.transfer);
  return (unit) =>
    new ContainerProcessRunner({
      client,
      fs,
      root: opts.root,
      image: unitImage(config, unit)!,
      network: unitNetwork(config, unit),
      unit,
      limits,
      labels: { ...(opts.labels ?? {}), [MATRIX_LABEL.federation]: federation },
      ...(opts.timers ? { timers: opts.timers } : {}),
      copy,
    });
}

/**
 * Removes every task container of a run (or of every run) of this workspace: a crashed run's leftovers. The
 * workspace is required: run ids may be chosen by the user (--run-id) and so be shared with another workspace
 * on the same engine, whose containers are not ours to remove.
 */
export async function removeRunContainers(fs: FileSystem, client: DockerClient, filter: { root: string; runId?: string }): Promise<string[]> {
  const labels: Record<string, string> = { [MATRIX_LABEL.federation]: workspaceHash(fs, filter.root) };
  if (filter.runId !== undefined) labels[MATRIX_LABEL.run] = filter.runId;
  // Without a run id every run's containers are meant; the run label (any value) still keeps the agents' out.
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
