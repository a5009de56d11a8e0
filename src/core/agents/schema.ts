// The files of remote agents: the deployment records in .federation/agents.json and the JSON report an agent
// writes into its /output. schemas/agent-report.schema.json is generated from AgentReportSchema
// (scripts/gen-schemas.ts). zod/mini, as in src/core/federation/state/schemas.ts, for load time.
import * as z from 'zod/mini';
import { UsageSchema } from '../federation/state/schemas';
import { en } from 'zod/v4/locales';

z.config(en());

/** Relative to .federation/. */
export const AGENTS_FILE = 'agents.json';
/** Per-agent folders (bootstrap package, secrets, output) live under .federation/agents/<id>/. */
export const AGENTS_DIR = 'agents';
/** Where an agent writes its machine-readable report, inside the container. */
export const REPORT_PATH = '/output/agent-report.json';
export const REPORT_FILE = 'agent-report.json';

export const AGENT_ID_PATTERN = /^[a-z][a-z0-9-]{0,47}$/;

const isoDate = z.string().check(
  z.regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/, 'an ISO-8601 date and time, e.g. 2026-11-21T09:00:00Z'),
  z.refine((v) => !Number.isNaN(Date.parse(v)), 'a real date and time'),
);
const agentId = z.string().check(z.regex(AGENT_ID_PATTERN, 'an agent id: lowercase letters, digits and -, starting with a letter'));

/**
 * 'package': the remote-agent bootstrap package's files (every deployment without `workspace: worktree`);
 * 'worktree': the brief's task's worktree, writable; the others are older records.
 */
export const WORKSPACE_MODES = ['package', 'bind', 'copy', 'none', 'worktree'] as const;

const commit = z.string().check(z.regex(/^[a-f0-9]{40}(?:[a-f0-9]{24})?$/, 'a full commit id'));
const owner = z.strictObject({ uid: z.int().check(z.nonnegative()), gid: z.int().check(z.nonnegative()) });

/** A worktree agent's task worktree, and what became of its commits. */
export const AgentWorktreeSchema = z.strictObject({
  task: z.string().check(z.minLength(1)),
  /** The worktree (absolute), mounted at /workspace. */
  path: z.string().check(z.minLength(1)),
  branch: z.string().check(z.minLength(1)),
  /** The main checkout's top folder: where the commits are brought back. */
  repository: z.string().check(z.minLength(1)),
  /** The branch's commit when the agent started: its commits build on it. */
  head: commit,
  /** Who owned the worktree before it was handed to the agent's user (only when we are root); given back on collect. */
  owner: z.optional(owner),
  /** When collect brought the agent's commits onto the branch (also when there were none), and the branch's commit then. */
  landedAt: z.optional(isoDate),
  landedCommit: z.optional(commit),
});
export type AgentWorktree = z.infer<typeof AgentWorktreeSchema>;

