// The federation on one machine: personas, the task queue (the source of truth for who does what), calendars,
// handoffs, resource locks and artifact routing. Every change goes through FederationStore.transaction.
import * as os from 'node:os';
import * as path from 'node:path';
import { isAvailable } from './calendar';
import { CONFIG_FILE, DEFAULT_CONFIG_YAML, readConfig } from '../config';
import { FederationError, StateFileError, describeError, isFederationError, isStateFileError } from '../errors';
import { matchesGlob } from '../glob';
import { HandoffInput, acknowledgeHandoff, handoffFileName, renderHandoff } from './handoff';
import { Clock, FileSystem, Logger, ProcessIdentity, silentLogger, systemClock } from '../ports';
import {
  ConfigFile,
  ID_PATTERN,
  Persona,
  PersonaCalendar,
  PersonaCalendarSchema,
  ResourceLock,
  ResourceLockSchema,
  STATE_FILES,
  Task,
  TaskEvent,
  TaskStatus,
  emptyState,
} from './state/schemas';
import { serialize } from './state/codec';
import { TASK_TRANSITIONS, canTransition } from './taskTransitions';
import { FederationStore, Transaction, errno, exists } from './state/store';

export interface FederationOptions {
  /** The file system of the workspace and its state: nodeFileSystem (src/node/fs.ts) from the composition root. */
  fs: FileSystem;
  clock?: Clock;
  logger?: Logger;
  identity?: ProcessIdentity;
}

export interface NewTask {
  title: string;
  description?: string;
  priority?: number;
  skills?: string[];
  by?: string;
}

export interface ClaimResult {
  task: Task | null;
  /** Why nothing was claimed, for people and scripts. */
  explanation?: string;
}

export interface RouteResult {
  from: string;
  to: string;
  kind: string;
  moved: boolean;
}

/** A lock file that cannot be read: the file, its first bad field ('' when it is not JSON), where a copy is kept. */
export interface LockProblem {
  file: string;
  /** The resource its name stands for, when that is a valid resource name (to release it with force). */
  resource?: string;
  field: string;
  reason: string;
  message: string;
  keptCopy?: string;
}

/** What releaseLock removed: the lock, or (with force) an unreadable lock file, kept in corrupt/. */
export type ReleasedLock = ResourceLock | { resource: string; corrupt: true; file: string; field: string; keptCopy: string };

export const RESOURCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const LOCKS_DIR = 'locks';

export function hasSkills(persona: Pick<Persona, 'skills'>, task: Pick<Task, 'skills'>): boolean {
  return task.skills.every((s) => persona.skills.includes(s));
}

/** Claim order: most urgent first, then oldest, then by id number (ids grow with time). */
export function compareForClaim(a: Task, b: Task): number {
  return a.priority - b.priority || a.createdAt.localeCompare(b.createdAt) || Number(a.id.slice(1)) - Number(b.id.slice(1));
}

/** How old a heartbeat may get before a task change by its persona refreshes it. */
export const HEARTBEAT_REFRESH_MS = 10_000;

/** A persona's status as others should see it: a stale heartbeat means offline, whatever the file says. */
export function effectiveStatus(persona: Persona, now: Date, offlineAfterMs: number): Persona['status'] {
  if (persona.status === 'offline') return 'offline';
  if (!persona.lastHeartbeat) return persona.runsIn === 'agent' ? persona.status : 'offline';
  return now.getTime() - Date.parse(persona.lastHeartbeat) > offlineAfterMs ? 'offline' : persona.status;
}

export class Federation {
  readonly store: FederationStore;
  private readonly fs: FileSystem;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly identity: ProcessIdentity;

  constructor(readonly root: string, options: FederationOptions) {
    this.logger = options.logger ?? silentLogger;
    this.fs = options.fs;
    this.store = new FederationStore(root, { fs: options.fs, logger: this.logger });
    this.clock = options.clock ?? systemClock;
    this.identity = options.identity ?? { host: os.hostname(), pid: process.pid };
  }

  isInitialized(): Promise<boolean> {
    return this.store.isInitialized();
  }

