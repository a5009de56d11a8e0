// Deploying MISSION_BRIEFs as hardened containers, in named steps: validate the request, plan and package every
// agent (nothing is written and the engine is not asked until all of it passed), check the engine, then per agent
// create its folders and container and start it, and finally record the deployment. A deployment is all or
// nothing: when any part fails, rollback() removes every container, network and folder it made before the error
// is thrown. An agent sees only its package: the workspace itself is never mounted (a brief with `workspace:
// worktree` gets its task's worktree instead, checked file by file against its clearance: worktree.ts).
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { isDockerStatus, type ContainerSpec, type DockerClient } from '../docker/client';
import { FederationError, describeError, isFederationError } from '../errors';
import { PACKAGE_LAYOUT, writePackage, type BootstrapPackage, type OperatorLevel } from '../packages';
import type { FileSystem } from '../ports';
import { requireFederation, type AgentContext } from './context';
import { chownTree, ensureAgentsDir, prepareOutputFolder, removeTree, type AgentFolders, type Owner } from './files';
import { LABEL, containerName, federationLabels } from './labels';
import { ensureInternalNetwork, type InternalNetwork } from './networks';
import { containerSpecFor, type AgentPlan, type PlanOptions } from './plan';
import { agentPackage, agentUser, planBriefs, refuseSecretCopies, sha256, type PlannedBrief } from './prepare';
import { updateAgents } from './records';
import type { AgentRecord } from './schema';
import { resolveSecrets, writeSecretsFolder, type SecretSource } from './secrets';
import { describeAgent, type AgentInfo } from './status';
import { lendWorktree, makeAgentGit, prepareWorktree, returnWorktree, worktreeRecord, type WorktreeSource } from './worktree';
import { agentVolumeNames, createAgentVolumes, fillAgentVolumes, holderImageFor, refuseOnRemote, removeAgentVolumes, removeHolder, useVolumes, type AgentVolumes, type FillInput, type Transfer } from './volumes';

/** A deployment's /workspace is always its package, so the plan's workspace override does not apply. */
export interface DeployOptions extends Omit<PlanOptions, 'workspace'> {
  /**
   * The level of the person deploying, from a setting a workspace cannot raise (editor) or --operator-level (CLI).
   * It caps what goes into each agent's bootstrap package; secrets need L3. Default L1.
   */
  operatorLevel?: OperatorLevel;
  /** DOCKER_HOST-style engine address for these agents. */
  host?: string;
  /** Agents per brief. Default 1. */
  copies?: number;
  /** Where secret values come from. Needed when a brief declares secrets. */
  secrets?: SecretSource;
  /** Extra labels for the containers (and an internal network made for them). Never put secrets here. */
  labels?: Record<string, string>;
  /** Container user ("uid:gid"); by default a non-root uid that can read the agent's folders. */
  user?: string;
  /** Most creates in flight at once. Default 16. */
  concurrency?: number;
  /** How the agent's files reach the engine; default the context's (volumes for an engine not on this machine). */
  transfer?: Transfer;
  signal?: AbortSignal;
}

export interface DeployResult {
  agents: AgentInfo[];
  /** Non-error brief findings and engine warnings (e.g. a limit the kernel cannot enforce). */
  warnings: string[];
}

const MAX_COPIES = 100;

/** A brief ready to deploy: its plan, its package (built, not yet written) and its secret values. */
interface PreparedBrief {
  plan: PlannedBrief;
  pkg: BootstrapPackage;
  secrets: Map<string, Uint8Array>;
  /** workspace: worktree: the task's worktree, checked. */
  worktree?: WorktreeSource;
}

/** Everything decided before the engine is asked. */
interface Prepared {
  briefs: PreparedBrief[];
  operatorLevel: OperatorLevel;
  /** The container user, and who must own the agent's folders for it to read them (when we are root). */
  user: string;
  owner?: Owner;
}

