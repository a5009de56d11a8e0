// The matrix as one application service: every front end (the editor's Runs view, the CLI, later the MCP server)
// goes through it, so the sequence load → plan → Docker findings → command approval → engine check → prepare
// isolation → run → remove the run's containers exists once. Front ends only turn their input into a request and
// the outcome (or a typed error) into their output.
import * as path from 'node:path';
import type { DockerClient } from '../docker/client';
import type { DockerClientFactory } from '../docker/loader';
import { FederationError, describeError } from '../errors';
import type { Environment, FileSystem, Logger, Timers } from '../ports';
import { dockerFindings, prepareDockerIsolation, removeRunContainers, type Isolation } from './dockerIsolation';
import { loadMatrixConfig, type LoadedMatrixConfig } from './load';
import { planMatrix, type MatrixPlan } from './plan';
import type { RunOrder } from './history';
import type { ProcessRunnerFactory } from './processPort';
import { describeDelivery, notifyRun, type HttpPoster, type NotificationDelivery } from './notifications';
import { readRun, runDir, RUN_ID_PATTERN, type ModuleSetupResult, type RunSummary, type TaskResult } from './results';
import { runMatrix, type MatrixEvent, type RunOutcome } from './runner';
import { runSetup } from './setup';
import type { MatrixFinding } from './validate';

/**
 * The one policy for commands a workspace defines (tasks, setup installs): the editor asks Workspace Trust, the
 * CLI remembered approvals (or --allow-workspace-commands). Throws a typed refusal; resolves when they may run.
 */
export interface CommandApprovalGate {
  approve(root: string, commands: string[]): Promise<void>;
}

export interface MatrixServiceDeps {
  root: string;
  /** The disk: the config, the module folders, the run results. */
  fs: FileSystem;
  /** The front end's environment, the base of every task's and install's. */
  env: Environment;
  /** The engine client for docker isolation and clean (the lazily loaded adapter in the shipped bundles). */
  clientFactory: DockerClientFactory;
  approvals: CommandApprovalGate;
  /** The runner of local processes, one per run or setup (the Node adapter in src/node/process). */
  processRunnerFactory: ProcessRunnerFactory;
  /** POSTs the config's webhooks (the Node adapter in src/node/http.ts); absent, each is reported undelivered. */
  http?: HttpPoster;
  /** Waits between webhook attempts; default the system's. */
  timers?: Timers;
  logger?: Logger;
}

/** What to plan: the config (default .github/multi-agent-config.yml) and the slice of it. */
export interface PlanRequest {
  configFile?: string;
  only?: string[];
  /** A number or priority_N. */
  priority?: string;
  maxParallel?: number;
  /** One unit (a GitHub worker): the waves stay, empty but for it, so wave numbers match the leader's plan. */
  unit?: string;
  /** Check that module folders exist (a plan for GitHub does not need them here). Default true. */
  checkModules?: boolean;
}

export interface RunRequest extends PlanRequest {
  isolation?: Isolation;
  /** DOCKER_HOST-style address of the engine for docker isolation; default: the environment's. */
  dockerHost?: string;
  /** false skips setup; otherwise its install command (default: per lockfile). */
  setup?: false | { installCommand?: string };
  runId?: string;
  graceMs?: number;
  /** Default `history`: each wave longest-expected-first from earlier runs; `config`: the written order. */
  order?: RunOrder;
  signal?: AbortSignal;
  onEvent?: (e: MatrixEvent) => void;
  /** The config's warnings (it has no errors), before anything runs. */
  onWarnings?: (findings: MatrixFinding[]) => void;
  /**
   * Tell the config's webhooks how the run ended (default true). A run of one unit (`unit`, a GitHub worker) never
   * does: the workflow's report job tells them once for the whole run (`notify`).
   */
  notify?: boolean;
  /**
   * Given: the webhooks are told in the background once the run has ended, and their deliveries come here (the
   * outcome's `notifications` is then empty), so a slow or unreachable webhook never keeps a run open (the
   * editor's progress and one-run slot).
   */
  onNotified?: (deliveries: NotificationDelivery[], runId: string) => void;
}

/** A run's outcome and what became of its notifications (empty when none was due). */
export type MatrixRunOutcome = RunOutcome & { notifications: NotificationDelivery[] };

export type LoadedConfig = LoadedMatrixConfig & { config: NonNullable<LoadedMatrixConfig['config']> };

/** The config has error findings (reason invalid-input); `findings` holds them all, for a front end to list. */
export function configError(loaded: Pick<LoadedMatrixConfig, 'file' | 'shownAs'>, findings: MatrixFinding[], what = 'nothing ran'): FederationError {
  const errors = findings.filter((f) => f.severity === 'error');
  const first = errors[0];
  return new FederationError(
    'invalid-input',
    `${loaded.shownAs} has ${errors.length} error(s); ${what}.${first ? ` First: line ${first.range.start.line + 1}: ${first.message}` : ''}`,
    { file: loaded.file, findings },
  );
}

