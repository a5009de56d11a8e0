// Remote agents: deploy MISSION_BRIEFs as hardened containers, list and watch them, read their logs and reports,
// stop, restart, remove and prune them. The engine is reached only through the DockerClient port (one client per
// DOCKER_HOST-style address); deployment records live in .federation/agents.json and per-agent folders under
// .federation/agents/<id>/ (its remote-agent bootstrap package, secrets, output). An agent sees only its package:
// the workspace itself is never mounted. A deployment is all or nothing: when any part fails,
// every container, network and folder it made is removed again before the error is thrown.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { BriefRegistry } from '../brief';
import { isDockerStatus, type ContainerInfo, type DockerClient, type DockerEvent, type DockerStream, type LogChunk, type LogOptions } from '../docker/client';
import type { DockerClientFactory } from '../docker/loader';
import { FederationError, PackageRefusedError, isFederationError, type RefusedFile, describeError } from '../errors';
import { PACKAGE_LAYOUT, buildPackage, writePackage, type BootstrapPackage, type OperatorLevel } from '../packages';
import { systemClock, silentLogger, type Clock, type Logger } from '../ports';
import { FederationStore } from '../state/store';
import { agentFolders, chownTree, copyOutput, ensureAgentsDir, hasEntries, outputFileSize, prepareOutputFolder, readOutputFile, removeTree, type AgentFolders, type CollectResult, type Owner } from './files';
import { COMPOSE_PACKAGES_DIR, composeDocument, composeYaml, serviceNames } from './compose';
import { checkHardening, type HardeningCheck } from './hardening';
import { LABEL, containerName, federationLabels, internalNetworkName, workspaceHash } from './labels';
import { containerSpecFor, planBrief, type AgentPlan, type PlanOptions } from './plan';
import { readAgents, updateAgents } from './records';
import { AGENT_ID_PATTERN, AgentReportSchema, REPORT_FILE, REPORT_PATH, type AgentRecord, type AgentReport } from './schema';
import { resolveSecrets, writeSecretsFolder, type SecretSource } from './secrets';
import { FINISHED_STATUSES, describeAgent, type AgentInfo } from './status';

export interface AgentServiceOptions {
  /** The workspace root (the folder holding .federation/). */
  root: string;
  /** Share the extension's store; by default one is made for `root`. */
  store?: FederationStore;
  /** How to reach an engine: loadDockerClient in the product, a FakeDockerClient in unit tests. */
  clientFactory: DockerClientFactory;
  /** Engine used when a deployment names none. Default $DOCKER_HOST, then the local engine. */
  defaultHost?: string;
  /** Image, command template and limits used where a brief and the deploy call say nothing. */
  defaults?: Pick<PlanOptions, 'defaultImage' | 'commandTemplate' | 'defaultLimits'>;
  clock?: Clock;
  logger?: Logger;
}

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
  signal?: AbortSignal;
}

export interface DeployResult {
  agents: AgentInfo[];
  /** Non-error brief findings and engine warnings (e.g. a limit the kernel cannot enforce). */
  warnings: string[];
}

export interface HostStatus {
  host: string;
  hostLabel: string;
  reachable: boolean;
  /** Why not, in words a person can act on. */
  error?: string;
  reason?: string;
}

export interface ListResult {
  agents: AgentInfo[];
  hosts: HostStatus[];
}

export type AgentChange =
  | { type: 'changed'; agent: AgentInfo; action: string }
  | { type: 'removed'; id: string; host: string; action: string }
  | { type: 'host-error'; host: string; hostLabel: string; error: FederationError };

export interface AgentWatcher {
  /** Resolves once every engine accepted the event request: nothing that happens after this is missed. */
  readonly ready: Promise<void>;
  close(): void;
}

export interface RemoveResult {
  id: string;
  removedContainer: boolean;
  removedOutput: boolean;
}

export interface PruneResult {
  removed: string[];
  kept: Array<{ id: string; why: string }>;
  /** Engines that did not answer: their agents were neither seen nor pruned. */
  unreachable: Array<{ host: string; hostLabel: string; error?: string; reason?: string }>;
}

export interface ReportResult {
  id: string;
  report: AgentReport;
  deliverables: Array<{ path: string; description?: string; exists: boolean; bytes?: number }>;
}

interface Located {
  id: string;
  record?: AgentRecord;
  host: string;
  client: DockerClient;
  containerId: string;
}

/** Actions after which an agent's state may have changed. */
const STATE_ACTIONS = new Set(['create', 'start', 'restart', 'die', 'oom', 'stop', 'kill', 'pause', 'unpause', 'destroy']);
const MAX_COPIES = 100;

function withPassword(host: string): boolean {
  return /^[a-z]+:\/\/[^/@]*:[^/@]*@/i.test(host);
}

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

