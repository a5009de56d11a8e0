// The federation on one machine: personas, the task queue (the source of truth for who does what), calendars,
// handoffs, resource locks and artifact routing. Federation is the facade over one module per seam (personas.ts,
// tasks.ts, handoff.ts, locks.ts, calendar.ts, routing.ts, init.ts), which are plain functions of one
// FederationContext (context.ts). Every change goes through the state backend's transaction (state/backend.ts).
import * as os from 'node:os';
import * as path from 'node:path';
import { CONFIG_FILE, readConfig } from '../config';
import { FederationError } from '../errors';
import { FederationContext } from './context';
import { setCalendar } from './calendar';
import { HandoffInput, handOff } from './handoff';
import { LockProblem, ReleasedLock, acquireLock, inspectLocks, isExpired, releaseLock, renewLocks } from './locks';
import { heartbeat, listPersonas, registerPersona } from './personas';
import { RouteResult, routeArtifact } from './routing';
import { ClaimResult, NewTask, addTask, cancelTask, changeAssigned, claimNext, claimTask, completeTask, failTask, listTasks, peekClaim, peekNext, requeueTask, setDependencies } from './tasks';
import { recordMerged, recordPullRequest, recordRemoved } from './worktreeState';
import { isFederationError } from '../errors';
import type { GitPort } from '../worktrees/git';
import { WorktreeManager } from '../worktrees/manager';
import { Clock, FileSystem, HostProcesses, Logger, ProcessIdentity, silentLogger, systemClock } from '../ports';
import { ConfigFile, Persona, PersonaCalendar, ResourceLock, Task, Usage } from './state/schemas';
import type { StateBackend } from './state/backend';
import { FederationStore } from './state/store';

// What the seams export for the front ends, as before the split (importers go through core/federation/index.ts).
export { HEARTBEAT_REFRESH_MS, effectiveStatus, hasSkills } from './personas';
export { compareForClaim } from './tasks';
export { blockersOf, describeBlockers, isReady, readinessOf, statusIndex } from './dependencies';
export type { Blocker, ReadinessStatus, StatusIndex } from './dependencies';
export { liveWorktree } from './worktreeState';
export type { ClaimResult, NewTask } from './tasks';
export { RESOURCE_PATTERN } from './locks';
export type { LockProblem, ReleasedLock } from './locks';
export type { RouteResult } from './routing';

export interface FederationOptions {
  /** The file system of the workspace and its state: nodeFileSystem (src/node/fs.ts) from the composition root. */
  fs: FileSystem;
  clock?: Clock;
  logger?: Logger;
  identity?: ProcessIdentity;
  /** git, for task worktrees (worktrees.enabled in config.yaml): nodeGit (src/node/git.ts) from the composition root. */
  git?: GitPort;
  /** This host's processes (src/node/processes.ts): a state lock left by a dead holder here is taken over at once. */
  processes?: HostProcesses;
  /**
   * Where the shared state lives, from the composition root (config.yaml's backend, opened on first use:
   * src/node/stateBackend.ts). Default: the file backend on .federation/.
   */
  backend?: (files: FederationStore) => StateBackend;
}

/** How often a claim looks again when another persona took the task it had made a worktree for. */
const CLAIM_RACE_RETRIES = 5;

export class Federation {
  /** The shared state: personas, tasks, calendars, locks, handoffs. */
  readonly store: StateBackend;
  /**
   * This workspace's own .federation/ folder (config.yaml, agents.json, packages): the file backend, which is also
   * `store` unless config.yaml names another.
   */
  readonly files: FederationStore;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly ctx: FederationContext;
  private readonly git: GitPort | undefined;
  private manager: WorktreeManager | undefined;
  private configCache: { key: string; value: ConfigFile } | undefined;

  constructor(readonly root: string, options: FederationOptions) {
    this.git = options.git;
    this.logger = options.logger ?? silentLogger;
    this.files = new FederationStore(root, { fs: options.fs, logger: this.logger, ...(options.processes ? { processes: options.processes } : {}) });
    this.store = options.backend ? options.backend(this.files) : this.files;
    this.clock = options.clock ?? systemClock;
    this.ctx = {
      root,
      store: this.store,
      fs: options.fs,
      clock: this.clock,
      logger: this.logger,
      identity: options.identity ?? { host: os.hostname(), pid: process.pid },
      config: () => this.config(),
    };
  }

  isInitialized(): Promise<boolean> {
    return this.store.isInitialized();
  }

  /** Creates whatever is missing of the federation (.federation/, or the NATS stream and buckets); never overwrites. */
  init(): Promise<string[]> {
    return this.store.init();
  }

