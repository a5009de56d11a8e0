// Matrix runs for the editor: the run in progress (fed by the runner's events) and past runs under
// .federation/runs/ (watched for runs started by the CLI or another window). The Runs view is built from this.
import * as path from 'path';
import * as vscode from 'vscode';
import { Isolation, MatrixEvent, MatrixPlan, listRuns, readRun } from '../../core/matrix';
import type { MatrixRunOutcome, MatrixService } from '../../core/matrix/service';
import type { NotificationDelivery } from '../../core/matrix/notifications';
import type { GithubActions } from '../../core/matrix/github';
import { GithubRunEvent, GithubRunOutcome, resumeGithubRun, runOnGithub, saveGithubPlan, saveGithubReport, unitsFromJobs } from '../../core/matrix/githubRun';
import { runDir } from '../../core/matrix/results';
import type { FileSystem, Logger } from '../../core/ports';
import { RunDetails, RunsData } from './runsModel';
import { RunSlot } from './runSlot';
import { describeError } from '../../core/errors';
import { Disposable } from '../lifecycle';

export class RunsController extends Disposable {
  private readonly emitter = this._register(new vscode.EventEmitter<RunsData>());
  readonly onDidChange = this.emitter.event;
  private data: Promise<RunsData>;
  private readonly details = new Map<string, RunDetails>();
  private readonly slot = new RunSlot();
  private ticker: NodeJS.Timeout | undefined;

  readonly root: string;