export class AgentService {
  readonly root: string;
  readonly store: FederationStore;
  readonly federationHash: string;
  readonly defaultHost: string;
  private readonly clientFactory: DockerClientFactory;
  private readonly clients = new Map<string, Promise<DockerClient>>();
  private readonly defaults: Pick<PlanOptions, 'defaultImage' | 'commandTemplate' | 'defaultLimits'>;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly watchers = new Set<(host: string) => void>();

  constructor(options: AgentServiceOptions) {
    this.root = path.resolve(options.root);
    this.store = options.store ?? new FederationStore(this.root);
    this.clientFactory = options.clientFactory;
    this.defaultHost = options.defaultHost ?? process.env['DOCKER_HOST'] ?? '';
    this.defaults = options.defaults ?? {};
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.federationHash = workspaceHash(this.root);
  }

  /** One client per engine address, made on first use. */
  client(host: string): Promise<DockerClient> {
    let c = this.clients.get(host);
    if (!c) {
      c = this.clientFactory({ host });
      // A failed load is not cached: the next call tries again (e.g. after Docker support was installed).
      c.catch(() => this.clients.delete(host));
      this.clients.set(host, c);
    }
    return c;
  }

  folders(id: string): AgentFolders {
    return agentFolders(this.store.dir, id);
  }

  // ---- deploy -------------------------------------------------------------------------------------------------

  /** Validates and plans the briefs without touching the engine: what `deploy` would run. */
  /** Agents belong to a federation: a folder without one is `not-initialized`, for reads as for deploys. */
  async requireFederation(): Promise<void> {
    if (!(await this.store.isInitialized())) {
      throw new FederationError('not-initialized', `No federation in ${this.root}: run "federation init" first.`, { root: this.root });
    }
  }

  async plan(briefs: string[], options: PlanOptions = {}): Promise<Array<AgentPlan & { text: string; abs: string }>> {
    if (briefs.length === 0) throw new FederationError('invalid-input', 'Name at least one MISSION_BRIEF to deploy.', {});
    const registry = await this.registry();
    const out: Array<AgentPlan & { text: string; abs: string }> = [];
    for (const brief of briefs) {
      const abs = path.resolve(this.root, brief);
      const display = this.display(abs);
      let text: string;
      try {
        text = await fs.readFile(abs, 'utf8');
      } catch {
        throw new FederationError('not-found', `${display}: no such brief file.`, { file: display });
      }
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const plan = planBrief(text, display, { ...this.defaults, ...options, ...(registry ? { registry } : {}) });
      out.push({ ...plan, text, abs });
    }
    return out;
  }