/** One agent this deployment made, as far as it got. */
interface MadeAgent {
  id: string;
  folders: AgentFolders;
  containerId?: string;
  record?: AgentRecord;
  /** A task worktree handed to the agent's user, and who owned it (given back on rollback). */
  lent?: { path: string; owner: Owner };
  /** Its volumes on the engine (an engine that cannot see our files), and what goes into them. */
  volumes?: AgentVolumes;
  fill?: FillInput;
  /** Its plan, for starting it once the holder filled the volumes. */
  brief?: PlannedBrief;
}

/** A deployment in progress: where it goes, and what it made so far (for its records or its rollback). */
interface Deployment {
  host: string;
  client: DockerClient;
  /** Labels the deployment's containers, so a rollback finds one whose create answered with an error after all. */
  group: string;
  extraLabels: Record<string, string>;
  /** Engine calls get only the caller's signal (see deploy). */
  call: { signal?: AbortSignal };
  made: MadeAgent[];
  /** The agents' files go to the engine in volumes instead of being bound from our disk. */
  volumes: boolean;
  network?: InternalNetwork;
  warnings: string[];
}

export async function deploy(ctx: AgentContext, briefs: string[], options: DeployOptions = {}): Promise<DeployResult> {
  const { copies, host } = validateRequest(ctx, options);
  await requireFederation(ctx);
  // Everything that can be checked without the engine is checked first, so a bad brief or a missing secret
  // never leaves anything behind.
  const prepared = await planAndPackage(ctx, briefs, options, copies);
  const client = await ctx.client(host);
  const volumes = useVolumes(client, options.transfer ?? ctx.transfer);
  if (volumes) {
    const wt = prepared.briefs.find((b) => b.worktree);
    if (wt) refuseOnRemote(wt.plan.file, "its task's worktree (workspace: worktree)", client.hostLabel);
  }
  await checkEngine(client, prepared.briefs, options.signal);
  await ensureAgentsDir(ctx.fs, ctx.store.dir);

  const d: Deployment = {
    host, client,
    group: randomBytes(4).toString('hex'),
    extraLabels: options.labels ?? {},
    // Engine calls get only the caller's signal: a create abandoned mid-flight could still land after the
    // rollback looked, so after a failure the calls in flight are left to finish and then undone.
    call: options.signal ? { signal: options.signal } : {},
    made: [],
    volumes,
    warnings: prepared.briefs.flatMap(({ plan: p }) => p.findings.map((f) => `${p.file}:${f.range.start.line + 1}: ${f.code} ${f.message}`)),
  };
  const instances = prepared.briefs.flatMap((brief) => Array.from({ length: copies }, () => ({ brief, id: newAgentId(brief.plan) })));
  try {
    if (prepared.briefs.some((b) => b.plan.network === 'internal')) d.network = await ensureInternalNetwork(ctx, client, d.extraLabels, d.call);
    const createdAt = ctx.clock.now().toISOString();
    const limit = options.concurrency ?? 16;
    const errors = volumes
      ? await deployOnVolumes(ctx, d, prepared, instances, createdAt, limit, options.signal)
      : await eachLimited(instances, limit, async ({ brief, id }) => {
        options.signal?.throwIfAborted();
        const containerId = await createAgent(ctx, d, prepared, brief, id, createdAt);
        await startAgent(ctx, d, brief.plan, id, containerId);
      });
    if (errors.length > 0) throw pickError(errors);
    return await recordDeployment(ctx, d);
  } catch (e) {
    await rollback(ctx, d);
    throw e;
  }
}

/**
 * Agents whose files go in volumes, in three steps: every agent's folders, volumes and container; then one holder
 * fills all the volumes (one container start for the deployment rather than one more per agent); then every agent
 * starts, and the holder goes. A failure in any step leaves the rest to the rollback (the holder carries the group).
 */
