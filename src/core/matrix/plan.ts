// The leader's plan: one wave per priority, ordered by number unless depends_on forces another order, each with
// its units (a task, or one shard of it), its agent count within the scaling limits and an indicative
// distribution of units over agents. Pure: the same config and options always give the same JSON.
import { FederationError } from '../errors';
import { BackoffKind, DEFAULTS, MatrixConfig } from './schema';
import { dependsOnList, findCycles, priorityName, priorityNumber } from './validate';

export interface PlanOptions {
  /** Only these task ids (all their shards). */
  only?: string[];
  /** Only this priority: 2 or "priority_2". */
  priority?: number | string;
  /** At most N at a time in each wave: replaces default_agents, auto_scale and max_parallel_per_priority. */
  maxParallel?: number;
  /** The config file as shown in the plan (relative path). */
  configFile?: string;
}

/** The folders of a module that a unit with produces_artifacts lists (a local run) and uploads (a GitHub worker). */
export const ARTIFACT_FOLDERS = ['dist', 'build', 'out'] as const;

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  backoff: BackoffKind;
  initialDelaySeconds: number;
  maxDelaySeconds: number;
}

export interface MatrixUnit {
  /** The task id, or `task.shard-I-of-N` (1-based) for a shard. Unique in the plan; safe as a file name. */
  id: string;
  task: string;
  /** Zero-based index and total, or null for an unsharded task. */
  shard: { index: number; total: number } | null;
  priority: string;
  module: string;
  command: string;
  description: string;
  timeoutMinutes: number;
  retry: RetryPolicy;
  env: Record<string, string>;
  /** A non-zero exit is a warning, not a failure. */
  allowWarnings: boolean;
  /** failure_handling.continue_on_error: any failure is tolerated. */
  continueOnError: boolean;
  requiresDatabase: boolean;
  producesArtifacts: boolean;
  image: string | null;
  cache: string[];
}

export interface MatrixWave {
  /** Position in run order, from 0. */
  index: number;
  priority: string;
  number: number;
  name: string;
  description: string;
  dependsOn: string[];
  parallel: boolean;
  failFast: boolean;
  /** Units run at once in this wave; 0 when it has none. */
  agents: number;
  units: MatrixUnit[];
  /** Indicative distribution, agent i → unit ids; locally the next unit goes to whichever agent is free first. */
  assignment: string[][];
}

export interface MatrixPlan {
  version: 1;
  configFile: string;
  taskCount: number;
  unitCount: number;
  /** Largest agent count of any wave. */
  maxAgents: number;
  scaling: { defaultAgents: number; maxParallelPerPriority: number; maxTotalAgents: number; autoScale: { enabled: boolean; minAgents: number; maxAgents: number } };
  caching: { enabled: boolean; strategy: string | null; cacheKey: string | null; restoreKeys: string[] };
  failFast: boolean;
  continueOnError: boolean;
  waves: MatrixWave[];
}

export function shardUnitId(task: string, index: number, total: number): string {
  return `${task}.shard-${index + 1}-of-${total}`;
}

/** Wait before attempt `attempt` (2 = the first retry). */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number {
  const k = attempt - 1;
  if (k < 1) return 0;
  const base = policy.initialDelaySeconds * 1000;
  const raw = policy.backoff === 'none' ? 0 : policy.backoff === 'fixed' ? base : policy.backoff === 'linear' ? base * k : base * 2 ** (k - 1);
  return Math.min(raw, policy.maxDelaySeconds * 1000);
}

/** Priority names in run order: Kahn's algorithm, lowest number first among those ready. */
export function waveOrder(config: MatrixConfig): string[] {
  const cycles = findCycles(config);
  if (cycles.length) throw new FederationError('invalid-input', `depends_on cycle: ${cycles[0]!.join(' → ')}`, { cycle: cycles[0] });
  const names = Object.keys(config.priorities);
  const byNumber = (a: string, b: string) => priorityNumber(a) - priorityNumber(b) || a.localeCompare(b);
  const deps = new Map(names.map((n) => [n, new Set(dependsOnList(config.priorities[n]!).map(priorityName).filter((d) => d in config.priorities))]));
  const order: string[] = [];
  const done = new Set<string>();
  while (order.length < names.length) {
    const ready = names.filter((n) => !done.has(n) && [...deps.get(n)!].every((d) => done.has(d))).sort(byNumber);
    // Cannot be empty: cycles were refused above.
    const next = ready[0]!;
    order.push(next);
    done.add(next);
  }
  return order;
}

function retryPolicy(config: MatrixConfig, retries: number | undefined): RetryPolicy {
  const r = config.failure_handling?.retry;
  const enabled = r?.enabled ?? false;
  const backoff = r?.backoff;
  const maxAttempts = retries !== undefined ? retries + 1 : enabled ? r?.max_attempts ?? 3 : 1;
  return {
    maxAttempts,
    backoff: typeof backoff === 'number' ? 'fixed' : backoff ?? 'exponential',
    initialDelaySeconds: typeof backoff === 'number' ? backoff : r?.initial_delay ?? DEFAULTS.retryInitialDelaySeconds,
    maxDelaySeconds: r?.max_delay ?? DEFAULTS.retryMaxDelaySeconds,
  };
}