  async deploy(briefs: string[], options: DeployOptions = {}): Promise<DeployResult> {
    const copies = options.copies ?? 1;
    if (!Number.isInteger(copies) || copies < 1 || copies > MAX_COPIES) {
      throw new FederationError('invalid-input', `Copies must be a whole number from 1 to ${MAX_COPIES}, got ${copies}.`, { field: 'copies' });
    }
    const host = options.host ?? this.defaultHost;
    if (withPassword(host)) {
      throw new FederationError('invalid-input', 'Put no password in the Docker host address; use TLS certificates or an ssh agent.', { field: 'host' });
    }
    await this.requireFederation();
    // Everything that can be checked without the engine is checked first, so a bad brief or a missing secret
    // never leaves anything behind.
    const plans = await this.plan(briefs, options);
    const operatorLevel = options.operatorLevel ?? 'L1';
    // What each agent may see is its remote-agent package: built (not written) now, so a refused one stops
    // the deployment before any folder, secret or container exists.
    const packages = new Map<AgentPlan, BootstrapPackage>();
    for (const plan of plans) packages.set(plan, await this.agentPackage(plan, operatorLevel, 'no agent was deployed'));
    const secrets = new Map<AgentPlan, Map<string, Uint8Array>>();
    for (const plan of plans) {
      const values = await resolveSecrets(plan.secrets, options.secrets, plan.file);
      secrets.set(plan, values);
      refuseSecretCopies(plan.file, packages.get(plan) as BootstrapPackage, values);
    }
    const { user, owner } = await this.agentUser(options.user);

    const client = await this.client(host);
    await client.ping({ ...(options.signal ? { signal: options.signal } : {}) });
    for (const image of new Set(plans.map((p) => p.image))) {
      if (!(await client.imageExists(image, { ...(options.signal ? { signal: options.signal } : {}) }))) {
        throw new FederationError('not-found', `Image ${image} is not on the Docker engine at ${client.hostLabel}: build or pull it there first.`, { image, host: client.hostLabel });
      }
    }
    await ensureAgentsDir(this.store.dir);

    const group = randomBytes(4).toString('hex');
    const extraLabels = options.labels ?? {};
    const instances = plans.flatMap((plan) => Array.from({ length: copies }, () => ({ plan, id: newAgentId(plan) })));
    const made: Array<{ id: string; folders: AgentFolders; containerId?: string; record?: AgentRecord }> = [];
    let network: { name: string; created: boolean } | undefined;
    const warnings: string[] = plans.flatMap((p) => p.findings.map((f) => `${p.file}:${f.range.start.line + 1}: ${f.code} ${f.message}`));
    // Engine calls get only the caller's signal: a create abandoned mid-flight could still land after the
    // rollback looked, so after a failure the calls in flight are left to finish and then undone.
    const call = options.signal ? { signal: options.signal } : {};

    try {
      if (plans.some((p) => p.network === 'internal')) network = await this.ensureInternalNetwork(client, extraLabels, call);
      const createdAt = this.clock.now().toISOString();
      const errors = await eachLimited(instances, options.concurrency ?? 16, async ({ plan, id }) => {
        options.signal?.throwIfAborted();
        const folders = this.folders(id);
        // Created here, exclusively: only a folder this deployment made is ever removed by its rollback.
        await fs.mkdir(folders.dir, { mode: 0o700 });
        const entry: (typeof made)[number] = { id, folders };
        made.push(entry);
        await prepareOutputFolder(folders, owner);
        const pkg = packages.get(plan) as BootstrapPackage;
        await writePackage(pkg, folders.packageDir);
        // A brief that lists no files still gets an (empty) /workspace of its own, never the real one.
        await fs.mkdir(folders.packageWorkspaceDir, { mode: 0o700, recursive: true });
        // The package is written owner-only (0600/0700): hand it to the agent's user so it can read it.
        if (owner) await chownTree(folders.packageDir, owner);
        await writeSecretsFolder(folders.secretsDir, secrets.get(plan) as Map<string, Uint8Array>, owner);
        const networkName = plan.network === 'internal' && network ? network.name : 'none';
        const labels = {
          ...extraLabels,
          ...federationLabels(this.federationHash),
          [LABEL.agent]: id,
          [LABEL.group]: group,
          [LABEL.brief]: plan.file,
          [LABEL.briefSha256]: sha256(plan.text),
          [LABEL.persona]: plan.persona ?? '',
          [LABEL.role]: plan.role ?? '',
        };
        const spec = containerSpecFor(plan, {
          agentId: id,
          name: containerName(this.federationHash, id),
          user,
          labels,
          networkName,
          folders: {
            workspace: folders.packageWorkspaceDir,
            brief: folders.packageBrief,
            bootstrap: folders.packageBootstrap,
            secretsDir: folders.secretsDir,
            outputDir: folders.outputDir,
          },
        });
        const created = await client.createContainer(spec, call);
        entry.containerId = created.id;
        warnings.push(...created.warnings.map((w) => `${id}: ${w}`));
        entry.record = {
          id,
          containerId: created.id,
          containerName: spec.name as string,
          host,
          hostLabel: client.hostLabel,
          group,
          brief: { path: plan.file, sha256: sha256(plan.text), ...(plan.title ? { title: plan.title } : {}) },
          persona: plan.persona,
          role: plan.role,
          image: plan.image,
          command: spec.cmd ?? [],
          user,
          network: networkName,
          workspace: { mode: 'package', readOnly: plan.workspace.readOnly, folders: [] },
          limits: { ...plan.limits },
          secrets: [...plan.secrets],
          package: {
            operatorLevel,
            files: pkg.manifest.included.filter((e) => e.path.startsWith(`${PACKAGE_LAYOUT.workspace}/`)).length,
            excluded: pkg.manifest.excluded.length,
          },
          createdAt,
          ...(plan.timeoutSeconds ? { timeoutSeconds: plan.timeoutSeconds } : {}),
        };
        try {
          await client.startContainer(created.id, call);
        } catch (e) {
          throw isFederationError(e) && e.details['cause'] === 'executable-not-found' ? missingCommandError(e, plan.image, id) : e;
        }
        this.logger.info(`agent ${id}: started ${plan.image} from ${plan.file} on ${client.hostLabel}`);
      });
      if (errors.length > 0) throw pickError(errors);
      const records = made.map((m) => m.record as AgentRecord);
      await updateAgents(this.store, (agents) => {
        agents.push(...records);
      });
      for (const notify of this.watchers) notify(host);
      const now = this.clock.now();
      return {
        agents: records.map((r) => ({
          ...describeAgent({ id: r.id, record: r, host, hostLabel: client.hostLabel, outputDir: this.folders(r.id).outputDir, now }),
          status: 'running' as const,
          startedAt: now.toISOString(),
        })),
        warnings,
      };
    } catch (e) {
      await this.rollback(client, group, made, network);
      throw e;
    }
  }