async function deployOnVolumes(
  ctx: AgentContext, d: Deployment, prepared: Prepared, instances: Array<{ brief: PreparedBrief; id: string }>, createdAt: string, limit: number,
  signal: AbortSignal | undefined,
): Promise<unknown[]> {
  const created = await eachLimited(instances, limit, async ({ brief, id }) => {
    signal?.throwIfAborted();
    await createAgent(ctx, d, prepared, brief, id, createdAt);
  });
  if (created.length > 0) return created;
  let holderId: string;
  try {
    signal?.throwIfAborted();
    const labels = { ...d.extraLabels, ...federationLabels(ctx.federationHash), [LABEL.group]: d.group };
    const fills = d.made.map((m) => m.fill as FillInput);
    ({ holderId } = await fillAgentVolumes(d.client, fills, labels, numericUser(prepared.user), d.call, holderImageFor(d.client, labels, d.call)));
  } catch (e) {
    return [e];
  }
  const started = await eachLimited(d.made, limit, async (m) => {
    signal?.throwIfAborted();
    await startAgent(ctx, d, m.brief as PlannedBrief, m.id, m.containerId as string);
  });
  if (started.length > 0) return started;
  await removeHolder(d.client, holderId, ctx.logger);
  return [];
}

// ---- validate, plan and package: nothing written, the engine not asked ------------------------------------------

function validateRequest(ctx: AgentContext, options: DeployOptions): { copies: number; host: string } {
  const copies = options.copies ?? 1;
  if (!Number.isInteger(copies) || copies < 1 || copies > MAX_COPIES) {
    throw new FederationError('invalid-input', `Copies must be a whole number from 1 to ${MAX_COPIES}, got ${copies}.`, { field: 'copies' });
  }
  const host = options.host ?? ctx.defaultHost;
  if (withPassword(host)) {
    throw new FederationError('invalid-input', 'Put no password in the Docker host address; use TLS certificates or an ssh agent.', { field: 'host' });
  }
  return { copies, host };
}

function withPassword(host: string): boolean {
  return /^[a-z]+:\/\/[^/@]*:[^/@]*@/i.test(host);
}

/** Plans the briefs, builds each agent's package and resolves its secrets; picks the container user. */
async function planAndPackage(ctx: AgentContext, briefs: string[], options: DeployOptions, copies: number): Promise<Prepared> {
  const plans = await planBriefs(ctx, briefs, options);
  const operatorLevel = options.operatorLevel ?? 'L1';
  // What each agent may see is its remote-agent package: built (not written) now, so a refused one stops
  // the deployment before any folder, secret or container exists.
  const packages: BootstrapPackage[] = [];
  for (const plan of plans) packages.push(await agentPackage(ctx, plan, operatorLevel, 'no agent was deployed'));
  const prepared: PreparedBrief[] = [];
  for (const [i, plan] of plans.entries()) {
    const pkg = packages[i] as BootstrapPackage;
    const secrets = await resolveSecrets(plan.secrets, options.secrets, plan.file);
    refuseSecretCopies(plan.file, pkg, secrets);
    const worktree = plan.workspace.mode === 'worktree' ? await prepareWorktree(ctx, plan, operatorLevel, copies, secrets) : undefined;
    if (worktree && prepared.some((p) => p.worktree?.task === worktree.task)) {
      throw new FederationError('invalid-input', `${plan.file}: another brief of this deployment works in task ${worktree.task}'s worktree already.`, { file: plan.file, field: 'task', task: worktree.task });
    }
    prepared.push({ plan, pkg, secrets, ...(worktree ? { worktree } : {}) });
  }
  const { user, owner } = await agentUser(ctx, options.user);
  return { briefs: prepared, operatorLevel, user, ...(owner ? { owner } : {}) };
}

/** The engine answers and has every image the briefs need. */
async function checkEngine(client: DockerClient, briefs: PreparedBrief[], signal: AbortSignal | undefined): Promise<void> {
  await client.ping({ ...(signal ? { signal } : {}) });
  for (const image of new Set(briefs.map((b) => b.plan.image))) {
    if (!(await client.imageExists(image, { ...(signal ? { signal } : {}) }))) {
      throw new FederationError('not-found', `Image ${image} is not on the Docker engine at ${client.hostLabel}: build or pull it there first.`, { image, host: client.hostLabel });
    }
  }
}