/** The workspace-defined commands a plan (and its setup) would run, as the approvals name them. */
export function planCommands(plan: MatrixPlan, setup: RunRequest['setup']): string[] {
  return [
    ...plan.waves.flatMap((w) => w.units.map((u) => `${u.module}: ${u.command}`)),
    ...(setup === false ? [] : [`setup: ${setup?.installCommand ?? 'default install'}`]),
  ];
}

export class MatrixService {
  readonly root: string;

  constructor(private readonly deps: MatrixServiceDeps) {
    this.root = deps.root;
  }

  /** The validated config; a config with errors is a configError (its warnings are in the result's findings). */
  async load(configFile?: string, opts: { checkModules?: boolean } = {}): Promise<LoadedConfig> {
    const loaded = await loadMatrixConfig(this.deps.fs, this.root, configFile, opts);
    if (!loaded.config) throw configError(loaded, loaded.findings);
    return loaded as LoadedConfig;
  }

  /** Loads and plans; the plan's configFile is the config as shown (workspace-relative, forward slashes). */
  async plan(req: PlanRequest = {}): Promise<{ loaded: LoadedConfig; plan: MatrixPlan }> {
    const loaded = await this.load(req.configFile, { checkModules: req.checkModules ?? true });
    if (req.maxParallel !== undefined && !(Number.isInteger(req.maxParallel) && req.maxParallel >= 1)) {
      throw new FederationError('invalid-input', `max-parallel must be a whole number of at least 1, got ${req.maxParallel}`, { maxParallel: req.maxParallel });
    }
    if (req.priority !== undefined && !/^(priority_)?\d+$/.test(req.priority)) {
      throw new FederationError('invalid-input', `priority takes a number or priority_N, got "${req.priority}"`, { priority: req.priority });
    }
    let plan = planMatrix(loaded.config, {
      configFile: loaded.shownAs.split(path.sep).join('/'),
      ...(req.only?.length ? { only: req.only } : {}),
      ...(req.priority !== undefined ? { priority: req.priority } : {}),
      ...(req.maxParallel !== undefined ? { maxParallel: req.maxParallel } : {}),
    });
    if (req.unit !== undefined) plan = onlyUnit(plan, req.unit);
    return { loaded, plan };
  }

  /**
   * Plans and runs. Before anything runs: docker isolation's own config errors, the approval of every command,
   * and (for docker) an engine that answers and has every image. Each attempt removes its own container; at the
   * end the run's leftovers are removed too (an engine hiccup), only this workspace's.
   */
  async run(req: RunRequest = {}): Promise<MatrixRunOutcome> {
    if (req.runId !== undefined && !RUN_ID_PATTERN.test(req.runId)) {
      throw new FederationError('invalid-input', `a run id is letters, digits, ., _ and -, got "${req.runId}"`, { runId: req.runId });
    }
    const { loaded, plan } = await this.plan(req);
    const warnings = loaded.findings.filter((f) => f.severity === 'warning');
    if (warnings.length) req.onWarnings?.(warnings);
    const isolation = req.isolation ?? 'process';
    if (isolation === 'docker') {
      const refused = dockerFindings(this.deps.fs, loaded.text, loaded.shownAs, loaded.config, plan, this.root);
      if (refused.length) throw configError(loaded, refused, 'nothing ran (Docker isolation)');
    }
    const setup = req.setup ?? {};
    await this.deps.approvals.approve(this.root, planCommands(plan, setup));
    let client: DockerClient | undefined;
    let strategy: Awaited<ReturnType<typeof prepareDockerIsolation>> | undefined;
    if (isolation === 'docker') {
      client = await this.deps.clientFactory(req.dockerHost ? { host: req.dockerHost } : {});
      strategy = await prepareDockerIsolation({ client, fs: this.deps.fs, root: this.root, config: loaded.config, plan, ...(req.signal ? { signal: req.signal } : {}) });
    }
    let runId: string | undefined;
    let outcome: RunOutcome;
    try {
      outcome = await runMatrix({
        fs: this.deps.fs,
        env: this.deps.env,
        root: this.root,
        plan,
        setup,
        order: req.order ?? 'history',
        processRunnerFactory: this.deps.processRunnerFactory,
        ...(req.signal ? { signal: req.signal } : {}),
        ...(req.runId !== undefined ? { runId: req.runId } : {}),
        ...(req.graceMs !== undefined ? { graceMs: req.graceMs } : {}),
        ...(strategy ? { isolation: strategy } : {}),
        onEvent: (e) => {
          if (e.type === 'run-started') runId = e.runId;
          req.onEvent?.(e);
        },
      });
    } finally {
      if (client && runId !== undefined) {
        const id = runId;
        await removeRunContainers(this.deps.fs, client, { root: this.root, runId: id }).catch((e: unknown) =>
          this.deps.logger?.warn(`removing the task containers of run ${id}: ${describeError(e)}`));
      }
    }
    // Not the run's signal: a cancelled run is told too (on: always), within the section's own timeout and retries.
    if (req.notify === false || req.unit !== undefined) return { ...outcome, notifications: [] };
    const delivered = this.deliver(loaded.config, outcome.summary, outcome.results, outcome.dir);
    if (req.onNotified) {
      const tell = req.onNotified;
      const runId = outcome.runId;
      void delivered.then((d) => tell(d, runId)); // deliver() never rejects: every problem is a delivery report
      return { ...outcome, notifications: [] };
    }
    return { ...outcome, notifications: await delivered };
  }