  /** Undoes a failed deployment: every container, folder and the network it created. Never throws. */
  private async rollback(
    client: DockerClient,
    group: string,
    made: Array<{ id: string; folders: AgentFolders; containerId?: string }>,
    network: { name: string; created: boolean } | undefined,
  ): Promise<void> {
    // Containers by id, and by the deployment's group label in case a create answered with an error after all.
    const ids = new Set<string>(made.flatMap((m) => (m.containerId ? [m.containerId] : [])));
    try {
      for (const c of await client.listContainers({ labels: { ...federationLabels(this.federationHash), [LABEL.group]: group } })) ids.add(c.id);
    } catch (e) {
      this.logger.warn(`rollback: listing the deployment's containers failed: ${describeError(e)}`);
    }
    await Promise.all([...ids].map(async (id) => {
      try {
        await client.removeContainer(id, { force: true, removeVolumes: true });
      } catch (e) {
        if (!isDockerStatus(e, 404)) this.logger.warn(`rollback: removing container ${id} failed: ${describeError(e)}`);
      }
    }));
    await Promise.all(made.map(async (m) => {
      try {
        await removeTree(m.folders.dir);
      } catch (e) {
        this.logger.warn(`rollback of ${m.id}: removing ${m.folders.dir} failed: ${describeError(e)}`);
      }
    }));
    if (network?.created) {
      try {
        await client.removeNetwork(network.name);
      } catch (e) {
        if (!isDockerStatus(e, 404)) this.logger.warn(`rollback: removing network ${network.name} failed: ${describeError(e)}`);
      }
    }
  }

  private async ensureInternalNetwork(client: DockerClient, extraLabels: Record<string, string>, call: { signal?: AbortSignal }): Promise<{ name: string; created: boolean }> {
    const name = internalNetworkName(this.federationHash);
    const existing = await client.listNetworks({ labels: { ...federationLabels(this.federationHash), [LABEL.kind]: 'internal' }, ...call });
    const found = existing.find((n) => n.name === name);
    if (found) return { name, created: false };
    try {
      await client.createNetwork({ name, internal: true, labels: { ...extraLabels, ...federationLabels(this.federationHash), [LABEL.kind]: 'internal' } }, call);
      return { name, created: true };
    } catch (e) {
      // Another deployment made it at the same moment.
      if (isDockerStatus(e, 409)) return { name, created: false };
      throw e;
    }
  }

  /** Removes the internal network of this federation on `host` once no recorded agent there uses it. */
  private async releaseNetwork(host: string, client: DockerClient): Promise<void> {
    const name = internalNetworkName(this.federationHash);
    const records = await readAgents(this.store);
    if (records.some((r) => r.host === host && r.network === name)) return;
    const exists = (await client.listNetworks({ labels: federationLabels(this.federationHash) })).some((n) => n.name === name);
    if (!exists) return;
    try {
      await client.removeNetwork(name);
    } catch (e) {
      // Still in use by a container we do not know about: leave it.
      this.logger.warn(`network ${name} was left in place: ${describeError(e)}`);
    }
  }

  /**
   * The container user: never root. Our own uid when we are not root (we own the agent's folders); when we are
   * root, the workspace owner's uid, or nobody (65534) for a root-owned workspace, with the folders chowned to it.
   */
  private async agentUser(override?: string): Promise<{ user: string; owner?: Owner }> {
    const amRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    if (override !== undefined) {
      const m = /^(\d+)(?::(\d+))?$/.exec(override);
      if (m && Number(m[1]) === 0) throw new FederationError('invalid-input', 'Agents never run as root (uid 0).', { field: 'user' });
      if (!m && /^root(:|$)/.test(override)) throw new FederationError('invalid-input', 'Agents never run as root.', { field: 'user' });
      return { user: override, ...(m && amRoot ? { owner: { uid: Number(m[1]), gid: Number(m[2] ?? m[1]) } } : {}) };
    }
    if (typeof process.getuid !== 'function' || typeof process.getgid !== 'function') return { user: '65534:65534' };
    if (!amRoot) return { user: `${process.getuid()}:${process.getgid()}` };
    const st = await fs.stat(this.root);
    const owner = st.uid !== 0 ? { uid: st.uid, gid: st.gid } : { uid: 65534, gid: 65534 };
    return { user: `${owner.uid}:${owner.gid}`, owner };
  }

  private async registry(): Promise<BriefRegistry | undefined> {
    try {
      const personas = (await this.store.read('personas')).personas;
      return { personas: personas.map((p) => ({ id: p.id, skills: p.skills })) };
    } catch {
      // No or unreadable registry: the brief is checked without MB050/MB051.
      return undefined;
    }
  }

  private display(abs: string): string {
    const rel = path.relative(this.root, abs);
    return rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel.split(path.sep).join('/');
  }

  // ---- list and watch -----------------------------------------------------------------------------------------