  /** Creates whatever is missing of .federation/; never overwrites a file that exists. Returns what it created. */
  async init(): Promise<string[]> {
    const fs = this.fs;
    const created: string[] = [];
    await fs.mkdir(this.store.dir, { recursive: true });
    for (const dir of ['handoffs', LOCKS_DIR]) {
      const p = this.store.pathOf(dir);
      if (!(await exists(fs, p))) {
        await fs.mkdir(p, { recursive: true });
        created.push(`${dir}/`);
      }
    }
    const files: [string, string][] = [
      [STATE_FILES.queue.file, serialize('queue', emptyState('queue')).text],
      [STATE_FILES.calendar.file, serialize('calendar', emptyState('calendar')).text],
      [CONFIG_FILE, DEFAULT_CONFIG_YAML],
      [
        '.gitignore',
        '# Process-local files of Agent Federation, and bootstrap packages written for terminals\nstate.lock/\nstate.waiting/\ncorrupt/\npackages/\n*.tmp\n',
      ],
      // personas.json last: its presence is what "initialized" means (and what activates the extension).
      [STATE_FILES.personas.file, serialize('personas', emptyState('personas')).text],
    ];
    for (const [rel, content] of files) {
      try {
        await fs.writeFile(this.store.pathOf(rel), content, { flag: 'wx' });
        created.push(rel);
      } catch (e) {
        if (errno(e) !== 'EEXIST') throw e;
      }
    }
    this.logger.info(`init ${this.store.dir}: created ${created.join(', ') || 'nothing (already complete)'}`);
    return created;
  }

  config(): Promise<ConfigFile> {
    return readConfig(this.store.dir);
  }

  // ---- personas -----------------------------------------------------------------------------------------------

  async listPersonas(): Promise<Persona[]> {
    return (await this.store.read('personas')).personas;
  }

  /** Registers a persona, or updates the display name, skills and runtime of one that exists. */
  async registerPersona(input: { id: string; displayName?: string; skills: string[]; runsIn?: Persona['runsIn'] }): Promise<{ persona: Persona; created: boolean }> {
    if (!ID_PATTERN.test(input.id)) {
      throw new FederationError('invalid-input', `Persona id "${input.id}" is not valid: use lowercase letters, digits, - and _, starting with a letter.`, { field: 'id' });
    }
    const skills = normalizeSkills(input.skills);
    return this.store.transaction(async (tx) => {
      const file = await tx.get('personas');
      const now = this.nowIso();
      const existing = file.personas.find((p) => p.id === input.id);
      let persona: Persona;
      if (existing) {
        existing.skills = skills;
        if (input.displayName) existing.displayName = input.displayName;
        if (input.runsIn) existing.runsIn = input.runsIn;
        persona = existing;
      } else {
        persona = {
          id: input.id,
          displayName: input.displayName || titleCase(input.id),
          skills,
          status: 'idle',
          runsIn: input.runsIn ?? 'terminal',
          lastHeartbeat: now,
          registeredAt: now,
        };
        file.personas.push(persona);
      }
      tx.set('personas', file);
      return { persona, created: !existing };
    });
  }

  async heartbeat(personaId: string, status?: Persona['status']): Promise<Persona> {
    return this.store.transaction(async (tx) => {
      const file = await tx.get('personas');
      const persona = requirePersona(file.personas, personaId);
      persona.lastHeartbeat = this.nowIso();
      if (status) persona.status = status;
      else if (persona.status === 'offline') persona.status = 'idle';
      tx.set('personas', file);
      return persona;
    });
  }

  // ---- tasks --------------------------------------------------------------------------------------------------

  async listTasks(): Promise<Task[]> {
    return (await this.store.read('queue')).tasks;
  }

