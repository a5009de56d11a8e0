// From a MISSION_BRIEF to what its container needs: image, command, limits, network, workspace, secrets by name.
// Pure (no file system, no engine), so the same plan feeds a deployment, the Compose export and the editor's
// "inspect hardening". A brief with any error-severity finding is refused here, before anything is created.
import * as path from 'node:path';
import { analyzeBrief, type BriefRegistry, type Finding } from '../brief';
import { BriefFrontMatterSchema, FRONT_MATTER_KEYS, RESOURCE_KEYS, type BriefFrontMatter } from '../brief/schema';
import { HARDENED_DEFAULTS, type ContainerSpec, type Hardening, type MountSpec } from '../docker/client';
import { FederationError } from '../errors';
import { CONTAINER_PATHS, DEFAULT_COMMAND_TEMPLATE, expandCommand } from './template';
import { volumeMounts, type AgentVolumes } from './volumes';

export type WorkspaceChoice = 'all' | 'none' | { folders: string[] };

export interface Limits {
  /** Bytes; 0 = unlimited. */
  memoryBytes: number;
  /** 1e-9 CPUs; 0 = unlimited. */
  nanoCpus: number;
  /** 0 = unlimited. */
  pidsLimit: number;
}

/** What a brief leaves out. Applied only where the brief says nothing. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  memoryBytes: HARDENED_DEFAULTS.memoryBytes,
  nanoCpus: 1_000_000_000,
  pidsLimit: HARDENED_DEFAULTS.pidsLimit,
});

/** The writable scratch space on the otherwise read-only root. */
export const TMPFS_OPTIONS = 'rw,noexec,nosuid,nodev,size=64m,mode=1777';
/** Hides the federation's own folder (other agents' secrets and output) inside a bound workspace. */
export const MASK_OPTIONS = 'ro,noexec,nosuid,nodev,size=4k,mode=0555';

export interface PlanOptions {
  /** Overrides the brief's `image`. */
  image?: string;
  /** Used when the brief has no `image`. */
  defaultImage?: string;
  /** Overrides everything: the exact command (placeholders allowed). */
  command?: string | readonly string[];
  /** The template used when no command is given. Default DEFAULT_COMMAND_TEMPLATE. */
  commandTemplate?: string | readonly string[];
  /** Limits where the brief's `resources` says nothing. */
  defaultLimits?: Partial<Limits>;
  /** Overrides what the brief implies for /workspace in a Compose export (a deployment mounts its package instead). */
  workspace?: WorkspaceChoice;
  /** Overrides the brief's `network` (e.g. to deploy an allow-list brief with no network at all). */
  network?: 'none' | 'internal';
  /** The persona registry, for the brief's MB050/MB051 checks. */
  registry?: BriefRegistry;
}

export interface AgentPlan {
  /** The brief file as given (for messages and the record). */
  file: string;
  title?: string;
  persona: string | null;
  role: string | null;
  image: string;
  command: string | readonly string[];
  network: 'none' | 'internal';
  limits: Limits;
  secrets: string[];
  /** The brief's output folder inside the container (/output or under it). */
  output: string;
  timeoutSeconds?: number;
  /** 'worktree': the brief's task's worktree, writable (workspace: worktree); the others are for a Compose export. */
  workspace: { mode: 'bind' | 'copy' | 'none' | 'worktree'; readOnly: boolean; folders: string[] };
  /** The brief's `task`. */
  task?: string;
  /** Findings that are not errors (warnings, infos): deploying goes ahead, people should see them. */
  findings: Finding[];
}

const UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** "512m", "2g", "1.5GiB" → bytes. Units are binary, as the docker CLI reads them. */
export function parseMemory(value: string): number {
  const m = /^(\d+(?:\.\d+)?)([bkmgt])(?:i?b)?$/i.exec(value.trim());
  if (!m) throw new FederationError('invalid-input', `Memory "${value}" is not a size like 512m or 2g.`, { field: 'resources.memory' });
  return Math.round(Number(m[1]) * (UNITS[(m[2] as string).toLowerCase()] as number));
}

