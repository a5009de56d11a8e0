// .github/multi-agent-config.yml: the single definition. schemas/multi-agent-config.schema.json is generated from
// MatrixConfigSchema (scripts/gen-schemas.ts). Objects are loose on purpose: files written for the original
// shell/Python tooling carry extra keys, which validate.ts reports as warnings instead of refusing the file.
// zod/mini for the same load-time reason as src/core/federation/state/schemas.ts.
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';

z.config(en());

export const MATRIX_CONFIG_FILE = '.github/multi-agent-config.yml';

/** Task ids become file names, artifact names and GitHub matrix values: no dots (a dot separates a shard suffix). */
export const TASK_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const PRIORITY_KEY_PATTERN = /^priority_([1-9]\d{0,2})$/;
export const BACKOFF_KINDS = ['none', 'fixed', 'linear', 'exponential'] as const;
export type BackoffKind = (typeof BACKOFF_KINDS)[number];

const d = (text: string) => z.describe(text);
/** host and container:… would share the host's or another container's network stack: never for a task. */
const networkName = z.string().check(z.regex(/^(?!host$)(?!container:)[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'none, bridge or the name of a user-defined network (never host or container:…)'));
const positiveNumber = z.number().check(z.positive());
const count = z.int().check(z.positive());

export const MatrixTaskSchema = z.looseObject({
  module: z.string().check(z.minLength(1), d('Folder the command runs in, relative to the repository root. "." or "root" is the root itself.')),
  command: z.string().check(z.minLength(1), d('Shell command, e.g. "npm run lint".')),
  timeout: z.optional(positiveNumber.check(d('Minutes before the whole process group is stopped (default 30). May be fractional.'))),
  priority: z.optional(z.int().check(z.gte(1), z.lte(3), d('1–3: informative; the priorities section decides the wave.'))),
  description: z.optional(z.string()),
  requires_database: z.optional(z.boolean()),
  produces_artifacts: z.optional(z.boolean().check(d('The module\'s build output (dist/, build/, out/) is listed with the result, and uploaded by the GitHub worker.'))),
  allow_warnings: z.optional(z.boolean().check(d('A non-zero exit is recorded as a warning and never fails the run.'))),
  env: z.optional(z.record(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')), z.union([z.string(), z.number(), z.boolean()])).check(d('Extra environment variables.'))),
  retries: z.optional(z.int().check(z.nonnegative(), z.lte(10), d('Extra attempts after a failure; overrides failure_handling.retry.'))),
  shards: z.optional(z.int().check(z.gte(1), z.lte(256), d('Run the task as N shards; each gets FEDERATION_SHARD_INDEX (0-based) and FEDERATION_SHARD_TOTAL.'))),
  image: z.optional(z.string().check(z.minLength(1), d('Container image for --isolation docker (default: docker.image).'))),
  network: z.optional(networkName.check(d('Network of the task\'s container with --isolation docker: none (default), bridge, or a user-defined network.'))),
  cache: z.optional(z.array(z.string().check(z.minLength(1))).check(d('Paths (relative to the module) the GitHub worker caches between runs.'))),
});
export type MatrixTask = z.infer<typeof MatrixTaskSchema>;

const priorityRef = z.union([z.string().check(z.regex(PRIORITY_KEY_PATTERN, 'a priority name like priority_1')), z.int().check(z.positive())]);

export const MatrixPrioritySchema = z.looseObject({
  name: z.optional(z.string()),
  description: z.optional(z.string()),
  tasks: z.array(z.string()).check(d('Task ids of this wave.')),
  parallel_execution: z.optional(z.boolean().check(d('false runs the wave one task at a time (default true).'))),
  fail_fast: z.optional(z.boolean().check(d('A blocking failure stops this wave and skips every later one (default: failure_handling.fail_fast).'))),
  depends_on: z.optional(z.union([priorityRef, z.array(priorityRef)]).check(d('Priorities that must run before this one.'))),
});
export type MatrixPriority = z.infer<typeof MatrixPrioritySchema>;

export const MatrixScalingSchema = z.looseObject({
  default_agents: z.optional(count.check(d('Agents per wave when auto_scale is off (default 10).'))),
  max_parallel_per_priority: z.optional(count.check(d('Most tasks running at once in one wave (default 50).'))),
  max_total_agents: z.optional(count.check(d('Most agents at once overall (default 1000).'))),
  auto_scale: z.optional(
    z.looseObject({
      enabled: z.optional(z.boolean()),
      min_agents: z.optional(count),
      max_agents: z.optional(count),
      scale_trigger: z.optional(z.union([z.string(), z.number()])),
    }),
  ),
});

export const MatrixOptimizationSchema = z.looseObject({
  caching: z.optional(
    z.looseObject({
      enabled: z.optional(z.boolean().check(d('Reuse installed dependencies when the lockfile hash matches (default true).'))),
      strategy: z.optional(z.string()),
      cache_key: z.optional(z.string()),
      restore_keys: z.optional(z.array(z.string())),
    }),
  ),
});

export const MatrixFailureSchema = z.looseObject({
  retry: z.optional(
    z.looseObject({
      enabled: z.optional(z.boolean()),
      max_attempts: z.optional(z.int().check(z.gte(1), z.lte(11), d('Attempts in all, the first included.'))),
      backoff: z.optional(z.union([z.enum(BACKOFF_KINDS), z.number().check(z.nonnegative())]).check(d('none, fixed, linear, exponential, or a fixed delay in seconds.'))),
      initial_delay: z.optional(z.number().check(z.nonnegative(), d('Seconds before the first retry (default 1).'))),
      max_delay: z.optional(z.number().check(z.nonnegative(), d('Longest wait between attempts in seconds (default 60).'))),
    }),
  ),
  fail_fast: z.optional(z.boolean()),
  continue_on_error: z.optional(z.boolean().check(d('Every failure is tolerated: shown as an allowed failure, never fails the run.'))),
  rollback: z.optional(z.unknown()),
});

/** Defaults for --isolation docker (src/core/matrix/containerRunner.ts). */
export const MatrixDockerSchema = z.looseObject({
  image: z.optional(z.string().check(z.minLength(1), d('Image of every task that names none.'))),
  network: z.optional(networkName.check(d('Network of every task that names none (default none).'))),
  memory: z.optional(z.string().check(z.regex(/^\d+(\.\d+)?[bkmgt](i?b)?$/i, 'a size like 512m or 2g'), d('Memory limit of each task container (default 2g).'))),
  pids: z.optional(z.int().check(z.gte(16), z.lte(65536), d('Most processes in each task container (default 512).'))),
});

/** Which run endings a webhook hears of: failure = failed, success = passed, always = those and cancelled. */
export const NOTIFY_ON = ['failure', 'success', 'always'] as const;
export type NotifyOn = (typeof NOTIFY_ON)[number];

/** Webhooks told of a run's end (src/core/matrix/notifications.ts): never a reason for the run to fail. */
export const MatrixNotificationsSchema = z.looseObject({
  webhooks: z.array(z.string().check(z.minLength(1))).check(d('URLs POSTed the run summary as JSON (with a Slack-compatible "text"). ${env.NAME} is replaced by that environment variable: keep secrets out of the file.')),
  on: z.optional(z.union([z.enum(NOTIFY_ON), z.array(z.enum(NOTIFY_ON))]).check(d('failure, success or always (default always).'))),
  timeout: z.optional(positiveNumber.check(z.lte(300), d('Seconds each attempt may take (default 10).'))),
  retries: z.optional(z.int().check(z.nonnegative(), z.lte(5), d('Extra attempts after a network error, a timeout, a 429 or a 5xx answer (default 2).'))),
});
export type MatrixNotifications = z.infer<typeof MatrixNotificationsSchema>;

export const MatrixConfigSchema = z.looseObject({
  version: z.optional(z.union([z.string(), z.number()])),
  tasks: z.record(z.string(), MatrixTaskSchema),
  priorities: z.record(z.string(), MatrixPrioritySchema),
  scaling: z.optional(MatrixScalingSchema),
  optimization: z.optional(MatrixOptimizationSchema),
  failure_handling: z.optional(MatrixFailureSchema),
  docker: z.optional(MatrixDockerSchema),
  notifications: z.optional(MatrixNotificationsSchema),
  // Descriptive sections of the original format: kept as they are, never checked.
  architecture: z.optional(z.unknown()),
  rules: z.optional(z.unknown()),
  monitoring: z.optional(z.unknown()),
  documentation: z.optional(z.unknown()),
});
export type MatrixConfig = z.infer<typeof MatrixConfigSchema>;

/** Keys each object may have: anything else is reported as a warning (likely a typo) and otherwise ignored. */
export const KNOWN_KEYS = {
  root: ['version', 'tasks', 'priorities', 'scaling', 'optimization', 'failure_handling', 'docker', 'notifications', 'architecture', 'rules', 'monitoring', 'documentation'],
  task: ['module', 'command', 'timeout', 'priority', 'description', 'requires_database', 'produces_artifacts', 'allow_warnings', 'env', 'retries', 'shards', 'image', 'network', 'cache'],
  priority: ['name', 'description', 'tasks', 'parallel_execution', 'fail_fast', 'depends_on'],
  scaling: ['default_agents', 'max_parallel_per_priority', 'max_total_agents', 'auto_scale'],
  autoScale: ['enabled', 'min_agents', 'max_agents', 'scale_trigger'],
  optimization: ['caching'],
  caching: ['enabled', 'strategy', 'cache_key', 'restore_keys'],
  failure: ['retry', 'fail_fast', 'continue_on_error', 'rollback'],
  retry: ['enabled', 'max_attempts', 'backoff', 'initial_delay', 'max_delay'],
  docker: ['image', 'network', 'memory', 'pids'],
  notifications: ['webhooks', 'on', 'timeout', 'retries'],
} as const;

export const DEFAULTS = {
  timeoutMinutes: 30,
  defaultAgents: 10,
  maxParallelPerPriority: 50,
  maxTotalAgents: 1000,
  retryInitialDelaySeconds: 1,
  retryMaxDelaySeconds: 60,
} as const;