  async addTask(input: NewTask): Promise<Task> {
    const title = input.title.trim();
    if (!title) throw new FederationError('invalid-input', 'A task needs a title.', { field: 'title' });
    if (title.length > 200) throw new FederationError('invalid-input', 'A task title has at most 200 characters.', { field: 'title' });
    const priority = input.priority ?? 3;
    if (!Number.isInteger(priority) || priority < 1 || priority > 9) {
      throw new FederationError('invalid-input', `Priority must be a whole number from 1 (most urgent) to 9; got ${input.priority}.`, { field: 'priority' });
    }
    const skills = normalizeSkills(input.skills ?? []);
    return this.store.transaction(async (tx) => {
      const queue = await tx.get('queue');
      const now = this.nowIso();
      const by = input.by ?? 'cli';
      const task: Task = {
        id: `T${queue.nextId}`,
        title,
        description: input.description ?? '',
        priority,
        skills,
        status: 'queued',
        assignee: null,
        createdAt: now,
        updatedAt: now,
        createdBy: by,
        history: [{ at: now, by, action: 'created', from: null, to: 'queued' }],
      };
      queue.nextId += 1;
      queue.tasks.push(task);
      tx.set('queue', queue);
      return task;
    });
  }

  /** Gives the persona the most urgent task it may take: a handoff addressed to it first, else a queued task in scope. */
  async claimNext(personaId: string): Promise<ClaimResult> {
    return this.store.transaction(async (tx) => {
      const personas = await tx.get('personas');
      const persona = requirePersona(personas.personas, personaId);
      const now = this.clock.now();
      const calendar = (await tx.get('calendar')).calendars[personaId];
      if (!isAvailable(calendar, now)) {
        return { task: null, explanation: `${personaId} is not available now according to calendar.json.` };
      }
      const queue = await tx.get('queue');
      const handedToMe = queue.tasks
        .filter((t) => t.status === 'handed_off' && t.assignee === personaId && hasSkills(persona, t))
        .sort(compareForClaim);
      const candidates = handedToMe.length
        ? handedToMe
        : queue.tasks.filter((t) => t.status === 'queued' && hasSkills(persona, t)).sort(compareForClaim);
      const task = candidates[0];
      if (!task) {
        const queued = queue.tasks.filter((t) => t.status === 'queued').length;
        return {
          task: null,
          explanation: queued
            ? `No queued task is within ${personaId}'s skills (${persona.skills.join(', ') || 'none'}); ${queued} queued task${queued > 1 ? 's need' : ' needs'} other skills.`
            : 'The queue has no queued tasks.',
        };
      }
      await this.applyClaim(tx, task, persona, now);
      tx.set('queue', queue);
      this.touchPersona(persona, now, 'active');
      tx.set('personas', personas);
      return { task };
    });
  }

  /** Claims one given task (from the Task Queue view), with the same rules as claimNext. */
  async claimTask(taskId: string, personaId: string): Promise<Task> {
    return this.store.transaction(async (tx) => {
      const personas = await tx.get('personas');
      const persona = requirePersona(personas.personas, personaId);
      const queue = await tx.get('queue');
      const task = requireTask(queue.tasks, taskId);
      const now = this.clock.now();
      requireScope(persona, task, 'claim');
      const mine = task.status === 'handed_off' && task.assignee === personaId;
      if (!canTransition('claim', task.status) || (task.status === 'handed_off' && !mine)) {
        throw transitionError(task, 'claimed');
      }
      const calendar = (await tx.get('calendar')).calendars[personaId];
      if (!isAvailable(calendar, now)) {
        throw new FederationError('unavailable', `${personaId} is not available now according to calendar.json.`, { persona: personaId });
      }
      await this.applyClaim(tx, task, persona, now);
      tx.set('queue', queue);
      this.touchPersona(persona, now, 'active');
      tx.set('personas', personas);
      return task;
    });
  }

  private async applyClaim(tx: Transaction, task: Task, persona: Persona, now: Date): Promise<void> {
    const at = now.toISOString();
    if (task.status === 'handed_off' && task.handoff) {
      task.handoff.acknowledgedAt = at;
      this.record(task, persona.id, 'acknowledged', 'handed_off', at, `handoff ${task.handoff.document}`);
      const doc = await tx.readText(task.handoff.document);
      if (doc !== undefined) tx.writeText(task.handoff.document, acknowledgeHandoff(doc, persona.id, now));
    }
    this.transition(task, 'claimed', persona.id, 'claimed', at);
    task.assignee = persona.id;
  }

  async startTask(taskId: string, personaId: string): Promise<Task> {
    return this.changeAssigned(taskId, personaId, 'start', 'started');
  }