/** 30 (minutes) or "1h30m", "90s" → seconds. */
export function parseTimeout(value: number | string): number {
  if (typeof value === 'number') return value * 60;
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value.trim());
  if (!m || value.trim() === '') throw new FederationError('invalid-input', `Timeout "${value}" is not a duration like 30m.`, { field: 'timeout' });
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** The known keys only: unknown ones are MB011 warnings, which must not stop a deployment. */
function frontMatterOf(data: Record<string, unknown> | undefined): BriefFrontMatter {
  const picked: Record<string, unknown> = {};
  for (const key of FRONT_MATTER_KEYS) if (data && data[key] !== undefined && data[key] !== null) picked[key] = data[key];
  const resources = picked['resources'];
  if (resources && typeof resources === 'object') {
    const r = resources as Record<string, unknown>;
    picked['resources'] = Object.fromEntries(RESOURCE_KEYS.filter((k) => r[k] !== undefined && r[k] !== null).map((k) => [k, r[k]]));
  }
  const parsed = BriefFrontMatterSchema.safeParse(picked);
  // The validator reported no errors, so this holds; anything else is a bug worth a clear message.
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FederationError('invalid-input', `The brief's front matter does not match its schema at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}.`, {});
  }
  return parsed.data;
}

const WORKSPACE_REF = /(?<![\w/.-])\/workspace(?=$|[/\s`'"()<>[\]{},;:.!?|*])(?:\/([^\s`'"()<>[\]{},;|*]*))?/g;

/** `/workspace/…` paths named in a section: '' for the workspace itself. */
export function workspaceReferences(sectionText: string): string[] {
  const found = new Set<string>();
  for (const m of sectionText.matchAll(WORKSPACE_REF)) {
    const rel = (m[1] ?? '').replace(/[.:!?]+$/, '').replace(/\/+$/, '').replace(/^\.\/?/, '');
    found.add(rel);
  }
  return [...found].sort();
}

function briefError(file: string, errors: Finding[]): FederationError {
  const lines = errors.slice(0, 10).map((f) => `  ${f.code} line ${f.range.start.line + 1}: ${f.message}`);
  const more = errors.length > 10 ? `\n  … and ${errors.length - 10} more` : '';
  return new FederationError(
    'invalid-input',
    `${file} has ${errors.length} error${errors.length === 1 ? '' : 's'}; fix ${errors.length === 1 ? 'it' : 'them'} before deploying ` +
      `(federation brief validate ${file}):\n${lines.join('\n')}${more}`,
    { file, findings: errors },
  );
}

/** Why a deployment refuses a `network` allow-list (planBrief's error and the AG001 finding say the same). */
export function allowListRefusal(hosts: readonly string[]): string {
  return (
    `asks for a network allow-list (${hosts.join(', ')}), which agents do not support yet: it needs an egress proxy ` +
    'to enforce. Use "network: none" or "network: internal" in the brief, or deploy with the network overridden to none.'
  );
}

/** Validates the brief and works out what its agent gets. Throws 'invalid-input' for errors and for what is not supported. */
export function planBrief(text: string, file: string, options: PlanOptions = {}): AgentPlan {
  const { doc, findings } = analyzeBrief(text, options.registry ? { registry: options.registry } : {});
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) throw briefError(file, errors);
  const fm = frontMatterOf(doc.frontMatter?.data);

  const image = options.image ?? fm.image ?? options.defaultImage;
  if (!image) {
    throw new FederationError('invalid-input', `${file} names no image: add "image: REPOSITORY:TAG" to its front matter or give an image to deploy with.`, { file, field: 'image' });
  }

  let network: 'none' | 'internal';
  if (options.network) network = options.network;
  else if (Array.isArray(fm.network)) {
    throw new FederationError('invalid-input', `${file} ${allowListRefusal(fm.network)}`, { file, field: 'network', allowList: fm.network });
  } else network = fm.network ?? 'none';

  const defaults = { ...DEFAULT_LIMITS, ...options.defaultLimits };
  const limits: Limits = {
    memoryBytes: fm.resources?.memory !== undefined ? parseMemory(fm.resources.memory) : defaults.memoryBytes,
    nanoCpus: fm.resources?.cpus !== undefined ? Math.round(fm.resources.cpus * 1e9) : defaults.nanoCpus,
    pidsLimit: fm.resources?.pids ?? defaults.pidsLimit,
  };

  const readOnly = !(fm.operator_level === 'L2' || fm.operator_level === 'L3');
  let workspace: AgentPlan['workspace'];
  const choice = options.workspace;
  if (choice === 'all') workspace = { mode: 'bind', readOnly, folders: [] };
  else if (choice === 'none') workspace = { mode: 'none', readOnly: true, folders: [] };
  else if (choice) workspace = { mode: 'copy', readOnly, folders: [...choice.folders].sort() };
  else {
    // The brief's Resources say what the agent may use: the whole workspace, or only the folders it names.
    const resources = doc.sections.find((s) => s.known === 'Resources');
    const refs = resources ? workspaceReferences(text.slice(resources.bodyStart, resources.contentEnd)) : [];
    workspace = refs.length === 0 || refs.includes('') ? { mode: 'bind', readOnly, folders: [] } : { mode: 'copy', readOnly, folders: refs };
  }
  if (fm.workspace === 'worktree') {
    // MB014 says the same; this holds where the rule is disabled too.
    if (!fm.task) throw new FederationError('invalid-input', `${file} asks for its task's worktree (workspace: worktree) but names no task: add "task: T…".`, { file, field: 'task' });
    if (readOnly) {
      throw new FederationError('invalid-input', `${file} asks for a writable worktree, which needs operator_level L2 or L3 in its front matter.`, { file, field: 'operator_level' });
    }
    workspace = { mode: 'worktree', readOnly: false, folders: [] };
  }

  return {
    file,
    ...(doc.title ? { title: doc.title.text } : {}),
    persona: fm.persona ?? null,
    role: fm.role ?? null,
    image,
    command: options.command ?? options.commandTemplate ?? DEFAULT_COMMAND_TEMPLATE,
    network,
    limits,
    secrets: [...new Set(fm.secrets ?? [])].sort(),
    output: (fm.output ?? CONTAINER_PATHS.output).replace(/\/$/, '') || CONTAINER_PATHS.output,
    ...(fm.timeout !== undefined ? { timeoutSeconds: parseTimeout(fm.timeout) } : {}),
    workspace,
    ...(fm.task ? { task: fm.task } : {}),
    findings,
  };
}

export function commandFor(plan: AgentPlan, agentId: string): string[] {
  return expandCommand(plan.command, {
    brief: CONTAINER_PATHS.brief,
    workspace: CONTAINER_PATHS.workspace,
    secrets: CONTAINER_PATHS.secrets,
    output: plan.output,
    report: CONTAINER_PATHS.report,
    agentId,
    persona: plan.persona ?? '',
    role: plan.role ?? '',
  });
}

/** What the agent finds in its environment: where things are. Never a secret. */
export function agentEnv(plan: AgentPlan, agentId: string): Record<string, string> {
  return {
    AGENT_ID: agentId,
    AGENT_BRIEF: CONTAINER_PATHS.brief,
    AGENT_WORKSPACE: CONTAINER_PATHS.workspace,
    AGENT_SECRETS: CONTAINER_PATHS.secrets,
    AGENT_OUTPUT: plan.output,
    AGENT_REPORT: CONTAINER_PATHS.report,
    HOME: CONTAINER_PATHS.tmp,
  };
}

export function hardeningFor(plan: AgentPlan, networkName: string): Hardening {
  return {
    capDrop: ['ALL'],
    readOnlyRootfs: true,
    noNewPrivileges: true,
    memoryBytes: plan.limits.memoryBytes,
    ...(plan.limits.nanoCpus > 0 ? { nanoCpus: plan.limits.nanoCpus } : {}),
    pidsLimit: plan.limits.pidsLimit,
    network: networkName,
  };
}

/** Host paths of one agent's mounts: its written bootstrap package, secrets and output. */
export interface HostFolders {
  /** The package's workspace/ folder: exactly the files the package holds, nothing else of the workspace. */
  workspace: string;
  /** The package's MISSION_BRIEF.md and BOOTSTRAP.md, each bound on its own (never the manifest or the package root). */
  brief: string;
  bootstrap: string;
  secretsDir: string;
  outputDir: string;
  /** A worktree agent's: its task's worktree (then /workspace) and its own git folder (then /git). */
  worktree?: { path: string; gitDir: string };
  /** On an engine that cannot see our files: the agent's volumes there, in place of all of the above. */
  volumes?: AgentVolumes;
}

/** What a worktree agent gets instead of its package at /workspace: the worktree, its .git file read-only, its own git. */
function worktreeMounts(wt: { path: string; gitDir: string }): MountSpec[] {
  return [
    { source: wt.path, target: CONTAINER_PATHS.workspace, readOnly: false },
    { source: path.join(wt.path, '.git'), target: CONTAINER_PATHS.gitFile, readOnly: true },
    { source: wt.gitDir, target: CONTAINER_PATHS.git, readOnly: false },
  ];
}

/** Git inside finds the agent's own git folder, never the host path the worktree's .git file names. */
function worktreeEnv(plan: AgentPlan): Record<string, string> {
  return { GIT_DIR: CONTAINER_PATHS.git, GIT_WORK_TREE: CONTAINER_PATHS.workspace, AGENT_TASK: plan.task ?? '' };
}

/**
 * The complete container: these mounts and nothing else (never the workspace itself, never the Docker socket;
 * a worktree agent's task worktree, never the repository's .git folder).
 */
export function containerSpecFor(
  plan: AgentPlan,
  input: { agentId: string; name: string; user: string; labels: Record<string, string>; folders: HostFolders; networkName: string },
): ContainerSpec {
  const wt = plan.workspace.mode === 'worktree' ? input.folders.worktree : undefined;
  if (plan.workspace.mode === 'worktree' && !wt) throw new FederationError('invalid-input', `${plan.file}: its task's worktree was not prepared.`, { file: plan.file, field: 'workspace' });
  const mounts: MountSpec[] = input.folders.volumes ? volumeMounts(input.folders.volumes, plan.workspace.readOnly) : [
    ...(wt ? worktreeMounts(wt) : [{ source: input.folders.workspace, target: CONTAINER_PATHS.workspace, readOnly: plan.workspace.readOnly }]),
    { source: input.folders.brief, target: CONTAINER_PATHS.brief, readOnly: true },
    { source: input.folders.bootstrap, target: CONTAINER_PATHS.bootstrap, readOnly: true },
    { source: input.folders.secretsDir, target: CONTAINER_PATHS.secrets, readOnly: true },
    { source: input.folders.outputDir, target: CONTAINER_PATHS.output, readOnly: false },
  ];
  return {
    name: input.name,
    image: plan.image,
    cmd: commandFor(plan, input.agentId),
    user: input.user,
    env: { ...agentEnv(plan, input.agentId), AGENT_BOOTSTRAP: CONTAINER_PATHS.bootstrap, ...(wt ? worktreeEnv(plan) : {}) },
    labels: input.labels,
    workingDir: CONTAINER_PATHS.workspace,
    mounts,
    tmpfs: { [CONTAINER_PATHS.tmp]: TMPFS_OPTIONS },
    hardening: hardeningFor(plan, input.networkName),
  };
}