  constructor(private readonly matrix: MatrixService, private readonly logger: Logger, private readonly fs: FileSystem) {
    super();
    this.root = matrix.root;
    this.data = this.load();
    // The run folders themselves too: a file written right after its folder was made can be missed (the folder's
    // own watch is set up after the fact), and a run started by the CLI or another window would then stay unlisted.
    const watcher = this._register(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(this.root), '.federation/runs/{*,*/summary.json,*/plan.json}')));
    const refresh = () => void this.refresh();
    this._register(watcher.onDidCreate(refresh));
    this._register(watcher.onDidChange(refresh));
    this._register(watcher.onDidDelete(refresh));
  }

  snapshot(): Promise<RunsData> {
    return this.data;
  }

  /** True from the moment a run is asked for (its preparation included) until it ended. */
  get running(): boolean {
    return this.slot.active !== undefined;
  }

  async refresh(): Promise<RunsData> {
    this.data = this.load();
    const d = await this.data;
    this.emitter.fire(d);
    return d;
  }

  private async load(): Promise<RunsData> {
    const runs = (await listRuns(this.fs, this.root)).slice(0, 20);
    for (const r of runs) {
      const known = this.details.get(r.runId);
      if (known?.live || (known?.summary && r.status !== 'incomplete')) continue;
      if (r.status === 'incomplete') {
        if (!known) this.details.set(r.runId, { results: new Map(), running: new Set(), live: false });
        continue;
      }
      try {
        const { summary, tasks } = await readRun(this.fs, this.root, r.runId);
        this.details.set(r.runId, { summary, plan: summary.plan, results: new Map(tasks.map((t) => [t.unit, t])), running: new Set(), live: false });
      } catch (e) {
        this.logger.warn(`reading run ${r.runId}: ${describeError(e)}`);
      }
    }
    return { runs, details: this.details, now: new Date() };
  }

  /**
   * Plans from the config and runs it (through the matrix service); the view follows its events. Resolves when the
   * run ends; with `onNotified`, the config's webhooks are told after that, in the background (MatrixService.run).
   */
  async start(options: {
    only?: string[]; priority?: string; maxParallel?: number; isolation?: Isolation; dockerHost?: string;
    onEvent?: (e: MatrixEvent) => void; signal?: AbortSignal; onNotified?: (deliveries: NotificationDelivery[], runId: string) => void;
  }): Promise<MatrixRunOutcome> {
    // Claimed before the first await: a second start meanwhile is refused.
    const active = this.slot.claim(options.signal);
    // Elapsed times of the live run move on even between events.
    this.ticker = setInterval(() => void this.snapshot().then((d) => this.emitter.fire({ ...d, now: new Date() })), 1000);
    try {
      return await this.matrix.run({
        ...(options.only?.length ? { only: options.only } : {}),
        ...(options.priority ? { priority: options.priority } : {}),
        ...(options.maxParallel ? { maxParallel: options.maxParallel } : {}),
        ...(options.isolation ? { isolation: options.isolation } : {}),
        ...(options.dockerHost ? { dockerHost: options.dockerHost } : {}),
        ...(options.onNotified ? { onNotified: options.onNotified } : {}),
        signal: active.abort.signal,
        onEvent: (e) => {
          this.apply(e);
          options.onEvent?.(e);
        },
      });
    } finally {
      clearInterval(this.ticker);
      this.ticker = undefined;
      const id = active.runId;
      this.slot.release(active);
      if (id) {
        const d = this.details.get(id);
        if (d) d.live = false;
      }
      await this.refresh();
    }
  }

  /**
   * Dispatches the workflow on GitHub and follows the run in the view: its units (from the local config's plan,
   * which is what the leader job plans from the pushed config) go running and finished as their jobs do. At the
   * end the report artifact is saved under .federation/runs/gh-ID-ATTEMPT/ and replaces the jobs' view of it.
   * Cancelling stops following; the run goes on on GitHub.
   */
  startGithub(options: { api: GithubActions; ref: string; returnRunDetails?: boolean; pollMs?: number; onEvent?: (e: GithubRunEvent) => void; signal?: AbortSignal }): Promise<GithubRunOutcome & { dir?: string }> {
    return this.followOnGithub(options, async () => (await this.matrix.plan()).plan, (signal, onEvent) =>
      runOnGithub({
        api: options.api,
        ref: options.ref,
        signal,
        onEvent,
        ...(options.returnRunDetails ? { returnRunDetails: true } : {}),
        ...(options.pollMs ? { pollMs: options.pollMs } : {}),
      }),
    );
  }

  /**
   * Takes up a run on GitHub started earlier (by this window before a reload, by another window, by the CLI) from
   * its run id, and follows it as startGithub does. Its units are those of the plan saved in its folder when it
   * started (the config may have changed since), else the config's.
   */
  followGithub(options: { api: GithubActions; runId: string; pollMs?: number; onEvent?: (e: GithubRunEvent) => void; signal?: AbortSignal }): Promise<GithubRunOutcome & { dir?: string }> {
    const folder = runDir(this.root, options.runId);
    const savedPlan = async (): Promise<MatrixPlan> => {
      let text: string | undefined;
      try {
        text = await this.fs.readFile(path.join(folder, 'plan.json'), 'utf8');
        const plan: unknown = JSON.parse(text);
        if (isPlanShaped(plan)) return plan;
        this.logger.warn(`${path.join(folder, 'plan.json')} is not a matrix plan; following ${options.runId} with the config's plan`);
      } catch (e) {
        if (text !== undefined) this.logger.warn(`${path.join(folder, 'plan.json')}: ${describeError(e)}; following ${options.runId} with the config's plan`);
      }
      return (await this.matrix.plan()).plan;
    };
    return this.followOnGithub(
      {
        ...options,
        onEvent: (e) => {
          // Re-run on GitHub since: the newest attempt is followed under its own id. The older attempt's folder,
          // which holds only the plan written when it was followed (no report), would stay "no report yet".
          if (e.type === 'run-found' && e.runId !== options.runId) void this.dropPlaceholder(folder);
          options.onEvent?.(e);
        },
      },
      savedPlan,
      (signal, onEvent) => resumeGithubRun({ api: options.api, signal, onEvent, ...(options.pollMs ? { pollMs: options.pollMs } : {}) }, options.runId),
    );
  }

  /** Removes a run folder that holds nothing but its plan.json. */
  private async dropPlaceholder(folder: string): Promise<void> {
    try {
      const names = await this.fs.readdir(folder);
      if (names.length === 1 && names[0] === 'plan.json') await this.fs.rm(folder, { recursive: true, force: true });
    } catch (e) {
      this.logger.warn(`removing ${folder}: ${describeError(e)}`);
    }
  }

  private async followOnGithub(
    options: { onEvent?: (e: GithubRunEvent) => void; signal?: AbortSignal },
    planOf: () => Promise<MatrixPlan>,
    follow: (signal: AbortSignal, onEvent: (e: GithubRunEvent) => void) => Promise<GithubRunOutcome>,
  ): Promise<GithubRunOutcome & { dir?: string }> {
    const active = this.slot.claim(options.signal);
    let plan: MatrixPlan;
    try {
      plan = await planOf();
    } catch (e) {
      this.slot.release(active);
      throw e;
    }
    this.ticker = setInterval(() => void this.snapshot().then((d) => this.emitter.fire({ ...d, now: new Date() })), 1000);
    let saved = false;
    try {
      const outcome = await follow(active.abort.signal, (e) => {
        void this.applyGithub(e, plan);
        options.onEvent?.(e);
      });
      if (!outcome.report) return outcome;
      const dir = await saveGithubReport(this.fs, this.root, outcome.report, outcome.logs);
      saved = true;
      return { ...outcome, dir };
    } finally {
      clearInterval(this.ticker);
      this.ticker = undefined;
      const id = active.runId;
      this.slot.release(active);
      if (id) {
        // With the report on disk, the next load reads it; without, the jobs' view of the run stays.
        if (saved) this.details.delete(id);
        else {
          const d = this.details.get(id);
          if (d) d.live = false;
        }
      }
      await this.refresh();
    }
  }

  private async applyGithub(e: GithubRunEvent, plan: MatrixPlan): Promise<void> {
    if (e.type === 'run-found') {
      if (this.slot.active) this.slot.active.runId = e.runId;
      this.details.set(e.runId, { plan, results: new Map(), running: new Set(), live: true, github: { url: e.run.htmlUrl } });
      try {
        // plan.json makes the run a folder the view (and other windows) list while it is in progress.
        await saveGithubPlan(this.fs, this.root, e.runId, plan);
      } catch (err) {
        this.logger.warn(`saving the plan of ${e.runId}: ${describeError(err)}`);
      }
      await this.refresh();
      return;
    }
    if (e.type !== 'progress') return;
    const id = this.slot.active?.runId;
    const d = id ? this.details.get(id) : undefined;
    if (!id || !d) return;
    const units = unitsFromJobs(plan, e.jobs, id);
    d.running = units.running;
    d.results = new Map(units.results.map((r) => [r.unit, r]));
    const data = await this.snapshot();
    this.emitter.fire({ ...data, now: new Date() });
  }

  cancel(): boolean {
    const active = this.slot.active;
    if (!active) return false;
    active.abort.abort();
    return true;
  }

  private apply(e: MatrixEvent): void {
    if (e.type === 'run-started') {
      if (this.slot.active) this.slot.active.runId = e.runId;
      this.details.set(e.runId, { plan: e.plan, results: new Map(), running: new Set(), live: true });
      void this.refresh();
      return;
    }
    const id = this.slot.active?.runId;
    const d = id ? this.details.get(id) : undefined;
    if (!d) return;
    if (e.type === 'task-started') d.running.add(e.unit);
    else if (e.type === 'task-finished') {
      d.running.delete(e.result.unit);
      d.results.set(e.result.unit, e.result);
    } else if (e.type === 'run-finished') {
      d.summary = e.summary;
      d.live = false;
    } else return;
    void this.snapshot().then((data) => this.emitter.fire({ ...data, now: new Date() }));
  }

  override dispose(): void {
    this.cancel();
    if (this.ticker) clearInterval(this.ticker);
    super.dispose();
  }
}

/** Enough of a MatrixPlan for the Runs view and the jobs' mapping: a hand-edited plan.json must not break them. */
function isPlanShaped(v: unknown): v is MatrixPlan {
  if (!v || typeof v !== 'object' || !Array.isArray((v as { waves?: unknown }).waves)) return false;
  return (v as { waves: unknown[] }).waves.every(
    (w) =>
      !!w &&
      typeof w === 'object' &&
      typeof (w as { index?: unknown }).index === 'number' &&
      Array.isArray((w as { units?: unknown }).units) &&
      (w as { units: unknown[] }).units.every((u) => !!u && typeof u === 'object' && typeof (u as { id?: unknown }).id === 'string' && !!(u as { retry?: unknown }).retry),
  );
}