  async completeTask(taskId: string, personaId: string, note?: string): Promise<Task> {
    return this.changeAssigned(taskId, personaId, 'complete', 'completed', note);
  }

  async failTask(taskId: string, personaId: string, reason: string): Promise<Task> {
    if (!reason.trim()) throw new FederationError('invalid-input', 'Failing a task needs a reason.', { field: 'reason' });
    return this.changeAssigned(taskId, personaId, 'fail', 'failed', reason, (t) => {
      t.failureReason = reason;
    });
  }

  async cancelTask(taskId: string, by: string, reason?: string): Promise<Task> {
    return this.store.transaction(async (tx) => {
      const queue = await tx.get('queue');
      const task = requireTask(queue.tasks, taskId);
      if (!canTransition('cancel', task.status)) throw transitionError(task, 'cancelled');
      this.transition(task, 'cancelled', by, 'cancelled', this.nowIso(), reason);
      tx.set('queue', queue);
      return task;
    });
  }

  /** Puts a failed or cancelled task back in the queue, unassigned (its history is kept). */
  async requeueTask(taskId: string, by: string, note?: string): Promise<Task> {
    return this.store.transaction(async (tx) => {
      const queue = await tx.get('queue');
      const task = requireTask(queue.tasks, taskId);
      if (!canTransition('requeue', task.status)) throw transitionError(task, 'queued');
      this.transition(task, 'queued', by, 'requeued', this.nowIso(), note);
      task.assignee = null;
      delete task.failureReason;
      delete task.handoff;
      tx.set('queue', queue);
      return task;
    });
  }

  private async changeAssigned(
    taskId: string,
    personaId: string,
    step: 'start' | 'complete' | 'fail',
    action: TaskEvent['action'],
    note?: string,
    mutate?: (t: Task) => void,
  ): Promise<Task> {
    return this.store.transaction(async (tx) => {
      const personas = await tx.get('personas');
      const persona = requirePersona(personas.personas, personaId);
      const queue = await tx.get('queue');
      const task = requireTask(queue.tasks, taskId);
      requireScope(persona, task, step);
      if (task.assignee !== personaId) {
        throw new FederationError('not-assignee', `${taskId} is assigned to ${task.assignee ?? 'nobody'}, not ${personaId}.`, { task: taskId, assignee: task.assignee, persona: personaId });
      }
      const to = TASK_TRANSITIONS[step].to;
      if (!canTransition(step, task.status)) throw transitionError(task, to);
      mutate?.(task);
      const now = this.clock.now();
      this.transition(task, to, personaId, action, now.toISOString(), note);
      tx.set('queue', queue);
      this.touchPersona(persona, now, to === 'in_progress' ? 'active' : undefined);
      tx.set('personas', personas);
      return task;
    });
  }

  /** Hands a task to another persona with a Markdown handoff document; the receiver acknowledges by claiming it. */
  async handoff(taskId: string, input: HandoffInput): Promise<{ task: Task; document: string }> {
    return this.store.transaction(async (tx) => {
      const personas = await tx.get('personas');
      requirePersona(personas.personas, input.from);
      const receiver = requirePersona(personas.personas, input.to);
      if (input.from === input.to) throw new FederationError('invalid-input', 'A task cannot be handed off to the persona that holds it.', { field: 'to' });
      const queue = await tx.get('queue');
      const task = requireTask(queue.tasks, taskId);
      // Only the persona holding the task hands it off: a queued task is held by nobody (claim it first), and
      // the sender of an earlier handoff no longer holds it. Checked before the status, as for start/complete.
      if (task.assignee !== input.from) {
        throw new FederationError(
          'not-assignee',
          task.assignee
            ? `${taskId} is assigned to ${task.assignee}, not ${input.from}; only its assignee can hand it off.`
            : `${taskId} is ${task.status} and held by nobody, so ${input.from} cannot hand it off; claim it first.`,
          { task: taskId, assignee: task.assignee, persona: input.from },
        );
      }
      if (!canTransition('handoff', task.status)) throw transitionError(task, 'handed_off');
      requireScope(receiver, task, 'receive');
      const now = this.clock.now();
      const document = handoffFileName(task, input.from, input.to, now);
      tx.writeText(document, renderHandoff(task, input, now), { exclusive: true });
      task.handoff = { from: input.from, to: input.to, document, at: now.toISOString(), acknowledgedAt: null };
      this.transition(task, 'handed_off', input.from, 'handed_off', now.toISOString(), `to ${input.to}`);
      task.assignee = input.to;
      tx.set('queue', queue);
      return { task, document };
    });
  }

