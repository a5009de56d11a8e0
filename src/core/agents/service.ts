// Remote agents: deploy MISSION_BRIEFs as hardened containers, list and watch them, read their logs and reports,
// stop, restart, remove and prune them. The engine is reached only through the DockerClient port (one client per
// DOCKER_HOST-style address); deployment records live in .federation/agents.json and per-agent folders under
// .federation/agents/<id>/ (its remote-agent bootstrap package, secrets, output).
//
// AgentService is the one application service every front end uses (the Agents view, the report panels,
// `federation agent`). It holds the workspace, the store and the engine clients; the work is done by plain
// functions of its AgentContext, one module per seam:
//   prepare.ts        plan the briefs, build their packages (shared by deploy and compose)
//   deploy.ts         the deployment steps and their rollback        networks.ts   the internal network
//   list.ts           list, get, the hosts worth asking              watch.ts      the event-driven watcher
//   locate.ts         find one agent, call its container             control.ts    logs, stop, restart, remove, prune
//   output.ts         collect, report                                composeExport.ts   Export to Docker Compose
//   worktree.ts       a task's worktree as /workspace                land.ts       its commits onto the task branch
import * as path from 'node:path';
import type { DockerClient, DockerStream, LogChunk, LogOptions } from '../docker/client';
import type { DockerClientFactory } from '../docker/loader';
import { systemClock, silentLogger, type Clock, type Environment, type FileSystem, type Logger } from '../ports';
import { FederationStore } from '../federation/state/store';
import type { GitPort } from '../worktrees/git';
import { exportCompose, type ComposeExportOptions } from './composeExport';
import { requireFederation, type AgentContext, type PlanDefaults } from './context';
import type { Transfer } from './volumes';
import { agentVolumes, type VolumesResult } from './orphans';
import { inspectHardening, logs, prune, remove, restart, stop, type PruneResult, type RemoveResult } from './control';
import { deploy, type DeployOptions, type DeployResult } from './deploy';
import { agentFolders, type AgentFolders, type CollectResult } from './files';
import type { HardeningCheck } from './hardening';
import { workspaceHash } from './labels';
import { agentHosts, getAgent, listAgents, type ListResult } from './list';
import { locate, type Located } from './locate';
import { collect, refreshAgentOutput, report, reportedUsage, type ReportResult } from './output';
import type { UsageEntry } from '../federation/usage';
import type { PlanOptions } from './plan';
import { planBriefs, type PlannedBrief } from './prepare';
import type { AgentInfo } from './status';
import { watch, type AgentChange, type AgentWatcher } from './watch';

export type { DeployOptions, DeployResult } from './deploy';
export type { HostStatus, ListResult } from './list';
export type { AgentChange, AgentWatcher } from './watch';
export type { PruneResult, RemoveResult } from './control';
export type { ReportResult } from './output';

export interface AgentServiceOptions {
  /** The workspace root (the folder holding .federation/). */
  root: string;
  /** Share the extension's store; by default one is made for `root`. */
  store?: FederationStore;
  /** How to reach an engine: the lazily loaded dockerode adapter in the product, a FakeDockerClient in unit tests. */
  clientFactory: DockerClientFactory;
  /** The disk (Node's fs from the front end; any FileSystem in tests). */
  fs: FileSystem;
  /** git (nodeGit from the composition root), for briefs with `workspace: worktree`. */
  git?: GitPort;
  /** The front end's environment: DOCKER_HOST when no defaultHost is given. */
  env: Environment;
  /** Engine used when a deployment names none. Default $DOCKER_HOST, then the local engine. */
  defaultHost?: string;
  /** Image, command template and limits used where a brief and the deploy call say nothing. */
  defaults?: PlanDefaults;
  /** 'volumes': copy agents' files into volumes on every engine, the local one too. Default 'auto' (remote engines only). */
  transfer?: Transfer;
  clock?: Clock;
  logger?: Logger;
}

export class AgentService {
  readonly root: string;
  readonly store: FederationStore;
  readonly federationHash: string;
  readonly defaultHost: string;
  private readonly clientFactory: DockerClientFactory;
  private readonly clients = new Map<string, Promise<DockerClient>>();
  private readonly ctx: AgentContext;