// ---- per agent: folders, container, start -----------------------------------------------------------------------

function slug(plan: AgentPlan): string {
  const base = plan.persona ?? plan.role ?? path.basename(plan.file).replace(/\.brief\.md$|\.md$/i, '').replace(/^MISSION_BRIEF\.?/i, '');
  let s = base.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 24).replace(/-+$/, '');
  if (!/^[a-z]/.test(s)) s = `agent${s ? `-${s}` : ''}`;
  return s;
}

function newAgentId(plan: AgentPlan): string {
  return `${slug(plan)}-${randomBytes(3).toString('hex')}`;
}

/** Runs `fn` over items with at most `limit` in flight; stops taking new items once one failed. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<unknown[]> {
  const errors: unknown[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && errors.length === 0) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (e) {
        errors.push(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return errors;
}

/** Writes the agent's folders (package, output, secrets) and creates its container; returns the container id. */
async function createAgent(ctx: AgentContext, d: Deployment, prepared: Prepared, brief: PreparedBrief, id: string, createdAt: string): Promise<string> {
  const { plan } = brief;
  const folders = ctx.folders(id);
  // Created here, exclusively: only a folder this deployment made is ever removed by its rollback.
  await ctx.fs.mkdir(folders.dir, { mode: 0o700 });
  const entry: MadeAgent = { id, folders };
  d.made.push(entry);
  if (d.volumes) {
    entry.volumes = agentVolumeNames(ctx.federationHash, id);
    return createRemoteAgent(ctx, d, prepared, brief, entry, entry.volumes, createdAt);
  }
  await writeAgentFolders(ctx.fs, folders, brief, prepared.owner);
  let lentFrom: Owner | undefined;
  if (brief.worktree) {
    await makeAgentGit(ctx, brief.worktree, folders, prepared.owner);
    lentFrom = await lendWorktree(ctx, brief.worktree, prepared.owner);
    if (lentFrom) entry.lent = { path: brief.worktree.path, owner: lentFrom };
  }
  const networkName = plan.network === 'internal' && d.network ? d.network.name : 'none';
  const spec = agentContainerSpec(ctx, d, plan, id, folders, prepared.user, networkName, brief.worktree);
  const created = await d.client.createContainer(spec, d.call);
  entry.containerId = created.id;
  d.warnings.push(...created.warnings.map((w) => `${id}: ${w}`));
  entry.record = agentRecord(d, prepared, brief, id, spec, created.id, networkName, createdAt, lentFrom);
  return created.id;
}

/**
 * An agent on an engine that cannot see our files: its package stays here for reference and an empty output folder
 * waits for collect; the files go to the engine in volumes, the secrets only there (in memory).
 */
async function createRemoteAgent(
  ctx: AgentContext, d: Deployment, prepared: Prepared, brief: PreparedBrief, entry: MadeAgent, volumes: AgentVolumes, createdAt: string,
): Promise<string> {
  const { plan, pkg } = brief;
  const { id, folders } = entry;
  await prepareOutputFolder(ctx.fs, folders);
  await writePackage(ctx.fs, pkg, folders.packageDir);
  const owner = numericUser(prepared.user);
  const labels = { ...d.extraLabels, ...federationLabels(ctx.federationHash), [LABEL.group]: d.group };
  entry.fill = { agentId: id, volumes, labels, pkg, secrets: brief.secrets, owner, workspaceWritable: !plan.workspace.readOnly };
  entry.brief = plan;
  await createAgentVolumes(d.client, entry.fill, d.call);
  const networkName = plan.network === 'internal' && d.network ? d.network.name : 'none';
  const spec = agentContainerSpec(ctx, d, plan, id, folders, prepared.user, networkName, undefined, volumes);
  const created = await d.client.createContainer(spec, d.call);
  entry.containerId = created.id;
  d.warnings.push(...created.warnings.map((w) => `${id}: ${w}`));
  entry.record = { ...agentRecord(d, prepared, brief, id, spec, created.id, networkName, createdAt, undefined), volumes };
  return created.id;
}