  // ---- resource locks -----------------------------------------------------------------------------------------

  /** The valid resource locks; unreadable lock files are left out (inspectLocks names them). */
  async listLocks(): Promise<ResourceLock[]> {
    return (await this.inspectLocks()).locks;
  }

  /**
   * Every lock file: the valid locks, and one problem per file that cannot be read (named with its first bad
   * field, a copy kept in corrupt/), so one bad file never hides the others.
   */
  async inspectLocks(): Promise<{ locks: ResourceLock[]; problems: LockProblem[] }> {
    const names = (await this.store.listDir(LOCKS_DIR)).filter((n) => n.endsWith('.lock'));
    const locks: ResourceLock[] = [];
    const problems: LockProblem[] = [];
    for (const name of names) {
      try {
        const lock = await this.readLock(this.store.readText(`${LOCKS_DIR}/${name}`), name);
        if (lock) locks.push(lock);
      } catch (e) {
        const resource = name.slice(0, -'.lock'.length);
        const file = this.store.pathOf(`${LOCKS_DIR}/${name}`);
        const named = RESOURCE_PATTERN.test(resource) ? { resource } : {};
        if (isStateFileError(e)) {
          problems.push({ ...named, file, field: e.field, reason: e.reason, message: e.message, ...(e.keptCopy ? { keptCopy: e.keptCopy } : {}) });
        } else {
          // Not a content problem (a folder named *.lock, no permission): named the same way, nothing kept.
          problems.push({ ...named, file, field: '', reason: isFederationError(e) ? e.reason : 'state-corrupt', message: `${file}: ${describeError(e)}` });
        }
      }
    }
    return { locks, problems };
  }

  isExpired(lock: ResourceLock, now = this.clock.now()): boolean {
    return Date.parse(lock.expiresAt) <= now.getTime();
  }

  /** Takes (or renews, for its holder) a named resource lock. An expired lock is taken over. */
  async acquireLock(resource: string, personaId: string, options: { task?: string; ttlMinutes?: number } = {}): Promise<{ lock: ResourceLock; recovered?: ResourceLock }> {
    requireResourceName(resource);
    const ttlMinutes = options.ttlMinutes ?? (await this.config()).locks.resourceTtlMinutes;
    // A lock that is expired when written would be taken over at once; config.yaml is held to the same rule.
    if (!(ttlMinutes > 0 && Number.isFinite(ttlMinutes))) {
      throw new FederationError('invalid-input', `A lock's time to live is a positive number of minutes; got ${ttlMinutes}.`, { field: 'ttlMinutes' });
    }
    return this.store.transaction(async (tx) => {
      requirePersona((await tx.get('personas')).personas, personaId);
      // The lock names its task so others see why it is held; a task that is not in the queue says nothing.
      if (options.task !== undefined) requireTask((await tx.get('queue')).tasks, options.task);
      const rel = `${LOCKS_DIR}/${resource}.lock`;
      const current = await this.readLock(tx.readText(rel), `${resource}.lock`);
      const now = this.clock.now();
      if (current && current.holder !== personaId && !this.isExpired(current, now)) {
        throw new FederationError('resource-locked', `${resource} is locked by ${current.holder}${current.task ? ` for ${current.task}` : ''} until ${current.expiresAt}.`, { resource, holder: current.holder, expiresAt: current.expiresAt });
      }
      const lock: ResourceLock = {
        resource,
        holder: personaId,
        task: options.task ?? (current?.holder === personaId ? current.task : null),
        host: this.identity.host,
        pid: this.identity.pid,
        acquiredAt: current?.holder === personaId ? current.acquiredAt : now.toISOString(),
        expiresAt: new Date(now.getTime() + ttlMinutes * 60_000).toISOString(),
      };
      tx.writeText(rel, JSON.stringify(lock, null, 2) + '\n');
      const recovered = current && current.holder !== personaId ? current : undefined;
      if (recovered) this.logger.warn(`recovered expired lock ${resource} from ${recovered.holder}`);
      return recovered ? { lock, recovered } : { lock };
    });
  }