export const AgentRecordSchema = z.strictObject({
  id: agentId,
  containerId: z.string().check(z.minLength(1)),
  containerName: z.string().check(z.minLength(1)),
  /** DOCKER_HOST-style address the agent was deployed to, as given ('' = the default engine of the time). */
  host: z.string(),
  /** Where that was, as the client shows it (never a password). */
  hostLabel: z.string(),
  /** Deployments made together (N copies, several briefs) share a group. */
  group: z.string(),
  brief: z.strictObject({
    /** Relative to the workspace root (absolute when outside it). */
    path: z.string(),
    sha256: z.string().check(z.regex(/^[a-f0-9]{64}$/, 'a sha256 hex digest')),
    title: z.optional(z.string()),
  }),
  persona: z.nullable(z.string()),
  role: z.nullable(z.string()),
  image: z.string(),
  command: z.array(z.string()),
  user: z.string(),
  /** 'none' or the name of the internal network the agent is on. */
  network: z.string(),
  workspace: z.strictObject({
    mode: z.enum(WORKSPACE_MODES),
    readOnly: z.boolean(),
    /** Folders copied (mode copy, older records), relative to the workspace root. */
    folders: z.array(z.string()),
  }),
  limits: z.strictObject({
    memoryBytes: z.int().check(z.nonnegative()),
    nanoCpus: z.int().check(z.nonnegative()),
    pidsLimit: z.int().check(z.nonnegative()),
  }),
  /** Names only, never values. */
  secrets: z.array(z.string()),
  /** The bootstrap package the agent was given (mode 'package'): who packaged it and how much went in or stayed out. */
  package: z.optional(z.strictObject({
    operatorLevel: z.enum(['L0', 'L1', 'L2', 'L3']),
    /** Workspace files in the package (what /workspace shows). */
    files: z.int().check(z.nonnegative()),
    /** Files left out (above the clearance, never packaged, …): see the package's manifest.json. */
    excluded: z.int().check(z.nonnegative()),
  })),
  createdAt: isoDate,
  /** Wall-clock limit from the brief's `timeout`, in seconds. */
  timeoutSeconds: z.optional(z.int().check(z.positive())),
  /** workspace.mode 'worktree': the task worktree the agent works in. */
  worktree: z.optional(AgentWorktreeSchema),
  /** On an engine that cannot see our files: the agent's volumes there (its output comes back through the API). */
  volumes: z.optional(z.strictObject({ workspace: z.string(), brief: z.string(), secrets: z.string(), output: z.string() })),
  /** Set when the output was copied out with collect(); until then remove() keeps it unless forced. */
  collectedAt: z.optional(isoDate),
  collectedTo: z.optional(z.string()),
});
export type AgentRecord = z.infer<typeof AgentRecordSchema>;

export const AgentsFileSchema = z.strictObject({
  version: z.literal(1),
  revision: z.int().check(z.nonnegative()),
  agents: z.array(AgentRecordSchema),
});
export type AgentsFile = z.infer<typeof AgentsFileSchema>;

export function emptyAgentsFile(): AgentsFile {
  return { version: 1, revision: 0, agents: [] };
}

// ---- the agent's report ---------------------------------------------------------------------------------------

export const REPORT_STATUSES = ['succeeded', 'partial', 'failed'] as const;

/** A path inside /output: relative to it or absolute under it, never climbing out with "..". */
export const OUTPUT_PATH_PATTERN = /^(?![\s\S]*(?:^|[/\\])\.\.(?:[/\\]|$))(?:\/output(?:\/[\s\S]*)?|[^/][\s\S]*)$/;
const outputPath = z.string().check(
  z.minLength(1),
  z.maxLength(1024),
  z.regex(OUTPUT_PATH_PATTERN, 'a path under /output (or relative to it) without ".." segments'),
);

export const DeliverableSchema = z.strictObject({
  path: outputPath.check(z.describe('The file, relative to /output or absolute under /output.')),
  description: z.optional(z.string().check(z.maxLength(2000), z.describe('What it is, for people.'))),
});
export type Deliverable = z.infer<typeof DeliverableSchema>;

export const AgentReportSchema = z.strictObject({
  status: z.enum(REPORT_STATUSES).check(z.describe('How the mission went: succeeded, partial or failed.')),
  summary: z.string().check(z.minLength(1), z.maxLength(20_000), z.describe('What was done and what was not, and why.')),
  deliverables: z.array(DeliverableSchema).check(z.maxLength(10_000), z.describe('Files the agent produced under /output.')),
  metrics: z.optional(
    z.record(z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a metric name: letters, digits, _ . -')), z.number())
      .check(z.describe('Numbers worth tracking, e.g. { "prsReviewed": 12 }.')),
  ),
  startedAt: isoDate.check(z.describe('When the agent began, ISO-8601.')),
  finishedAt: isoDate.check(z.describe('When the agent finished, ISO-8601.')),
  usage: z.optional(UsageSchema.check(z.describe('What the run cost: model, inputTokens, outputTokens, costUsd, wallSeconds.'))),
});
export type AgentReport = z.infer<typeof AgentReportSchema>;