  /**
   * Tells the config's webhooks how a stored run ended (the latest by default), as a run does at its end: what
   * the workflow's report job calls once the workers' results are gathered. Refuses a run still without results.
   */
  async notify(req: { runId?: string; configFile?: string } = {}): Promise<{ runId: string; notifications: NotificationDelivery[] }> {
    const loaded = await this.load(req.configFile, { checkModules: false });
    const { summary, tasks } = await readRun(this.deps.fs, this.root, req.runId);
    return { runId: summary.runId, notifications: await this.deliver(loaded.config, summary, tasks, runDir(this.root, summary.runId)) };
  }

  private async deliver(config: LoadedConfig['config'], summary: RunSummary, tasks: readonly TaskResult[], dir: string): Promise<NotificationDelivery[]> {
    const deliveries = await notifyRun({
      section: config.notifications,
      summary,
      tasks,
      report: reportLocation(this.deps.env, this.root, dir),
      env: this.deps.env,
      poster: this.deps.http,
      ...(this.deps.timers ? { timers: this.deps.timers } : {}),
    });
    for (const d of deliveries) if (!d.ok) this.deps.logger?.warn(`matrix run ${summary.runId}: ${describeDelivery(d)}`);
    return deliveries;
  }

  /** Installs each module's dependencies once (the setup job of a run), after approval. */
  async setup(req: PlanRequest & { installCommand?: string } = {}): Promise<ModuleSetupResult[]> {
    const { plan } = await this.plan(req);
    await this.deps.approvals.approve(this.root, planCommands(plan, req.installCommand !== undefined ? { installCommand: req.installCommand } : {}));
    const runner = this.deps.processRunnerFactory();
    try {
      return await runSetup({
        fs: this.deps.fs,
        env: this.deps.env,
        root: this.root, plan, runner, logsDir: path.join(this.root, '.federation', 'cache', 'logs'),
        ...(req.installCommand !== undefined ? { installCommand: req.installCommand } : {}),
      });
    } finally {
      runner.dispose?.();
    }
  }

  /** Removes task containers a crashed docker run left (one run's, or all of this workspace's). */
  async clean(runId?: string, dockerHost?: string): Promise<string[]> {
    if (runId !== undefined && !RUN_ID_PATTERN.test(runId)) throw new FederationError('invalid-input', `not a run id: "${runId}"`, { runId });
    const client = await this.deps.clientFactory(dockerHost ? { host: dockerHost } : {});
    return removeRunContainers(this.deps.fs, client, { root: this.root, ...(runId !== undefined ? { runId } : {}) });
  }
}

/** In GitHub Actions the run's page (its summary holds the report), else the run folder relative to the root. */
export function reportLocation(env: Environment, root: string, dir: string): string {
  const server = env['GITHUB_SERVER_URL'];
  const repo = env['GITHUB_REPOSITORY'];
  const run = env['GITHUB_RUN_ID'];
  if (env['GITHUB_ACTIONS'] === 'true' && server && repo && run && /^\d+$/.test(run)) return `${server.replace(/\/+$/, '')}/${repo}/actions/runs/${run}`;
  return path.relative(root, dir).split(path.sep).join('/');
}

function onlyUnit(plan: MatrixPlan, unit: string): MatrixPlan {
  if (!plan.waves.some((w) => w.units.some((u) => u.id === unit))) {
    throw new FederationError('not-found', `--unit: no unit "${unit}" in the plan (units: ${plan.waves.flatMap((w) => w.units.map((u) => u.id)).join(', ')})`, { unit });
  }
  const waves = plan.waves.map((w) => {
    const units = w.units.filter((u) => u.id === unit);
    return { ...w, units, agents: Math.min(w.agents, units.length), assignment: units.length ? [[unit]] : [] };
  });
  return { ...plan, waves, unitCount: 1, taskCount: 1, maxAgents: 1 };
}
