// The MISSION_BRIEF front matter: the single definition. schemas/mission-brief.schema.json is generated from
// BriefFrontMatterSchema (scripts/gen-schemas.ts); the validator parses with it and only words the messages.
// zod/mini for the same load-time reason as src/core/federation/state/schemas.ts.
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import { ID_PATTERN } from '../federation/state/schemas';

z.config(en());

export const SECTION_NAMES = ['Identity', 'Mission', 'Resources', 'Output', 'Reporting', 'Boundaries'] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

export const CONFIDENTIALITY_LEVELS = ['C0', 'C1', 'C2', 'C3'] as const;
export const OPERATOR_LEVELS = ['L0', 'L1', 'L2', 'L3'] as const;
export const NETWORK_MODES = ['none', 'internal'] as const;
export const REPORT_FORMATS = ['markdown', 'json', 'sarif'] as const;
/** What /workspace is: the agent's bootstrap package (the default), or its task's worktree, writable. */
export const WORKSPACE_KINDS = ['package', 'worktree'] as const;
export const TASK_ID_PATTERN = /^T\d+$/;

/** Secret names double as file names under /secrets and as `${secrets.NAME}`: identifier characters only. */
export const SECRET_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** `/output` itself or a folder under it, without `.` or `..` segments. */
export const OUTPUT_PATTERN = /^\/output(?:\/(?!\.\.?(?:\/|$))[^/\\]+)*\/?$/;
const HOST_PATTERN = /^(?:\*\.)?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(?::\d{1,5})?$/;
const IMAGE_PATTERN =
  /^(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const MEMORY_PATTERN = /^\d+(?:\.\d+)?[bkmgtBKMGT](?:i?[bB])?$/;
const DURATION_PATTERN = /^(?=\d)(?:\d+h)?(?:\d+m)?(?:\d+s)?$/;

export const BriefFrontMatterSchema = z.strictObject({
  role: z.optional(z.string().check(z.minLength(1), z.maxLength(80), z.describe('What this agent does: a skill or persona id from the federation registry.'))),
  persona: z.optional(z.string().check(z.regex(ID_PATTERN, 'a persona id: lowercase letters, digits, - and _'), z.describe('The registered persona this agent acts as.'))),
  image: z.optional(z.string().check(z.regex(IMAGE_PATTERN, 'a container image reference like ghcr.io/org/agent:1.4'), z.describe('Container image the agent runs in; pin a tag or a digest.'))),
  confidentiality: z.optional(z.enum(CONFIDENTIALITY_LEVELS).check(z.describe('How sensitive the material is: C0 public … C3 strictly confidential.'))),
  operator_level: z.optional(z.enum(OPERATOR_LEVELS).check(z.describe('How much the agent may do without a human: L0 report only … L3 autonomous.'))),
  network: z.optional(
    z.union([
      z.enum(NETWORK_MODES),
      z.array(z.string().check(z.regex(HOST_PATTERN, 'a host name like api.github.com'))).check(z.minLength(1)),
    ]).check(z.describe('none, internal, or an allow-list of host names.')),
  ),
  resources: z.optional(
    z.strictObject({
      cpus: z.optional(z.number().check(z.positive(), z.lte(256), z.describe('CPUs, may be fractional (0.5).'))),
      memory: z.optional(z.string().check(z.regex(MEMORY_PATTERN, 'a size with a unit like 512m or 2g'), z.describe('Memory limit with a unit: 512m, 2g.'))),
      pids: z.optional(z.int().check(z.positive(), z.lte(1_000_000), z.describe('Most processes the agent may run at once.'))),
    }).check(z.describe('Container limits.')),
  ),
  secrets: z.optional(z.array(z.string().check(z.regex(SECRET_NAME_PATTERN, 'a secret name: letters, digits and _'))).check(z.describe('Names of secrets mounted at /secrets/NAME. Never values.'))),
  output: z.optional(z.string().check(z.regex(OUTPUT_PATTERN, 'a folder under /output'), z.describe('Where results go: /output or a folder under it.'))),
  report: z.optional(z.enum(REPORT_FORMATS).check(z.describe('Format of the final report.'))),
  timeout: z.optional(
    z.union([
      z.int().check(z.positive(), z.describe('Minutes.')),
      z.string().check(z.regex(DURATION_PATTERN, 'a duration like 30m, 2h, 90s or 1h30m')),
    ]).check(z.describe('Wall-clock limit: minutes, or a duration like 30m.')),
  ),
  task: z.optional(z.string().check(z.regex(TASK_ID_PATTERN, 'a task id like T12'), z.describe('The task in the federation queue this agent works on.'))),
  workspace: z.optional(z.enum(WORKSPACE_KINDS).check(z.describe("What /workspace is: package (the files the brief lists, the default) or worktree (the task's worktree, writable; its commits land on the task branch)."))),
});
export type BriefFrontMatter = z.infer<typeof BriefFrontMatterSchema>;

export const FRONT_MATTER_KEYS = ['role', 'persona', 'image', 'confidentiality', 'operator_level', 'network', 'resources', 'secrets', 'output', 'report', 'timeout', 'task', 'workspace'] as const;
export type FrontMatterKeyName = (typeof FRONT_MATTER_KEYS)[number];
export const RESOURCE_KEYS = ['cpus', 'memory', 'pids'] as const;

export interface KeyDoc {
  summary: string;
  /** What a valid value looks like, phrased to finish "… must be": used in messages. */
  expect: string;
  example: string;
  /** Enumerated values with their meaning, for completion and hover. */
  values?: Record<string, string>;
  /** Values to offer in completion when there is no enum. */
  suggestions?: string[];
}

export const KEY_DOCS: Record<string, KeyDoc> = {
  role: {
    summary: 'What this agent does in the federation: a skill or persona id from `.federation/personas.json`.',
    expect: 'a short role name, ideally a skill from the registry (for example reviewer)',
    example: 'role: reviewer',
  },
  persona: {
    summary: 'The registered persona this agent acts as (an id from `.federation/personas.json`).',
    expect: 'a persona id: lowercase letters, digits, - and _, starting with a letter',
    example: 'persona: research',
  },
  image: {
    summary: 'Container image the agent runs in. Pin a tag or a digest so runs are repeatable.',
    expect: 'a container image reference like ghcr.io/org/agent:1.4',
    example: 'image: ghcr.io/agent-federation/worker:1.4',
  },
  confidentiality: {
    summary: 'How sensitive the material the agent sees is. Higher levels get stricter handling of inputs and outputs.',
    expect: 'one of C0, C1, C2, C3',
    example: 'confidentiality: C1',
    values: {
      C0: 'Public: may be shared with anyone.',
      C1: 'Internal: stays inside the organization.',
      C2: 'Confidential: need-to-know; only named people and agents.',
      C3: 'Strictly confidential: nothing leaves the sandbox except what is written to /output.',
    },
  },
  operator_level: {
    summary: 'How much the agent may do without a human operator.',
    expect: 'one of L0, L1, L2, L3',
    example: 'operator_level: L1',
    values: {
      L0: 'Observe: read the inputs and write a report; change nothing.',
      L1: 'Propose: write changes under /output for a human to apply.',
      L2: 'Act with review: change its workspace; a human reviews before anything leaves.',
      L3: 'Autonomous: act within the Boundaries without review.',
    },
  },
  network: {
    summary: 'What the agent may reach over the network: `none`, `internal` (the federation only), or a list of allowed hosts.',
    expect: 'none, internal, or a list of host names like [api.github.com]',
    example: 'network: [api.github.com, pypi.org]',
    values: { none: 'No network at all.', internal: 'Only the federation’s internal network.' },
  },
  resources: {
    summary: 'Container limits: `cpus` (may be fractional), `memory` (with a unit) and `pids` (most processes).',
    expect: 'a mapping with cpus, memory and pids',
    example: 'resources: { cpus: 2, memory: 2g, pids: 256 }',
  },
  'resources.cpus': { summary: 'CPUs the agent may use; fractions allowed.', expect: 'a positive number like 0.5 or 2', example: 'cpus: 2', suggestions: ['0.5', '1', '2', '4'] },
  'resources.memory': { summary: 'Memory limit with a unit (b, k, m, g).', expect: 'a size with a unit like 512m or 2g', example: 'memory: 2g', suggestions: ['512m', '1g', '2g', '4g'] },
  'resources.pids': { summary: 'The most processes the agent may run at once.', expect: 'a positive whole number like 256', example: 'pids: 256', suggestions: ['128', '256', '512'] },
  secrets: {
    summary: 'Names of secrets the agent gets, each mounted read-only at `/secrets/NAME` and written in the text as `/secrets/NAME` or `${secrets.NAME}`. Never the values.',
    expect: 'a list of secret names like [GITHUB_TOKEN]',
    example: 'secrets: [GITHUB_TOKEN]',
  },
  output: {
    summary: 'Where the agent writes its results: `/output` or a folder under it. Nothing else leaves the sandbox.',
    expect: 'a folder under /output like /output/reports',
    example: 'output: /output/reports',
    suggestions: ['/output', '/output/reports'],
  },
  report: {
    summary: 'Format of the final report the agent writes.',
    expect: 'one of markdown, json, sarif',
    example: 'report: markdown',
    values: { markdown: 'A Markdown report for people.', json: 'A JSON report for tools.', sarif: 'SARIF 2.1.0 findings, for code scanning.' },
  },
  timeout: {
    summary: 'Wall-clock limit for the run: minutes as a whole number, or a duration like `30m`, `2h`, `90s`, `1h30m`.',
    expect: 'minutes as a whole number (30) or a duration like 30m, 2h or 1h30m',
    example: 'timeout: 30m',
    suggestions: ['15m', '30m', '1h', '2h'],
  },
  task: {
    summary: 'The task of the federation queue this agent works on (its id). With `workspace: worktree` the agent works in that task\'s worktree.',
    expect: 'a task id like T12',
    example: 'task: T12',
  },
  workspace: {
    summary: 'What the agent finds at `/workspace`: its bootstrap package (the files the brief lists, read-only below L2), or its task\'s worktree, writable, with git set up so that its commits land on the task branch when it is collected. A worktree needs `task` and `operator_level` L2 or L3, and every file in it must be within the agent\'s clearance.',
    expect: 'one of package, worktree',
    example: 'workspace: worktree',
    values: {
      package: 'The bootstrap package: only the files the brief lists and its clearance lets in (the default).',
      worktree: "The task's worktree, writable; commits land on the task branch when the agent is collected.",
    },
  },
};

/** Other spellings people write for enum values; checked before edit distance. */
export const VALUE_ALIASES: Record<string, string> = { md: 'markdown', mdown: 'markdown', text: 'markdown', txt: 'markdown' };

export const SECTION_DOCS: Record<SectionName, string> = {
  Identity: 'Who the agent is: its persona and role, and for whom it works.',
  Mission: 'What to achieve and why, and how success is measured: success criteria, a checklist or numbers.',
  Resources: 'The inputs, tools, data and secrets (by name) the agent may use.',
  Output: 'What the agent produces and where: every file under `/output`.',
  Reporting: 'How and when the agent reports progress and its result.',
  Boundaries: 'What the agent must never do: at least one explicit prohibition.',
};

export function sectionTemplate(name: SectionName, fm: { output?: string; report?: string } = {}): string {
  const out = (fm.output && OUTPUT_PATTERN.test(fm.output) ? fm.output : '/output').replace(/\/$/, '');
  const format = fm.report ?? 'markdown';
  const ext = format === 'markdown' ? 'md' : format;
  switch (name) {
    case 'Identity':
      return 'TODO: who this agent is (persona and role) and for whom it works.';
    case 'Mission':
      return 'TODO: what to achieve and why.\n\n- [ ] TODO: a measurable success criterion';
    case 'Resources':
      return 'TODO: the inputs, tools and data the agent may use. Name secrets only; never paste their values.';
    case 'Output':
      return `Write every result under \`${out}/\`.`;
    case 'Reporting':
      return `When done, write a ${format} report to \`${out}/report.${ext}\`: what was done, what was not, and why.`;
    case 'Boundaries':
      return BOUNDARY_DEFAULTS;
  }
}

/** Prohibitions true for every brief: offered where Boundaries has none. */
export const BOUNDARY_DEFAULTS = '- Do not write outside `/output`.\n- Never print, log or copy secret values.';