  /**
   * Extends the locks a persona holds from this host (called with each heartbeat of a window), so a lock lives as
   * long as its holder and lapses one TTL after the holder stops renewing it (crashed window, closed terminal).
   */
  async renewLocks(personaId: string, options: { ttlMinutes?: number } = {}): Promise<ResourceLock[]> {
    const ttlMinutes = options.ttlMinutes ?? (await this.config()).locks.resourceTtlMinutes;
    const held = (await this.listLocks()).filter((l) => l.holder === personaId && l.host === this.identity.host);
    if (held.length === 0) return [];
    return this.store.transaction(async (tx) => {
      const now = this.clock.now();
      const renewed: ResourceLock[] = [];
      for (const l of held) {
        const rel = `${LOCKS_DIR}/${l.resource}.lock`;
        const current = await this.readLock(tx.readText(rel), `${l.resource}.lock`);
        // Re-read inside the lock: it may have been released or taken over since the listing.
        if (!current || current.holder !== personaId) continue;
        const next = { ...current, expiresAt: new Date(now.getTime() + ttlMinutes * 60_000).toISOString() };
        tx.writeText(rel, JSON.stringify(next, null, 2) + '\n');
        renewed.push(next);
      }
      return renewed;
    });
  }

  /**
   * Removes a resource lock: its holder's, anyone's once expired, anyone's with `force`. With `force`, an
   * unreadable lock file is removed too, after a copy is kept in corrupt/ (it is refused if no copy can be kept).
   */
  async releaseLock(resource: string, personaId: string, options: { force?: boolean } = {}): Promise<ReleasedLock> {
    requireResourceName(resource);
    return this.store.transaction<ReleasedLock>(async (tx) => {
      const rel = `${LOCKS_DIR}/${resource}.lock`;
      let current: ResourceLock | undefined;
      try {
        current = await this.readLock(tx.readText(rel), `${resource}.lock`);
      } catch (e) {
        if (!isStateFileError(e) || !options.force || !e.keptCopy) throw e;
        tx.remove(rel);
        this.logger.warn(`removed unreadable lock file ${e.file} (copy kept at ${e.keptCopy})`);
        return { resource, corrupt: true, file: e.file, field: e.field, keptCopy: e.keptCopy };
      }
      if (!current) throw new FederationError('not-found', `No lock is held on ${resource}.`, { resource });
      if (current.holder !== personaId && !options.force && !this.isExpired(current)) {
        throw new FederationError('not-lock-holder', `${resource} is held by ${current.holder}, not ${personaId}.`, { resource, holder: current.holder });
      }
      tx.remove(rel);
      return current;
    });
  }