export function planMatrix(config: MatrixConfig, opts: PlanOptions = {}): MatrixPlan {
  const only = opts.only?.length ? new Set(opts.only) : undefined;
  for (const id of only ?? []) {
    if (!(id in config.tasks)) throw new FederationError('not-found', `--only: no task "${id}" in the config (tasks: ${Object.keys(config.tasks).join(', ')})`, { task: id });
  }
  const onlyPriority = opts.priority === undefined ? undefined : priorityName(typeof opts.priority === 'string' && /^\d+$/.test(opts.priority) ? Number(opts.priority) : opts.priority);
  if (onlyPriority !== undefined && !(onlyPriority in config.priorities)) {
    throw new FederationError('not-found', `--priority: no ${onlyPriority} in the config (priorities: ${Object.keys(config.priorities).join(', ')})`, { priority: onlyPriority });
  }
  if (opts.maxParallel !== undefined && !(Number.isInteger(opts.maxParallel) && opts.maxParallel >= 1)) {
    throw new FederationError('invalid-input', `--max-parallel must be a whole number from 1, got ${opts.maxParallel}`);
  }

  const s = config.scaling ?? {};
  const auto = s.auto_scale ?? {};
  const maxTotal = s.max_total_agents ?? DEFAULTS.maxTotalAgents;
  const scaling = {
    defaultAgents: s.default_agents ?? DEFAULTS.defaultAgents,
    maxParallelPerPriority: s.max_parallel_per_priority ?? DEFAULTS.maxParallelPerPriority,
    maxTotalAgents: maxTotal,
    autoScale: { enabled: auto.enabled ?? false, minAgents: auto.min_agents ?? 1, maxAgents: auto.max_agents ?? maxTotal },
  };
  const fh = config.failure_handling ?? {};
  const globalFailFast = fh.fail_fast ?? false;
  const continueOnError = fh.continue_on_error ?? false;

  const waves = waveOrder(config).map((name, index): MatrixWave => {
    const p = config.priorities[name]!;
    const included = onlyPriority === undefined || onlyPriority === name;
    const units: MatrixUnit[] = !included
      ? []
      : p.tasks
          .filter((id) => !only || only.has(id))
          .flatMap((id): MatrixUnit[] => {
            const t = config.tasks[id]!;
            const total = t.shards ?? 1;
            const env = Object.fromEntries(Object.entries(t.env ?? {}).map(([k, v]) => [k, String(v)]));
            const base = {
              task: id,
              priority: name,
              module: t.module,
              command: t.command,
              description: t.description ?? '',
              timeoutMinutes: t.timeout ?? DEFAULTS.timeoutMinutes,
              retry: retryPolicy(config, t.retries),
              allowWarnings: t.allow_warnings ?? false,
              continueOnError,
              requiresDatabase: t.requires_database ?? false,
              producesArtifacts: t.produces_artifacts ?? false,
              image: t.image ?? null,
              cache: t.cache ?? [],
            };
            if (total === 1) return [{ id, shard: null, ...base, env }];
            return Array.from({ length: total }, (_, i) => ({
              id: shardUnitId(id, i, total),
              shard: { index: i, total },
              ...base,
              env: { ...env, FEDERATION_SHARD_INDEX: String(i), FEDERATION_SHARD_TOTAL: String(total) },
            }));
          });
    let agents: number;
    if (units.length === 0) agents = 0;
    else if (p.parallel_execution === false) agents = 1;
    else {
      const budget = opts.maxParallel ?? (scaling.autoScale.enabled ? Math.min(Math.max(units.length, scaling.autoScale.minAgents), scaling.autoScale.maxAgents) : scaling.defaultAgents);
      const cap = Math.min(opts.maxParallel ?? scaling.maxParallelPerPriority, maxTotal);
      agents = Math.max(1, Math.min(units.length, budget, cap));
    }
    const assignment: string[][] = Array.from({ length: agents }, () => []);
    units.forEach((u, i) => assignment[i % agents]!.push(u.id));
    return {
      index,
      priority: name,
      number: priorityNumber(name),
      name: p.name ?? name,
      description: p.description ?? '',
      dependsOn: dependsOnList(p).map(priorityName),
      parallel: p.parallel_execution ?? true,
      failFast: p.fail_fast ?? globalFailFast,
      agents,
      units,
      assignment,
    };
  });
  const caching = config.optimization?.caching ?? {};
  const unitCount = waves.reduce((n, w) => n + w.units.length, 0);
  return {
    version: 1,
    configFile: opts.configFile ?? '.github/multi-agent-config.yml',
    taskCount: new Set(waves.flatMap((w) => w.units.map((u) => u.task))).size,
    unitCount,
    maxAgents: Math.max(0, ...waves.map((w) => w.agents)),
    scaling,
    caching: { enabled: caching.enabled ?? true, strategy: caching.strategy ?? null, cacheKey: caching.cache_key ?? null, restoreKeys: caching.restore_keys ?? [] },
    failFast: globalFailFast,
    continueOnError,
    waves,
  };
}