  /**
   * .federation/config.yaml, parsed again only when the file changed (a claim asks for it, and parsing YAML on
   * every claim cost more than the stat): the cache is keyed by the file's inode, size and modification time.
   */
  async config(): Promise<ConfigFile> {
    const st = await this.ctx.fs.stat(path.join(this.files.dir, CONFIG_FILE)).catch(() => undefined);
    const key = st ? `${st.ino}:${st.size}:${st.mtimeMs}` : 'missing';
    if (this.configCache?.key === key) return structuredClone(this.configCache.value);
    const value = await readConfig(this.ctx.fs, this.files.dir);
    this.configCache = { key, value };
    return structuredClone(value);
  }

  /** Lets go of the backend's connections (a CLI command calls it when it is done). */
  async close(): Promise<void> {
    await this.store.close?.();
  }

  // ---- personas (personas.ts) -----------------------------------------------------------------------------------

  listPersonas(): Promise<Persona[]> {
    return listPersonas(this.ctx);
  }

  /** Registers a persona, or updates the display name, skills and runtime of one that exists. */
  registerPersona(input: { id: string; displayName?: string; skills: string[]; runsIn?: Persona['runsIn'] }): Promise<{ persona: Persona; created: boolean }> {
    return registerPersona(this.ctx, input);
  }

  heartbeat(personaId: string, status?: Persona['status']): Promise<Persona> {
    return heartbeat(this.ctx, personaId, status);
  }

  // ---- tasks (tasks.ts) -----------------------------------------------------------------------------------------

  listTasks(): Promise<Task[]> {
    return listTasks(this.ctx);
  }

  addTask(input: NewTask): Promise<Task> {
    return addTask(this.ctx, input);
  }

  /**
   * Gives the persona the most urgent task it may take: a handoff addressed to it first, else a queued task in
   * scope. With worktrees on, the task's worktree is made first and recorded with the claim; when it cannot be
   * made the claim fails with git's reason and nothing is claimed (never a fall-back to the main checkout).
   */
  async claimNext(personaId: string): Promise<ClaimResult> {
    const config = await this.config();
    if (!config.worktrees.enabled) return claimNext(this.ctx, personaId);
    for (let i = 0; i < CLAIM_RACE_RETRIES; i++) {
      const pick = await peekNext(this.ctx, personaId);
      if (!pick.task) return pick;
      try {
        return { task: await this.claimWithWorktree(pick.task, personaId, config) };
      } catch (e) {
        // Another persona claimed it between the look and the claim: look again (the worktree made is that task's).
        if (isFederationError(e) && (e.reason === 'invalid-transition' || e.reason === 'blocked')) continue;
        throw e;
      }
    }
    return { task: null, explanation: `Other personas claimed each task ${personaId} tried first; try again.` };
  }

  /** Claims one given task (from the Task Queue view), with the same rules as claimNext (and its worktree). */
  async claimTask(taskId: string, personaId: string): Promise<Task> {
    const config = await this.config();
    if (!config.worktrees.enabled) return claimTask(this.ctx, taskId, personaId);
    return this.claimWithWorktree(await peekClaim(this.ctx, taskId, personaId), personaId, config);
  }

  private async claimWithWorktree(task: Task, personaId: string, config: ConfigFile): Promise<Task> {
    const { worktree } = await this.worktrees().ensure(task, config.worktrees, this.clock.now());
    return claimTask(this.ctx, task.id, personaId, { worktree, ports: config.worktrees.ports });
  }

  /** The git side of task worktrees (core/worktrees/manager.ts); needs the git port. */
  worktrees(): WorktreeManager {
    if (!this.git) throw new FederationError('unavailable', 'This front end was built without git, so it cannot make task worktrees.', {});
    return (this.manager ??= new WorktreeManager({ root: this.root, git: this.git, fs: this.ctx.fs, logger: this.logger }));
  }

  /** Records a merge of the task's branch into its base (worktrees/review.ts did it); dependents become ready. */
  recordMerged(taskId: string, branch: string, merge: { commit: string; by: string; note: string }): Promise<Task> {
    return recordMerged(this.ctx, taskId, branch, merge);
  }

  recordPullRequest(taskId: string, branch: string, pr: { url: string; number: number; by: string }): Promise<Task> {
    return recordPullRequest(this.ctx, taskId, branch, pr);
  }

  /** Records that the task's worktree and branch are gone; a done task whose changes were discarded fails. */
  recordWorktreeRemoved(taskId: string, branch: string, removal: { by: string; discardedWork: boolean; note?: string }): Promise<Task> {
    return recordRemoved(this.ctx, taskId, branch, removal);
  }

  startTask(taskId: string, personaId: string): Promise<Task> {
    return changeAssigned(this.ctx, taskId, personaId, 'start', 'started');
  }