  /** Hosts worth asking: the default engine and every engine an agent was deployed to. */
  async hosts(extra: string[] = []): Promise<string[]> {
    const records = await readAgents(this.store).catch(() => []);
    return [...new Set([this.defaultHost, ...extra, ...records.map((r) => r.host)])];
  }

  /** Every agent of this federation: the engines' containers (by label) merged with agents.json. Never throws for an unreachable engine. */
  async list(options: { hosts?: string[]; signal?: AbortSignal } = {}): Promise<ListResult> {
    const records = await readAgents(this.store);
    const hosts = await this.hosts(options.hosts ?? []);
    const now = this.clock.now();
    const agents: AgentInfo[] = [];
    const statuses: HostStatus[] = [];
    await Promise.all(hosts.map(async (host) => {
      const mine = records.filter((r) => r.host === host);
      try {
        const client = await this.client(host);
        const call = options.signal ? { signal: options.signal } : {};
        const summaries = await client.listContainers({ labels: federationLabels(this.federationHash), ...call });
        const infos = (await Promise.all(summaries.map((s) => client.inspectContainer(s.id, call).catch((e: unknown) => {
          if (isDockerStatus(e, 404)) return undefined; // removed between list and inspect
          throw e;
        })))).filter((i): i is ContainerInfo => i !== undefined);
        statuses.push({ host, hostLabel: client.hostLabel, reachable: true });
        const seen = new Set<string>();
        for (const r of mine) {
          const c = infos.find((i) => i.id === r.containerId) ?? infos.find((i) => i.labels[LABEL.agent] === r.id);
          if (c) seen.add(c.id);
          agents.push(describeAgent({ id: r.id, record: r, ...(c ? { container: c } : {}), host, hostLabel: client.hostLabel, outputDir: this.folders(r.id).outputDir, now }));
        }
        for (const c of infos) {
          const id = c.labels[LABEL.agent];
          if (seen.has(c.id) || !id || records.some((r) => r.id === id)) continue;
          agents.push(describeAgent({ id, container: c, host, hostLabel: client.hostLabel, outputDir: this.folders(id).outputDir, now }));
        }
      } catch (e) {
        if (!isFederationError(e)) throw e;
        const hostLabel = mine[0]?.hostLabel ?? (host || 'the local engine');
        statuses.push({ host, hostLabel, reachable: false, error: e.message, reason: e.reason });
        for (const r of mine) {
          agents.push(describeAgent({ id: r.id, record: r, host, hostLabel: r.hostLabel, outputDir: this.folders(r.id).outputDir, now, hostError: e.message }));
        }
      }
    }));
    agents.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    statuses.sort((a, b) => hosts.indexOf(a.host) - hosts.indexOf(b.host));
    return { agents, hosts: statuses };
  }

  /** One agent, fresh from its engine. */
  async get(id: string): Promise<AgentInfo> {
    const loc = await this.locate(id);
    const container = await inspectIfThere(loc.client, loc.containerId);
    return describeAgent({
      id: loc.id, ...(loc.record ? { record: loc.record } : {}), ...(container ? { container } : {}), host: loc.host,
      hostLabel: loc.client.hostLabel, outputDir: this.folders(loc.id).outputDir, now: this.clock.now(),
    });
  }

  /**
   * Reports every change of this federation's agents as it happens, from each engine's event stream (no
   * polling). A failing engine is reported once as 'host-error' and its stream ends; call watch() again to retry.
   */
  watch(listener: (change: AgentChange) => void, options: { signal?: AbortSignal } = {}): AgentWatcher {
    const streams = new Map<string, DockerStream<DockerEvent>>();
    let closed = false;
    const emit = (change: AgentChange): void => {
      if (closed) return;
      try {
        listener(change);
      } catch (e) {
        this.logger.warn(`agent watcher listener failed: ${describeError(e)}`);
      }
    };
    const follow = (host: string): Promise<void> => {
      if (closed || streams.has(host)) return Promise.resolve();
      let readyResolve!: () => void;
      const ready = new Promise<void>((resolve) => (readyResolve = resolve));
      void (async () => {
        let client: DockerClient | undefined;
        try {
          client = await this.client(host);
          if (closed) return;
          const stream = client.events({ labels: federationLabels(this.federationHash), ...(options.signal ? { signal: options.signal } : {}) });
          streams.set(host, stream);
          stream.ready.then(readyResolve, readyResolve);
          // Events of one container are handled in order; a slow inspect does not reorder them.
          let chain = Promise.resolve();
          for await (const event of stream) {
            if (!STATE_ACTIONS.has(event.action)) continue;
            const c = client;
            chain = chain.then(() => this.onEvent(host, c, event, emit));
          }
          await chain;
        } catch (e) {
          const error = isFederationError(e) ? e : new FederationError('docker-error', describeError(e), {});
          emit({ type: 'host-error', host, hostLabel: client?.hostLabel ?? (host || 'the local engine'), error });
        } finally {
          streams.delete(host);
          readyResolve();
        }
      })();
      return ready;
    };
    const addHost = (host: string): void => {
      void follow(host);
    };
    this.watchers.add(addHost);
    const close = (): void => {
      if (closed) return;
      closed = true;
      this.watchers.delete(addHost);
      for (const s of streams.values()) s.close();
    };
    options.signal?.addEventListener('abort', close, { once: true });
    const ready = this.hosts().then(async (hosts) => {
      await Promise.all(hosts.map(follow));
    });
    return { ready, close };
  }