  constructor(options: AgentServiceOptions) {
    this.root = path.resolve(options.root);
    this.store = options.store ?? new FederationStore(this.root, { fs: options.fs, logger: options.logger ?? silentLogger });
    this.clientFactory = options.clientFactory;
    this.defaultHost = options.defaultHost ?? options.env['DOCKER_HOST'] ?? '';
    this.federationHash = workspaceHash(options.fs, this.root);
    this.ctx = {
      root: this.root,
      store: this.store,
      federationHash: this.federationHash,
      defaultHost: this.defaultHost,
      defaults: options.defaults ?? {},
      clock: options.clock ?? systemClock,
      logger: options.logger ?? silentLogger,
      fs: options.fs,
      ...(options.git ? { git: options.git } : {}),
      ...(options.transfer ? { transfer: options.transfer } : {}),
      client: (host) => this.client(host),
      folders: (id) => this.folders(id),
      hostWatchers: new Set(),
    };
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

  /** Agents belong to a federation: a folder without one is `not-initialized`, for reads as for deploys. */
  requireFederation(): Promise<void> {
    return requireFederation(this.ctx);
  }

  // ---- deploy (deploy.ts, prepare.ts) ---------------------------------------------------------------------------

  /** Validates and plans the briefs without touching the engine: what `deploy` would run. */
  plan(briefs: string[], options: PlanOptions = {}): Promise<PlannedBrief[]> {
    return planBriefs(this.ctx, briefs, options);
  }

  /** Deploys every brief (`copies` agents each), all or nothing: a failure removes whatever it made. */
  deploy(briefs: string[], options: DeployOptions = {}): Promise<DeployResult> {
    return deploy(this.ctx, briefs, options);
  }

  /**
   * Writes a Docker Compose file for the briefs with the same hardening as a deployment (validated the same way:
   * a brief with errors is refused). Nothing is started. Returns the file and its service names.
   */
  compose(briefs: string[], options: ComposeExportOptions): Promise<{ file: string; services: string[] }> {
    return exportCompose(this.ctx, briefs, options);
  }

  // ---- list and watch (list.ts, watch.ts) -------------------------------------------------------------------------

  /** Hosts worth asking: the default engine and every engine an agent was deployed to. */
  hosts(extra: string[] = []): Promise<string[]> {
    return agentHosts(this.ctx, extra);
  }

  /** Every agent of this federation: the engines' containers (by label) merged with agents.json. Never throws for an unreachable engine. */
  list(options: { hosts?: string[]; signal?: AbortSignal } = {}): Promise<ListResult> {
    return listAgents(this.ctx, options);
  }

  /** One agent, fresh from its engine. */
  get(id: string): Promise<AgentInfo> {
    return getAgent(this.ctx, id);
  }

  /**
   * Reports every change of this federation's agents as it happens, from each engine's event stream (no
   * polling). A failing engine is reported once as 'host-error' and its stream ends; call watch() again to retry.
   */
  watch(listener: (change: AgentChange) => void, options: { signal?: AbortSignal } = {}): AgentWatcher {
    return watch(this.ctx, listener, options);
  }

  // ---- one agent (locate.ts, control.ts, output.ts) ---------------------------------------------------------------

  /** Finds an agent by id (or a unique id prefix): its record, else its container by label on the default engine. */
  locate(idOrPrefix: string): Promise<Located> {
    return locate(this.ctx, idOrPrefix);
  }

  /** The agent's output, as it writes it. With follow, it streams until the agent stops, close() or the signal. */
  logs(id: string, options: LogOptions = {}): Promise<DockerStream<LogChunk>> {
    return logs(this.ctx, id, options);
  }

  stop(id: string, options: { graceSeconds?: number; signal?: AbortSignal } = {}): Promise<AgentInfo> {
    return stop(this.ctx, id, options);
  }

  restart(id: string, options: { graceSeconds?: number; signal?: AbortSignal } = {}): Promise<AgentInfo> {
    return restart(this.ctx, id, options);
  }

  /**
   * Removes the container, the agent's secrets and its folder, and its record. Refuses a running agent and one
   * whose output was never collected unless `force` (which then also deletes that output).
   */
  remove(id: string, options: { force?: boolean } = {}): Promise<RemoveResult> {
    return remove(this.ctx, id, options);
  }

  /** Removes every finished agent whose output is collected or empty (all finished ones with force). */
  /** The federation's agent volumes on an engine (default: the default one); with remove, the orphans go. */
  volumes(options: { host?: string; remove?: boolean; force?: boolean } = {}): Promise<VolumesResult> {
    return agentVolumes(this.ctx, options.host ?? this.defaultHost, options);
  }

  prune(options: { force?: boolean } = {}): Promise<PruneResult> {
    return prune(this.ctx, options);
  }

  /**
   * Copies the agent's output to `to` (default <workspace>/agent-output/<id>) and marks it collected; a worktree
   * agent's commits are brought onto its task branch first (fast-forward only).
   */
  collect(id: string, options: { to?: string } = {}): Promise<CollectResult> {
    return collect(this.ctx, id, options);
  }

  /** The usage the agents reported in their agent-report.json. */
  reportedUsage(): Promise<UsageEntry[]> {
    return reportedUsage(this.ctx);
  }

  /** Which stop of each remote agent its output was last brought after (refreshOutput). */
  private readonly outputBrought = new Map<string, string>();

  /** Brings a stopped agent's output from its engine when it lives there (volumes), once per stop; else nothing. */
  refreshOutput(id: string): Promise<void> {
    return refreshAgentOutput(this.ctx, id, this.outputBrought);
  }

  /** The agent's JSON report from /output/agent-report.json, validated, with its deliverables checked. */
  report(id: string): Promise<ReportResult> {
    return report(this.ctx, id);
  }

  /** The hardening list checked against what the engine reports for the agent's container. */
  inspectHardening(id: string): Promise<HardeningCheck[]> {
    return inspectHardening(this.ctx, id);
  }
}