  private async readLock(text: Promise<string | undefined>, name: string): Promise<ResourceLock | undefined> {
    const raw = await text;
    if (raw === undefined) return undefined;
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      data = undefined;
    }
    // An unreadable lock file counts as held by nobody known; it blocks until someone releases it with force.
    const file = this.store.pathOf(`${LOCKS_DIR}/${name}`);
    const hint = `release it with "federation lock release ${name.slice(0, -'.lock'.length)} --persona ID --force" (or Release Resource Lock) to clear it`;
    if (data === undefined) {
      throw new StateFileError(file, '', `not valid JSON${raw.trim() === '' ? ' (the file is empty or truncated)' : ''}, so not a lock file; ${hint}`, await this.store.keepAside(file, raw));
    }
    const parsed = ResourceLockSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new StateFileError(file, issue.path.map(String).join('.') || '(root)', `${issue.message}: not a valid lock file; ${hint}`, await this.store.keepAside(file, raw));
    }
    return parsed.data;
  }

  // ---- artifacts ----------------------------------------------------------------------------------------------

  /**
   * Moves a file to the folder its kind is routed to by config.yaml; never overwrites. Real paths decide: the
   * source, and the destination folder with every ancestor that exists (or a link that does not resolve yet),
   * must end inside the workspace's real path, else it is refused with `outside-workspace` and nothing moves.
   */
  async routeArtifact(file: string): Promise<RouteResult> {
    const fs = this.fs;
    const abs = path.resolve(this.root, file);
    const rel = path.relative(this.root, abs).split(path.sep).join('/');
    if (!isInside(this.root, abs)) {
      throw new FederationError('outside-workspace', `${file} is outside the workspace ${this.root}.`, { file });
    }
    const real = await fs.realpath(abs).catch(() => {
      throw new FederationError('not-found', `${file} does not exist.`, { file });
    });
    const realRoot = await fs.realpath(this.root);
    if (!isInside(realRoot, real)) {
      throw new FederationError('outside-workspace', `${file} resolves outside the workspace (a link) to ${real}.`, { file, resolved: real });
    }
    const config = await this.config();
    const rule = config.artifacts.rules.find((r) => matchesGlob(rel, r.glob));
    if (!rule) {
      throw new FederationError('no-route', `No artifact rule in .federation/config.yaml matches ${rel}.`, { file: rel, rules: config.artifacts.rules.map((r) => r.glob) });
    }
    const destRel = path.posix.join(rule.folder.replace(/\\/g, '/'), path.posix.basename(rel));
    if (destRel === rel) return { from: rel, to: destRel, kind: rule.kind, moved: false };
    const dest = path.resolve(this.root, destRel);
    const refuse = (resolved: string) =>
      new FederationError('outside-workspace', `${rel} was not moved: its destination ${destRel} (rule "${rule.kind}", folder ${rule.folder}) resolves to ${resolved}, outside the workspace ${realRoot} (a link).`, { file: rel, destination: destRel, resolved });
    if (!isInside(this.root, dest)) throw refuse(dest);
    // Before creating anything: mkdir would otherwise make folders wherever a linked ancestor points.
    const planned = await resolvePlanned(fs, path.dirname(dest));
    if (!isInside(realRoot, planned)) throw refuse(planned);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    // Again now that it exists (a link may have appeared meanwhile); the file goes to the real folder checked here.
    const realDir = await fs.realpath(path.dirname(dest));
    if (!isInside(realRoot, realDir)) throw refuse(realDir);
    const target = path.join(realDir, path.basename(dest));
    if (target === real) return { from: rel, to: destRel, kind: rule.kind, moved: false }; // already there, through a link
    // link + unlink instead of rename: link fails when the destination exists, so nothing is ever overwritten.
    try {
      await fs.link(abs, target);
    } catch (e) {
      if (errno(e) === 'EEXIST') throw new FederationError('already-exists', `${destRel} already exists; ${rel} was not moved.`, { file: rel, destination: destRel });
      throw e;
    }
    await fs.unlink(abs);
    this.logger.info(`routed ${rel} -> ${destRel} (${rule.kind})`);
    return { from: rel, to: destRel, kind: rule.kind, moved: true };
  }

  // ---- calendar -----------------------------------------------------------------------------------------------

  async setCalendar(personaId: string, calendar: PersonaCalendar | null): Promise<void> {
    if (calendar) {
      // What is written must read back: a calendar.json that breaks its schema is refused by every reader.
      const checked = PersonaCalendarSchema.safeParse(calendar);
      if (!checked.success) {
        const issue = checked.error.issues[0]!;
        const field = issue.path.map(String).join('.');
        throw new FederationError('invalid-input', `Calendar of ${personaId}: ${field ? `field "${field}": ` : ''}${issue.message}.`, { field, persona: personaId });
      }
      calendar = checked.data;
    }
    await this.store.transaction(async (tx) => {
      requirePersona((await tx.get('personas')).personas, personaId);
      const file = await tx.get('calendar');
      if (calendar) file.calendars[personaId] = calendar;
      else delete file.calendars[personaId];
      tx.set('calendar', file);
    });
  }

  // ---- helpers ------------------------------------------------------------------------------------------------

  private nowIso(): string {
    return this.clock.now().toISOString();
  }

  private touchPersona(persona: Persona, now: Date, status?: Persona['status']): void {
    // A heartbeat only needs to be fresh to the offline window (minutes), so a busy persona does not rewrite
    // personas.json on every claim: unchanged content is not written at all (see FederationStore.transaction).
    // abs: a heartbeat from the future (a skewed clock) is replaced too, not kept until time catches up.
    if (!persona.lastHeartbeat || Math.abs(now.getTime() - Date.parse(persona.lastHeartbeat)) >= HEARTBEAT_REFRESH_MS) persona.lastHeartbeat = now.toISOString();
    if (status) persona.status = status;
  }

  private transition(task: Task, to: TaskStatus, by: string, action: TaskEvent['action'], at: string, note?: string): void {
    this.record(task, by, action, to, at, note, task.status);
    task.status = to;
    task.updatedAt = at;
  }

  private record(task: Task, by: string, action: TaskEvent['action'], to: TaskStatus, at: string, note?: string, from: TaskStatus | null = task.status): void {
    const event: TaskEvent = { at, by, action, from, to };
    if (note) event.note = note;
    task.history.push(event);
  }
}