  private async onEvent(host: string, client: DockerClient, event: DockerEvent, emit: (c: AgentChange) => void): Promise<void> {
    const id = event.attributes[LABEL.agent];
    if (!id) return;
    if (event.action === 'destroy') {
      emit({ type: 'removed', id, host, action: event.action });
      return;
    }
    const container = await inspectIfThere(client, event.id);
    if (!container) return; // already gone: its destroy event follows
    const record = (await readAgents(this.store).catch(() => [])).find((r) => r.id === id);
    emit({
      type: 'changed',
      action: event.action,
      agent: describeAgent({
        id, ...(record ? { record } : {}), container, host, hostLabel: client.hostLabel, outputDir: this.folders(id).outputDir, now: this.clock.now(),
      }),
    });
  }

  // ---- one agent ----------------------------------------------------------------------------------------------

  /** Finds an agent by id (or a unique id prefix): its record, else its container by label on the default engine. */
  async locate(idOrPrefix: string): Promise<Located> {
    const records = await readAgents(this.store);
    let record = records.find((r) => r.id === idOrPrefix);
    if (!record) {
      const matches = records.filter((r) => r.id.startsWith(idOrPrefix));
      if (matches.length > 1) {
        throw new FederationError('invalid-input', `"${idOrPrefix}" matches ${matches.length} agents (${matches.map((m) => m.id).join(', ')}); give more of the id.`, { id: idOrPrefix });
      }
      record = matches[0];
    }
    if (record) {
      return { id: record.id, record, host: record.host, client: await this.client(record.host), containerId: record.containerId };
    }
    if (!AGENT_ID_PATTERN.test(idOrPrefix)) throw new FederationError('not-found', `No agent "${idOrPrefix}" in this federation.`, { id: idOrPrefix });
    const client = await this.client(this.defaultHost);
    const found = await client.listContainers({ labels: { ...federationLabels(this.federationHash), [LABEL.agent]: idOrPrefix } });
    const first = found[0];
    if (!first) throw new FederationError('not-found', `No agent "${idOrPrefix}" in this federation.`, { id: idOrPrefix });
    return { id: idOrPrefix, host: this.defaultHost, client, containerId: first.id };
  }

  /** The agent's output, as it writes it. With follow, it streams until the agent stops, close() or the signal. */
  async logs(id: string, options: LogOptions = {}): Promise<DockerStream<LogChunk>> {
    const loc = await this.locate(id);
    // The stream only fails once read; asking first turns a vanished container into the clear error below.
    await onContainer(loc, () => loc.client.inspectContainer(loc.containerId));
    return loc.client.logs(loc.containerId, options);
  }

  async stop(id: string, options: { graceSeconds?: number; signal?: AbortSignal } = {}): Promise<AgentInfo> {
    const loc = await this.locate(id);
    await onContainer(loc, () => loc.client.stopContainer(loc.containerId, options));
    return this.get(loc.id);
  }

  async restart(id: string, options: { graceSeconds?: number; signal?: AbortSignal } = {}): Promise<AgentInfo> {
    const loc = await this.locate(id);
    await onContainer(loc, () => loc.client.restartContainer(loc.containerId, options));
    return this.get(loc.id);
  }

  /**
   * Removes the container, the agent's secrets and its folder, and its record. Refuses a running agent and one
   * whose output was never collected unless `force` (which then also deletes that output).
   */
  async remove(id: string, options: { force?: boolean } = {}): Promise<RemoveResult> {
    const loc = await this.locate(id);
    const container = await inspectIfThere(loc.client, loc.containerId);
    if (container?.running && !options.force) {
      throw new FederationError('invalid-transition', `Agent ${loc.id} is still running: stop it first, or remove it with force.`, { id: loc.id, status: 'running' });
    }
    const folders = this.folders(loc.id);
    const hasOutput = await hasEntries(folders.outputDir);
    if (hasOutput && !loc.record?.collectedAt && !options.force) {
      throw new FederationError(
        'invalid-transition',
        `Agent ${loc.id} has output that was not collected (${folders.outputDir}): collect it first, or remove it with force to delete it.`,
        { id: loc.id, outputDir: folders.outputDir },
      );
    }
    if (container) {
      try {
        await loc.client.removeContainer(container.id, { force: true, removeVolumes: true });
      } catch (e) {
        if (!isDockerStatus(e, 404)) throw e;
      }
    }
    // Secrets go with the container, whatever else fails afterwards.
    await removeTree(folders.secretsDir);
    await removeTree(folders.dir);
    await updateAgents(this.store, (agents) => {
      const i = agents.findIndex((r) => r.id === loc.id);
      if (i >= 0) agents.splice(i, 1);
    });
    if (loc.record?.network && loc.record.network !== 'none') await this.releaseNetwork(loc.host, loc.client);
    this.logger.info(`agent ${loc.id}: removed${hasOutput ? ' with its output' : ''}`);
    return { id: loc.id, removedContainer: container !== undefined, removedOutput: hasOutput };
  }