  /** Completes a task its assignee holds; `usage` (what the attempt cost) goes to the task's usage ledger. */
  completeTask(taskId: string, personaId: string, note?: string, usage?: Usage): Promise<Task> {
    return completeTask(this.ctx, taskId, personaId, note, usage);
  }

  failTask(taskId: string, personaId: string, reason: string, usage?: Usage): Promise<Task> {
    return failTask(this.ctx, taskId, personaId, reason, usage);
  }

  /** One task by id (not-found when the queue has none). */
  async getTask(taskId: string): Promise<Task> {
    const task = (await this.listTasks()).find((t) => t.id === taskId);
    if (!task) throw new FederationError('not-found', `No task ${taskId} in the queue.`, { task: taskId });
    return task;
  }

  /**
   * The task's events (its own history) and, when the backend keeps one (NATS), every committed version of it in
   * the federation's event stream, oldest first.
   */
  async taskHistory(taskId: string): Promise<{ task: Task; commits?: { seq: number; at: string; task: Task | null }[] }> {
    const task = await this.getTask(taskId);
    const commits = this.store.taskHistory ? await this.store.taskHistory(taskId) : [];
    return commits.length ? { task, commits } : { task };
  }

  cancelTask(taskId: string, by: string, reason?: string): Promise<Task> {
    return cancelTask(this.ctx, taskId, by, reason);
  }

  /** Puts a failed or cancelled task back in the queue, unassigned (its history is kept). */
  requeueTask(taskId: string, by: string, note?: string): Promise<Task> {
    return requeueTask(this.ctx, taskId, by, note);
  }

  /**
   * Replaces what a task waits for (an empty list removes every edge). Unknown ids and cycles are refused with
   * invalid-input (details.unknown, details.cycle) and nothing changes.
   */
  setDependencies(taskId: string, dependsOn: string[], by: string): Promise<Task> {
    return setDependencies(this.ctx, taskId, dependsOn, by);
  }

  // ---- handoffs (handoff.ts) ------------------------------------------------------------------------------------

  /** Hands a task to another persona with a Markdown handoff document; the receiver acknowledges by claiming it. */
  handoff(taskId: string, input: HandoffInput): Promise<{ task: Task; document: string }> {
    return handOff(this.ctx, taskId, input);
  }

  // ---- resource locks (locks.ts) --------------------------------------------------------------------------------

  /** The valid resource locks; unreadable lock files are left out (inspectLocks names them). */
  async listLocks(): Promise<ResourceLock[]> {
    return (await inspectLocks(this.ctx)).locks;
  }

  /**
   * Every lock file: the valid locks, and one problem per file that cannot be read (named with its first bad
   * field, a copy kept in corrupt/), so one bad file never hides the others.
   */
  inspectLocks(): Promise<{ locks: ResourceLock[]; problems: LockProblem[] }> {
    return inspectLocks(this.ctx);
  }

  isExpired(lock: ResourceLock, now = this.clock.now()): boolean {
    return isExpired(this.ctx, lock, now);
  }

  /** Takes (or renews, for its holder) a named resource lock. An expired lock is taken over. */
  acquireLock(resource: string, personaId: string, options: { task?: string; ttlMinutes?: number } = {}): Promise<{ lock: ResourceLock; recovered?: ResourceLock }> {
    return acquireLock(this.ctx, resource, personaId, options);
  }

  /**
   * Extends the locks a persona holds from this host (called with each heartbeat of a window), so a lock lives as
   * long as its holder and lapses one TTL after the holder stops renewing it (crashed window, closed terminal).
   */
  renewLocks(personaId: string, options: { ttlMinutes?: number } = {}): Promise<ResourceLock[]> {
    return renewLocks(this.ctx, personaId, options);
  }

  /**
   * Removes a resource lock: its holder's, anyone's once expired, anyone's with `force`. With `force`, an
   * unreadable lock file is removed too, after a copy is kept in corrupt/ (it is refused if no copy can be kept).
   */
  releaseLock(resource: string, personaId: string, options: { force?: boolean } = {}): Promise<ReleasedLock> {
    return releaseLock(this.ctx, resource, personaId, options);
  }

  // ---- artifacts (routing.ts) -----------------------------------------------------------------------------------

  /**
   * Moves a file to the folder its kind is routed to by config.yaml; never overwrites. Real paths decide: the
   * source, and the destination folder with every ancestor that exists (or a link that does not resolve yet),
   * must end inside the workspace's real path, else it is refused with `outside-workspace` and nothing moves.
   */
  routeArtifact(file: string): Promise<RouteResult> {
    return routeArtifact(this.ctx, file);
  }

  // ---- calendar (calendar.ts) -----------------------------------------------------------------------------------

  setCalendar(personaId: string, calendar: PersonaCalendar | null): Promise<void> {
    return setCalendar(this.ctx, personaId, calendar);
  }
}