/** True when `p` is `root` or below it (both absolute; compare real paths with real paths). */
function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * The real path `p` will have once created: the real path of its deepest existing ancestor with the rest
 * appended, following a link that does not resolve yet (a dangling link) to where it points.
 */
async function resolvePlanned(fs: FileSystem, p: string, hops = 0): Promise<string> {
  try {
    return await fs.realpath(p);
  } catch (e) {
    if (errno(e) !== 'ENOENT') throw e;
  }
  const stat = await fs.lstat(p).catch((e: unknown) => {
    if (errno(e) === 'ENOENT') return undefined;
    throw e;
  });
  if (stat?.isSymbolicLink()) {
    if (hops >= 40) throw new FederationError('invalid-input', `${p}: too many levels of links.`, { file: p });
    return resolvePlanned(fs, path.resolve(path.dirname(p), await fs.readlink(p)), hops + 1);
  }
  const parent = path.dirname(p);
  if (parent === p) return p;
  return path.join(await resolvePlanned(fs, parent, hops), path.basename(p));
}

function normalizeSkills(skills: string[]): string[] {
  const out = [...new Set(skills.map((s) => s.trim().toLowerCase()).filter(Boolean))];
  for (const s of out) {
    if (!/^[a-z0-9][a-z0-9_.+-]{0,39}$/.test(s)) {
      throw new FederationError('invalid-input', `Skill "${s}" is not valid: use lowercase letters, digits and . _ + -.`, { field: 'skills' });
    }
  }
  return out;
}

function titleCase(id: string): string {
  return id.replace(/(^|[-_])(\w)/g, (_m, sep: string, c: string) => (sep ? ' ' : '') + c.toUpperCase());
}

function requirePersona(personas: Persona[], id: string): Persona {
  const p = personas.find((x) => x.id === id);
  if (!p) {
    throw new FederationError('not-found', `No persona "${id}" is registered. Known: ${personas.map((x) => x.id).join(', ') || 'none'}.`, { persona: id });
  }
  return p;
}

function requireTask(tasks: Task[], id: string): Task {
  const t = tasks.find((x) => x.id === id);
  if (!t) throw new FederationError('not-found', `No task "${id}" in the queue.`, { task: id });
  return t;
}

function requireScope(persona: Persona, task: Task, verb: string): void {
  if (!hasSkills(persona, task)) {
    const missing = task.skills.filter((s) => !persona.skills.includes(s));
    throw new FederationError('skill-scope', `${persona.id} cannot ${verb} ${task.id}: it needs ${missing.join(', ')}, outside ${persona.id}'s skills (${persona.skills.join(', ') || 'none'}).`, { persona: persona.id, task: task.id, missing });
  }
}

function requireResourceName(resource: string): void {
  if (!RESOURCE_PATTERN.test(resource)) {
    throw new FederationError('invalid-input', `Resource name "${resource}" is not valid: letters, digits, . _ - (at most 100), starting with a letter or digit.`, { field: 'resource' });
  }
}

function transitionError(task: Task, to: TaskStatus): FederationError {
  return new FederationError('invalid-transition', `${task.id} is ${task.status}; it cannot become ${to}.`, { task: task.id, status: task.status, to });
}
