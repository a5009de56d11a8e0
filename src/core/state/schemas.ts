// The single definition of every file in .federation/. schemas/*.schema.json are generated from these
// (scripts/gen-schemas.ts) and a unit test fails when they are stale.
import { z } from 'zod';

export const ID_PATTERN = /^[a-z][a-z0-9_-]{0,39}$/;
const id = z.string().regex(ID_PATTERN, 'lowercase letters, digits, - and _, starting with a letter (at most 40)');
const skill = z.string().regex(/^[a-z0-9][a-z0-9_.+-]{0,39}$/, 'a lowercase skill name');
const isoDate = z.iso.datetime({ offset: true });

export const PERSONA_STATUSES = ['active', 'idle', 'offline'] as const;
export const PERSONA_RUNTIMES = ['window', 'terminal', 'agent'] as const;

export const PersonaSchema = z
  .object({
    id,
    displayName: z.string().min(1).max(80),
    skills: z.array(skill),
    status: z.enum(PERSONA_STATUSES),
    runsIn: z.enum(PERSONA_RUNTIMES),
    lastHeartbeat: isoDate.nullable(),
    registeredAt: isoDate,
  })
  .strict();
export type Persona = z.infer<typeof PersonaSchema>;

export const PersonasFileSchema = z
  .object({
    version: z.literal(1),
    revision: z.number().int().nonnegative(),
    personas: z.array(PersonaSchema),
  })
  .strict();
export type PersonasFile = z.infer<typeof PersonasFileSchema>;

export const TASK_STATUSES = ['queued', 'claimed', 'in_progress', 'done', 'failed', 'handed_off', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TaskEventSchema = z
  .object({
    at: isoDate,
    by: z.string(),
    action: z.enum(['created', 'claimed', 'started', 'completed', 'failed', 'handed_off', 'acknowledged', 'cancelled', 'requeued']),
    from: z.enum(TASK_STATUSES).nullable(),
    to: z.enum(TASK_STATUSES),
    note: z.string().optional(),
  })
  .strict();
export type TaskEvent = z.infer<typeof TaskEventSchema>;

export const TaskSchema = z
  .object({
    id: z.string().regex(/^T\d+$/),
    title: z.string().min(1).max(200),
    description: z.string().default(''),
    priority: z.number().int().min(1).max(9),
    skills: z.array(skill),
    status: z.enum(TASK_STATUSES),
    assignee: id.nullable(),
    createdAt: isoDate,
    updatedAt: isoDate,
    createdBy: z.string(),
    failureReason: z.string().optional(),
    handoff: z
      .object({
        from: id,
        to: id,
        document: z.string(),
        at: isoDate,
        acknowledgedAt: isoDate.nullable(),
      })
      .strict()
      .optional(),
    history: z.array(TaskEventSchema),
  })
  .strict();
export type Task = z.infer<typeof TaskSchema>;

export const QueueFileSchema = z
  .object({
    version: z.literal(1),
    revision: z.number().int().nonnegative(),
    nextId: z.number().int().positive(),
    tasks: z.array(TaskSchema),
  })
  .strict();
export type QueueFile = z.infer<typeof QueueFileSchema>;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
const hhmm = z.string().regex(/^([01]\d|2[0-4]):[0-5]\d$/, 'a time as HH:MM');

export const AvailabilityWindowSchema = z
  .object({ days: z.array(z.enum(WEEKDAYS)).min(1), start: hhmm, end: hhmm })
  .strict();
export const CalendarExceptionSchema = z
  .object({
    from: isoDate,
    to: isoDate,
    available: z.boolean(),
    note: z.string().optional(),
  })
  .strict();
export const PersonaCalendarSchema = z
  .object({
    /** IANA time zone the windows are written in; the machine's zone when absent. */
    timezone: z.string().optional(),
    weekly: z.array(AvailabilityWindowSchema),
    exceptions: z.array(CalendarExceptionSchema).default([]),
  })
  .strict();
export type PersonaCalendar = z.infer<typeof PersonaCalendarSchema>;

export const CalendarFileSchema = z
  .object({
    version: z.literal(1),
    revision: z.number().int().nonnegative(),
    calendars: z.record(id, PersonaCalendarSchema),
  })
  .strict();
export type CalendarFile = z.infer<typeof CalendarFileSchema>;

export const ResourceLockSchema = z
  .object({
    resource: z.string(),
    holder: id,
    task: z.string().nullable(),
    host: z.string(),
    pid: z.number().int(),
    acquiredAt: isoDate,
    expiresAt: isoDate,
  })
  .strict();
export type ResourceLock = z.infer<typeof ResourceLockSchema>;

export const ArtifactRuleSchema = z
  .object({
    kind: z.string().min(1),
    glob: z.string().min(1),
    folder: z.string().min(1),
  })
  .strict();
export type ArtifactRule = z.infer<typeof ArtifactRuleSchema>;

export const ConfigFileSchema = z
  .object({
    version: z.literal(1).default(1),
    heartbeat: z
      .object({ offlineAfterSeconds: z.number().int().positive().default(120) })
      .strict()
      .default({ offlineAfterSeconds: 120 }),
    locks: z
      .object({ resourceTtlMinutes: z.number().positive().default(30) })
      .strict()
      .default({ resourceTtlMinutes: 30 }),
    artifacts: z
      .object({ rules: z.array(ArtifactRuleSchema).default([]) })
      .strict()
      .default({ rules: [] }),
  })
  // Later capabilities (confidentiality rules, agents, matrix) add their own sections; unknown ones are kept.
  .loose();
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

/** File name (relative to .federation/) to schema: what the store reads and the schema generator writes. */
export const STATE_FILES = {
  personas: { file: 'personas.json', schema: PersonasFileSchema },
  queue: { file: 'queue.json', schema: QueueFileSchema },
  calendar: { file: 'calendar.json', schema: CalendarFileSchema },
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