/** The owner of the agent's files in its volumes: the container user, which must be numeric there. */
function numericUser(user: string): Owner {
  const m = /^(\d+)(?::(\d+))?$/.exec(user);
  if (!m) throw new FederationError('invalid-input', `The agent user "${user}" must be a uid or uid:gid for an engine that gets copies of the agent's files (their owner is set by number).`, { field: 'user' });
  return { uid: Number(m[1]), gid: Number(m[2] ?? m[1]) };
}

function agentRecord(
  d: Deployment, prepared: Prepared, brief: PreparedBrief, id: string, spec: ContainerSpec, containerId: string, networkName: string, createdAt: string, lentFrom: Owner | undefined,
): AgentRecord {
  const { plan, pkg } = brief;
  return {
    id,
    containerId,
    containerName: spec.name as string,
    host: d.host,
    hostLabel: d.client.hostLabel,
    group: d.group,
    brief: { path: plan.file, sha256: sha256(plan.text), ...(plan.title ? { title: plan.title } : {}) },
    persona: plan.persona,
    role: plan.role,
    image: plan.image,
    command: spec.cmd ?? [],
    user: prepared.user,
    network: networkName,
    workspace: brief.worktree ? { mode: 'worktree', readOnly: false, folders: [] } : { mode: 'package', readOnly: plan.workspace.readOnly, folders: [] },
    ...(brief.worktree ? { worktree: worktreeRecord(brief.worktree, lentFrom) } : {}),
    limits: { ...plan.limits },
    secrets: [...plan.secrets],
    package: {
      operatorLevel: prepared.operatorLevel,
      files: pkg.manifest.included.filter((e) => e.path.startsWith(`${PACKAGE_LAYOUT.workspace}/`)).length,
      excluded: pkg.manifest.excluded.length,
    },
    createdAt,
    ...(plan.timeoutSeconds ? { timeoutSeconds: plan.timeoutSeconds } : {}),
  };
}

/** The agent's package (its only /workspace), output folder and secrets, readable by the container user. */
async function writeAgentFolders(fs: FileSystem, folders: AgentFolders, brief: PreparedBrief, owner: Owner | undefined): Promise<void> {
  await prepareOutputFolder(fs, folders, owner);
  await writePackage(fs, brief.pkg, folders.packageDir);
  // A brief that lists no files still gets an (empty) /workspace of its own, never the real one.
  await fs.mkdir(folders.packageWorkspaceDir, { mode: 0o700, recursive: true });
  // The package is written owner-only (0600/0700): hand it to the agent's user so it can read it.
  if (owner) await chownTree(fs, folders.packageDir, owner);
  await writeSecretsFolder(fs, folders.secretsDir, brief.secrets, owner);
}

function agentContainerSpec(
  ctx: AgentContext, d: Deployment, plan: PlannedBrief, id: string, folders: AgentFolders, user: string, networkName: string, worktree: WorktreeSource | undefined,
  volumes?: AgentVolumes,
): ContainerSpec {
  const labels = {
    ...d.extraLabels,
    ...federationLabels(ctx.federationHash),
    [LABEL.agent]: id,
    [LABEL.group]: d.group,
    [LABEL.brief]: plan.file,
    [LABEL.briefSha256]: sha256(plan.text),
    [LABEL.persona]: plan.persona ?? '',
    [LABEL.role]: plan.role ?? '',
  };
  return containerSpecFor(plan, {
    agentId: id,
    name: containerName(ctx.federationHash, id),
    user,
    labels,
    networkName,
    folders: {
      workspace: folders.packageWorkspaceDir,
      brief: folders.packageBrief,
      bootstrap: folders.packageBootstrap,
      secretsDir: folders.secretsDir,
      outputDir: folders.outputDir,
      ...(worktree ? { worktree: { path: worktree.path, gitDir: folders.gitDir } } : {}),
      ...(volumes ? { volumes } : {}),
    },
  });
}