  /** Removes every finished agent whose output is collected or empty (all finished ones with force). */
  async prune(options: { force?: boolean } = {}): Promise<PruneResult> {
    const { agents, hosts } = await this.list();
    const result: PruneResult = {
      removed: [], kept: [],
      unreachable: hosts.filter((h) => !h.reachable).map((h) => ({ host: h.host, hostLabel: h.hostLabel, ...(h.error ? { error: h.error } : {}), ...(h.reason ? { reason: h.reason } : {}) })),
    };
    for (const a of agents) {
      if (!FINISHED_STATUSES.includes(a.status)) continue;
      try {
        await this.remove(a.id, { force: options.force ?? false });
        result.removed.push(a.id);
      } catch (e) {
        if (!isFederationError(e)) throw e;
        result.kept.push({ id: a.id, why: e.message });
      }
    }
    return result;
  }

  /** Copies the agent's output to `to` (default <workspace>/agent-output/<id>) and marks it collected. */
  async collect(id: string, options: { to?: string } = {}): Promise<CollectResult> {
    const loc = await this.locate(id);
    const to = path.resolve(this.root, options.to ?? path.join('agent-output', loc.id));
    const result = await copyOutput(this.folders(loc.id).outputDir, to);
    const at = this.clock.now().toISOString();
    await updateAgents(this.store, (agents) => {
      const r = agents.find((x) => x.id === loc.id);
      if (r) {
        r.collectedAt = at;
        r.collectedTo = this.display(to);
      }
    });
    return result;
  }

  /** The agent's JSON report from /output/agent-report.json, validated, with its deliverables checked. */
  async report(id: string): Promise<ReportResult> {
    const loc = await this.locate(id);
    const outputDir = this.folders(loc.id).outputDir;
    let bytes: Buffer;
    try {
      bytes = await readOutputFile(outputDir, REPORT_FILE);
    } catch (e) {
      if (isFederationError(e) && e.reason === 'not-found') {
        throw new FederationError('not-found', `Agent ${loc.id} has not written its report (${REPORT_PATH}) yet.`, { id: loc.id, file: REPORT_PATH });
      }
      throw e;
    }
    let data: unknown;
    try {
      data = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new FederationError('invalid-input', `The report of agent ${loc.id} (${REPORT_PATH}) is not valid JSON.`, { id: loc.id, file: REPORT_PATH });
    }
    const parsed = AgentReportSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.map(String).join('.') || '(root)';
      throw new FederationError('invalid-input', `The report of agent ${loc.id} does not match schemas/agent-report.schema.json at ${field}: ${issue?.message ?? 'invalid'}.`, {
        id: loc.id, file: REPORT_PATH, field,
      });
    }
    const deliverables = await Promise.all(parsed.data.deliverables.map(async (d) => {
      const size = await outputFileSize(outputDir, d.path);
      return { ...d, exists: size !== undefined, ...(size !== undefined ? { bytes: size } : {}) };
    }));
    return { id: loc.id, report: parsed.data, deliverables };
  }

  /**
   * Writes a Docker Compose file for the briefs with the same hardening as a deployment (validated the same way:
   * a brief with errors is refused). Nothing is started. Returns the file and its service names.
   */
  /** The remote-agent package an agent gets; a refused one is a PackageRefusedError (blocking files first). */
  private async agentPackage(plan: AgentPlan & { text: string; abs: string }, operatorLevel: OperatorLevel, consequence: string): Promise<BootstrapPackage> {
    const pkg = await buildPackage({ consumer: 'remote-agent', brief: plan.abs, briefText: plan.text, operatorLevel, root: this.root });
    if (!pkg.manifest.ok) {
      const m = pkg.manifest;
      const files = [...m.excluded].sort((a, b) => Number(b.blocking) - Number(a.blocking)).map((e) => ({ source: e.source, reason: e.reason, detail: e.detail, blocking: e.blocking }));
      throw new PackageRefusedError(plan.file, m.refusals, files, consequence);
    }
    return pkg;
  }

  /**
   * Writes a compose file with one service per brief. Each service mounts its remote-agent package, exactly as a
   * deployment does, written next to the compose file under agent-packages/SERVICE/ (Compose cannot copy files in).
   */
  async compose(briefs: string[], options: PlanOptions & { out: string; secretsDir?: string; user?: string; operatorLevel?: OperatorLevel }): Promise<{ file: string; services: string[] }> {
    const plans = await this.plan(briefs, options);
    const file = path.resolve(this.root, options.out);
    const operatorLevel = options.operatorLevel ?? 'L1';
    const names = serviceNames(plans);
    const packages: BootstrapPackage[] = [];
    for (const plan of plans) packages.push(await this.agentPackage(plan, operatorLevel, 'no compose file was written'));
    const withHash = plans.map((p, i) => ({ ...p, sha256: sha256(p.text), packageDir: path.join(path.dirname(file), COMPOSE_PACKAGES_DIR, names[i]!) }));
    for (let i = 0; i < plans.length; i++) {
      const dir = withHash[i]!.packageDir;
      await writePackage(packages[i]!, dir);
      await fs.mkdir(path.join(dir, PACKAGE_LAYOUT.workspace), { recursive: true });
      // The services run as another user (nobody by default) and must read their package; it holds nothing
      // above the agent's clearance (secrets are compose secrets, never package files).
      await makeReadable(dir);
    }
    const composeOptions = {
      file, root: this.root, federationHash: this.federationHash,
      ...(options.secretsDir ? { secretsDir: path.resolve(this.root, options.secretsDir) } : {}),
      ...(options.user ? { user: options.user } : {}),
    };
    const text = composeYaml(withHash, composeOptions);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, text);
    return { file, services: Object.keys(composeDocument(withHash, composeOptions)['services'] as object) };
  }

  /** The hardening list checked against what the engine reports for the agent's container. */
  async inspectHardening(id: string): Promise<HardeningCheck[]> {
    const loc = await this.locate(id);
    const info = await onContainer(loc, () => loc.client.inspectContainer(loc.containerId));
    return checkHardening(info, loc.record);
  }
}

