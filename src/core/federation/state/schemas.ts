// The single definition of every file in .federation/. schemas/*.schema.json are generated from these
// (scripts/gen-schemas.ts) and a unit test fails when they are stale.
// zod/mini rather than classic zod: the same validation, but it tree-shakes to ~16 KB and evaluates in ~3 ms
// instead of ~450 KB and ~22 ms, which matters for the extension's activation time.
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';

z.config(en());

export const ID_PATTERN = /^[a-z][a-z0-9_-]{0,39}$/;
const id = z.string().check(z.regex(ID_PATTERN, 'lowercase letters, digits, - and _, starting with a letter (at most 40)'));
const skill = z.string().check(z.regex(/^[a-z0-9][a-z0-9_.+-]{0,39}$/, 'a lowercase skill name'));
// A plain ISO-8601 timestamp check: zod's own datetime check (calendar-exact, with leap years) dominated the time
// to validate a large queue inside the lock; Date.parse below rejects impossible dates just as well.
const isoDate = z.string().check(
  z.regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/, 'an ISO-8601 date and time, e.g. 2026-11-21T09:00:00Z'),
  z.refine((v) => !Number.isNaN(Date.parse(v)), 'a real date and time'),
);

export const PERSONA_STATUSES = ['active', 'idle', 'offline'] as const;
export const PERSONA_RUNTIMES = ['window', 'terminal', 'agent'] as const;

export const PersonaSchema = z.strictObject({
  id,
  displayName: z.string().check(z.minLength(1), z.maxLength(80)),
  skills: z.array(skill),
  status: z.enum(PERSONA_STATUSES),
  runsIn: z.enum(PERSONA_RUNTIMES),
  lastHeartbeat: z.nullable(isoDate),
  registeredAt: isoDate,
});
export type Persona = z.infer<typeof PersonaSchema>;

export const PersonasFileSchema = z.strictObject({
  version: z.literal(1),
  revision: z.int().check(z.nonnegative()),
  personas: z.array(PersonaSchema),
});
export type PersonasFile = z.infer<typeof PersonasFileSchema>;