async function startAgent(ctx: AgentContext, d: Deployment, plan: AgentPlan, id: string, containerId: string): Promise<void> {
  try {
    await d.client.startContainer(containerId, d.call);
  } catch (e) {
    throw isFederationError(e) && e.details['cause'] === 'executable-not-found' ? missingCommandError(e, plan.image, id) : e;
  }
  ctx.logger.info(`agent ${id}: started ${plan.image} from ${plan.file} on ${d.client.hostLabel}`);
}

/** An image without the command's program: which image, which program, and the three ways to fix it. */
function missingCommandError(e: FederationError, image: string, id: string): FederationError {
  const exe = String(e.details['executable']);
  return new FederationError(
    'docker-error',
    `Agent ${id} could not start: image ${image} has no "${exe}" on its PATH (the agent's command runs it). ` +
      `Use an image that has it (--image, the brief's "image:", or the agentFederation.agent.image setting), or run ` +
      `another command (--command, or the agentFederation.agent.commandTemplate setting). Docker start container said: ${String(e.details['engineMessage'])}`,
    { ...e.details, image, id },
  );
}

/** The error to report for a failed deployment: the first real one, not the cancellations it caused. */
function pickError(errors: unknown[]): unknown {
  return errors.find((e) => !(isFederationError(e) && e.reason === 'cancelled')) ?? errors[0];
}

// ---- record, or roll back ---------------------------------------------------------------------------------------

/** Every agent started: their records go into agents.json and open watchers follow the host. */
async function recordDeployment(ctx: AgentContext, d: Deployment): Promise<DeployResult> {
  const records = d.made.map((m) => m.record as AgentRecord);
  await updateAgents(ctx.store, (agents) => {
    agents.push(...records);
  });
  for (const notify of ctx.hostWatchers) notify(d.host);
  const now = ctx.clock.now();
  return {
    agents: records.map((r) => ({
      ...describeAgent({ id: r.id, record: r, host: d.host, hostLabel: d.client.hostLabel, outputDir: ctx.folders(r.id).outputDir, now }),
      status: 'running' as const,
      startedAt: now.toISOString(),
    })),
    warnings: d.warnings,
  };
}

/** Undoes a failed deployment: every container, folder and the network it created. Never throws. */
async function rollback(ctx: AgentContext, d: Deployment): Promise<void> {
  const { client, group, made, network } = d;
  // Containers by id, and by the deployment's group label in case a create answered with an error after all.
  const ids = new Set<string>(made.flatMap((m) => (m.containerId ? [m.containerId] : [])));
  try {
    for (const c of await client.listContainers({ labels: { ...federationLabels(ctx.federationHash), [LABEL.group]: group } })) ids.add(c.id);
  } catch (e) {
    ctx.logger.warn(`rollback: listing the deployment's containers failed: ${describeError(e)}`);
  }
  await Promise.all([...ids].map(async (id) => {
    try {
      await client.removeContainer(id, { force: true, removeVolumes: true });
    } catch (e) {
      if (!isDockerStatus(e, 404)) ctx.logger.warn(`rollback: removing container ${id} failed: ${describeError(e)}`);
    }
  }));
  await Promise.all(made.map(async (m) => {
    try {
      if (m.volumes) await removeAgentVolumes(client, ctx.federationHash, m.id);
    } catch (e) {
      ctx.logger.warn(`rollback of ${m.id}: removing its volumes on ${client.hostLabel} failed: ${describeError(e)}`);
    }
    try {
      if (m.lent) await returnWorktree(ctx, m.lent);
      await removeTree(ctx.fs, m.folders.dir);
    } catch (e) {
      ctx.logger.warn(`rollback of ${m.id}: removing ${m.folders.dir} failed: ${describeError(e)}`);
    }
  }));
  if (network?.created) {
    try {
      await client.removeNetwork(network.name);
    } catch (e) {
      if (!isDockerStatus(e, 404)) ctx.logger.warn(`rollback: removing network ${network.name} failed: ${describeError(e)}`);
    }
  }
}