async function makeReadable(dir: string): Promise<void> {
  await fs.chmod(dir, 0o755);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await makeReadable(p);
    else if (entry.isFile()) await fs.chmod(p, 0o644);
  }
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

/**
 * Runs a call on the agent's container; a container the engine no longer has (removed behind our back, e.g. by
 * `docker rm -f`) is a `not-found` that says so and how to drop the record, instead of the engine's bare 404.
 */
async function onContainer<T>(loc: Located, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (!isDockerStatus(e, 404)) throw e;
    throw new FederationError(
      'not-found',
      `The container of agent ${loc.id} is gone from ${loc.client.hostLabel} (removed outside the federation). ` +
        `Its record${loc.record ? '' : ' (none here)'} and output are kept; "federation agent rm ${loc.id}" (or Remove Agent) removes them.`,
      { id: loc.id, host: loc.client.hostLabel, containerId: loc.containerId, gone: true },
    );
  }
}

/** The container as the engine reports it, or undefined when the engine no longer has it (404). */
async function inspectIfThere(client: DockerClient, containerId: string): Promise<ContainerInfo | undefined> {
  try {
    return await client.inspectContainer(containerId);
  } catch (e) {
    if (isDockerStatus(e, 404)) return undefined;
    throw e;
  }
}

/** Shorter values would match ordinary text by chance. */
const MIN_SECRET_MATCH = 6;

/**
 * A secret is mounted, never packaged: a package file that holds one of the agent's secret values verbatim (say, a
 * secrets folder inside a listed folder, unlabelled) refuses the deployment. The value itself is never named.
 */
function refuseSecretCopies(brief: string, pkg: BootstrapPackage, values: Map<string, Uint8Array>): void {
  const found: RefusedFile[] = [];
  for (const [name, bytes] of values) {
    const value = Buffer.from(bytes).toString('utf8').trim();
    if (value.length < MIN_SECRET_MATCH) continue;
    for (const f of pkg.files) {
      if (!f.content.includes(value)) continue;
      const entry = pkg.manifest.included.find((e) => e.path === f.path);
      found.push({
        source: entry?.source ?? f.path, reason: 'secret-value', blocking: true,
        detail: `holds the value of secret ${name}, which is only ever mounted at /secrets/${name}; label the file C3 or keep it out of what the brief lists`,
      });
    }
  }
  if (found.length) throw new PackageRefusedError(brief, found.map((f) => f.detail), found, 'no agent was deployed');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The error to report for a failed deployment: the first real one, not the cancellations it caused. */
function pickError(errors: unknown[]): unknown {
  return errors.find((e) => !(isFederationError(e) && e.reason === 'cancelled')) ?? errors[0];
}