export const TASK_STATUSES = ['queued', 'claimed', 'in_progress', 'done', 'failed', 'handed_off', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TaskEventSchema = z.strictObject({
  at: isoDate,
  by: z.string(),
  action: z.enum(['created', 'claimed', 'started', 'completed', 'failed', 'handed_off', 'acknowledged', 'cancelled', 'requeued', 'dependencies', 'worktree', 'merged', 'discarded']),
  from: z.nullable(z.enum(TASK_STATUSES)),
  to: z.enum(TASK_STATUSES),
  note: z.optional(z.string()),
});
export type TaskEvent = z.infer<typeof TaskEventSchema>;

/** What one attempt at a task cost, as the agent reports it (every field optional, at least one given). */
export const UsageSchema = z.strictObject({
  model: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
  inputTokens: z.optional(z.int().check(z.nonnegative())),
  outputTokens: z.optional(z.int().check(z.nonnegative())),
  costUsd: z.optional(z.number().check(z.nonnegative())),
  wallSeconds: z.optional(z.number().check(z.nonnegative())),
});
export type Usage = z.infer<typeof UsageSchema>;

/** One attempt's usage on a task: which claim it was (1 = the first), by whom, how it ended. Kept on requeue. */
export const UsageRecordSchema = z.strictObject({
  attempt: z.int().check(z.positive()),
  by: z.string(),
  at: isoDate,
  outcome: z.enum(['completed', 'failed']),
  usage: UsageSchema,
});
export type UsageRecord = z.infer<typeof UsageRecordSchema>;

const taskId = z.string().check(z.regex(/^T\d+$/, 'a task id like T12'));

/**
 * The git worktree a task is worked on (worktrees.enabled in config.yaml): made on its first claim, passed on with
 * a handoff, removed when the branch is merged or discarded. The record stays (mergedAt/removedAt) as history.
 */
export const TaskWorktreeSchema = z.strictObject({
  /** Absolute path of the worktree's top folder. */
  path: z.string().check(z.minLength(1)),
  branch: z.string().check(z.minLength(1)),
  /** The branch it was made from and is merged into. */
  base: z.string().check(z.minLength(1)),
  createdAt: isoDate,
  /** First of this worktree's block of ports (worktrees.ports in config.yaml). */
  portBase: z.optional(z.int().check(z.positive())),
  mergedAt: z.optional(isoDate),
  /** The base branch's commit after the merge. */
  mergeCommit: z.optional(z.string()),
  pullRequest: z.optional(z.strictObject({ url: z.string(), number: z.int() })),
  /** When the worktree and its branch were removed without a merge (discarded, or nothing to merge). */
  removedAt: z.optional(isoDate),
});
export type TaskWorktree = z.infer<typeof TaskWorktreeSchema>;

export const TaskSchema = z.strictObject({
  id: taskId,
  title: z.string().check(z.minLength(1), z.maxLength(200)),
  description: z._default(z.string(), ''),
  priority: z.int().check(z.gte(1), z.lte(9)),
  skills: z.array(skill),
  /** Tasks this one waits for: it is ready only when each is done (dependencies.ts). Absent: none. */
  dependsOn: z.optional(z.array(taskId)),
  status: z.enum(TASK_STATUSES),
  assignee: z.nullable(id),
  createdAt: isoDate,
  updatedAt: isoDate,
  createdBy: z.string(),
  failureReason: z.optional(z.string()),
  handoff: z.optional(
    z.strictObject({
      from: id,
      to: id,
      document: z.string(),
      at: isoDate,
      acknowledgedAt: z.nullable(isoDate),
    }),
  ),
  worktree: z.optional(TaskWorktreeSchema),
  history: z.array(TaskEventSchema),
  usage: z.optional(z.array(UsageRecordSchema)),
});
export type Task = z.infer<typeof TaskSchema>;

export const QueueFileSchema = z.strictObject({
  version: z.literal(1),
  revision: z.int().check(z.nonnegative()),
  nextId: z.int().check(z.positive()),
  tasks: z.array(TaskSchema),
});
export type QueueFile = z.infer<typeof QueueFileSchema>;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
const hhmm = z.string().check(z.regex(/^([01]\d|2[0-4]):[0-5]\d$/, 'a time as HH:MM'));

export const AvailabilityWindowSchema = z.strictObject({ days: z.array(z.enum(WEEKDAYS)).check(z.minLength(1)), start: hhmm, end: hhmm });
export const CalendarExceptionSchema = z.strictObject({
  from: isoDate,
  to: isoDate,
  available: z.boolean(),
  note: z.optional(z.string()),
});
const knownZones = new Set<string>();
/** A zone this runtime's Intl knows (the calendar's windows are computed with it; an unknown one throws there). */
export function isTimeZone(zone: string): boolean {
  if (knownZones.has(zone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    return false;
  }
  knownZones.add(zone);
  return true;
}
const timeZone = z.string().check(z.refine(isTimeZone, 'an IANA time zone this system knows, e.g. Europe/Berlin or UTC'));

export const PersonaCalendarSchema = z.strictObject({
  /** IANA time zone the windows are written in; the machine's zone when absent. */
  timezone: z.optional(timeZone),
  weekly: z.array(AvailabilityWindowSchema),
  exceptions: z._default(z.array(CalendarExceptionSchema), []),
});
export type PersonaCalendar = z.infer<typeof PersonaCalendarSchema>;

export const CalendarFileSchema = z.strictObject({
  version: z.literal(1),
  revision: z.int().check(z.nonnegative()),
  calendars: z.record(id, PersonaCalendarSchema),
});
export type CalendarFile = z.infer<typeof CalendarFileSchema>;

export const ResourceLockSchema = z.strictObject({
  resource: z.string(),
  holder: id,
  task: z.nullable(z.string()),
  host: z.string(),
  pid: z.int(),
  acquiredAt: isoDate,
  expiresAt: isoDate,
  /**
   * Set by the NATS backend: the commit that gave the lock to its holder (renewals keep it). It only grows, so
   * whatever the lock guards can refuse a holder whose number is older than one it has seen (a fencing token).
   */
  fence: z.optional(z.int().check(z.positive())),
});
export type ResourceLock = z.infer<typeof ResourceLockSchema>;

export const ArtifactRuleSchema = z.strictObject({
  kind: z.string().check(z.minLength(1)),
  glob: z.string().check(z.minLength(1)),
  folder: z.string().check(z.minLength(1)),
});
export type ArtifactRule = z.infer<typeof ArtifactRuleSchema>;

/** `worktrees:` of config.yaml: each claimed task in its own git worktree (off by default). */
export const WorktreeConfigSchema = z.strictObject({
  enabled: z._default(z.boolean(), false),
  /** Folder the worktrees go in (relative to the workspace); default: ../<repository>.worktrees beside it. */
  root: z.optional(z.string().check(z.minLength(1))),
  /** Branch a task's branch starts from and merges into; default: the main checkout's current branch. */
  base: z.optional(z.string().check(z.minLength(1))),
  /** Gitignored files of the main checkout copied into each new worktree (globs, e.g. ".env*"). */
  copy: z._default(z.array(z.string().check(z.minLength(1))), []),
  /** A block of `size` ports per worktree from `from` (FEDERATION_PORT_BASE in its terminal). */
  ports: z.optional(
    z.strictObject({
      from: z.int().check(z.gte(1024), z.lte(65000)),
      size: z._default(z.int().check(z.positive(), z.lte(1000)), 10),
    }),
  ),
});
export type WorktreeConfig = z.infer<typeof WorktreeConfigSchema>;

/** A NATS server as config.yaml names it: nats://, tls:// or ws(s):// with a host, never with credentials in it. */
const natsServer = z.string().check(
  z.regex(/^(nats|tls|ws|wss):\/\/[^\s/@]+(:\d+)?\/?$/, 'a server URL like nats://host:4222 (no user or password in it: credentials come from your settings or the environment)'),
);

/**
 * `backend:` of config.yaml: where the shared state lives. `file` (the default) is .federation/ itself; `nats`
 * is a JetStream federation shared by every workspace that names the same servers and federation. Credentials
 * are never read from here (the editor's settings and secret storage, the CLI's environment): a strict object,
 * so a `token:` written here is refused rather than used.
 */
export const BackendConfigSchema = z.strictObject({
  kind: z._default(z.enum(['file', 'nats']), 'file'),
  servers: z.optional(z.array(natsServer).check(z.minLength(1))),
  /** Names the stream, the buckets and the subjects: one NATS holds many federations. */
  federation: z.optional(z.string().check(z.regex(/^[a-z][a-z0-9_-]{0,31}$/, 'lowercase letters, digits, - and _, starting with a letter (at most 32)'))),
  /** Copies JetStream keeps of each stream and bucket (at most the cluster's size). */
  replicas: z._default(z.int().check(z.gte(1), z.lte(5)), 1),
});
export type BackendConfig = z.infer<typeof BackendConfigSchema>;

export const ConfigFileSchema = z.looseObject({
  version: z._default(z.literal(1), 1),
  heartbeat: z._default(z.strictObject({ offlineAfterSeconds: z._default(z.int().check(z.positive()), 120) }), { offlineAfterSeconds: 120 }),
  locks: z._default(z.strictObject({ resourceTtlMinutes: z._default(z.number().check(z.positive()), 30) }), { resourceTtlMinutes: 30 }),
  artifacts: z._default(z.strictObject({ rules: z._default(z.array(ArtifactRuleSchema), []) }), { rules: [] }),
  worktrees: z._default(WorktreeConfigSchema, { enabled: false, copy: [] }),
  backend: z._default(BackendConfigSchema, { kind: 'file', replicas: 1 }),
  // Later capabilities (confidentiality rules, agents, matrix) add their own sections; unknown ones are kept.
});
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

/**
 * File name (relative to .federation/) to schema: what the store reads and the schema generator writes.
 * `items` marks a file stored one item per line (still plain JSON): the store validates only lines it has
 * not seen before, which keeps a mutation of a large queue cheap inside the lock. Such a file also has a
 * `journal`: recent changes appended as one line each (the items changed, by `id`), folded back into the file
 * every so often (see codec.ts).
 */
export const STATE_FILES = {
  personas: { file: 'personas.json', schema: PersonasFileSchema, items: undefined },
  queue: { file: 'queue.json', schema: QueueFileSchema, items: { key: 'tasks', id: 'id', journal: 'queue.journal', schema: TaskSchema } },
  calendar: { file: 'calendar.json', schema: CalendarFileSchema, items: undefined },
} as const;
export type StateFileName = keyof typeof STATE_FILES;
export type StateOf<K extends StateFileName> = z.infer<(typeof STATE_FILES)[K]['schema']>;

export function emptyState<K extends StateFileName>(name: K): StateOf<K> {
  const empty: { [N in StateFileName]: StateOf<N> } = {
    personas: { version: 1, revision: 0, personas: [] },
    queue: { version: 1, revision: 0, nextId: 1, tasks: [] },
    calendar: { version: 1, revision: 0, calendars: {} },
  };
  return empty[name];
}
