// The task queue, the source of truth for who does what: adding, claiming (a handoff to the persona first, then
// the most urgent ready task in its skills) and moving a task along its status chain (taskTransitions.ts).
// Dependencies (dependencies.ts) decide which queued tasks are ready.
import { FederationError } from '../errors';
import { isAvailable } from './calendar';
import { FederationContext, editTask, requirePersona, requireTask } from './context';
import { blockedError, blockersOf, checkDependencies, describeBlockers, isReady, statusIndex } from './dependencies';
import { acknowledgeHandoff } from './handoff';
import { hasSkills, normalizeSkills, requireScope, touchPersona } from './personas';
import type { Transaction } from './state/backend';
import { editable } from './state/frozen';
import { Persona, PersonaCalendar, Task, TaskEvent, TaskWorktree, Usage, UsageRecord, UsageSchema, WorktreeConfig } from './state/schemas';
import { TASK_TRANSITIONS, canTransition, record, transition, transitionError } from './taskTransitions';

export interface NewTask {
  title: string;
  description?: string;
  priority?: number;
  skills?: string[];
  /** Tasks this one waits for (ids); each must exist, and no cycle may follow. */
  dependsOn?: string[];
  by?: string;
}

export interface ClaimResult {
  task: Task | null;
  /** Why nothing was claimed, for people and scripts. */
  explanation?: string;
}

/** Claim order: most urgent first, then oldest, then by id number (ids grow with time). */
export function compareForClaim(a: Task, b: Task): number {
  return a.priority - b.priority || a.createdAt.localeCompare(b.createdAt) || Number(a.id.slice(1)) - Number(b.id.slice(1));
}

export async function listTasks(ctx: FederationContext): Promise<Task[]> {
  return (await ctx.store.read('queue')).tasks;
}

export async function addTask(ctx: FederationContext, input: NewTask): Promise<Task> {
  const title = input.title.trim();
  if (!title) throw new FederationError('invalid-input', 'A task needs a title.', { field: 'title' });
  if (title.length > 200) throw new FederationError('invalid-input', 'A task title has at most 200 characters.', { field: 'title' });
  const priority = input.priority ?? 3;
  if (!Number.isInteger(priority) || priority < 1 || priority > 9) {
    throw new FederationError('invalid-input', `Priority must be a whole number from 1 (most urgent) to 9; got ${input.priority}.`, { field: 'priority' });
  }
  const skills = normalizeSkills(input.skills ?? []);
  return ctx.store.transaction(async (tx) => {
    const queue = await tx.get('queue');
    const now = ctx.clock.now().toISOString();
    const by = input.by ?? 'cli';
    const id = `T${queue.nextId}`;
    // A new task has no dependents yet, so only unknown ids (and itself) can be wrong; the check is the same.
    const dependsOn = input.dependsOn?.length ? checkDependencies(queue.tasks, id, input.dependsOn) : [];
    const task: Task = {
      id,
      title,
      description: input.description ?? '',
      priority,
      skills,
      ...(dependsOn.length ? { dependsOn } : {}),
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

/**
 * The task claimNext would give the persona from this state, or why none: a handoff addressed to it first, else
 * the most urgent ready queued task in its skills. Pure, so the worktree path can look before it claims.
 */
export function selectNext(persona: Persona, tasks: readonly Task[], calendar: PersonaCalendar | undefined, now: Date): ClaimResult {
  const personaId = persona.id;
  if (!isAvailable(calendar, now)) {
    return { task: null, explanation: `${personaId} is not available now according to calendar.json.` };
  }
  const handedToMe = tasks.filter((t) => t.status === 'handed_off' && t.assignee === personaId && hasSkills(persona, t)).sort(compareForClaim);
  // A handoff continues work already claimed; a queued task must also be ready (its dependencies done).
  const index = statusIndex(tasks);
  let blocked: Task | undefined;
  let task = handedToMe[0];
  if (!task) {
    for (const t of tasks) {
      if (t.status !== 'queued' || !hasSkills(persona, t)) continue;
      if (!isReady(t, index)) {
        if (!blocked || compareForClaim(t, blocked) < 0) blocked = t;
      } else if (!task || compareForClaim(t, task) < 0) task = t;
    }
  }
  if (task) return { task };
  const queued = tasks.filter((t) => t.status === 'queued').length;
  let explanation: string;
  if (blocked) {
    const waiting = tasks.filter((t) => t.status === 'queued' && hasSkills(persona, t)).length;
    explanation =
      `Every queued task within ${personaId}'s skills waits for another (${waiting} blocked); ` +
      `the most urgent, ${blocked.id} (P${blocked.priority}), is blocked by ${describeBlockers(blockersOf(blocked, index))}.`;
  } else if (queued) {
    explanation = `No queued task is within ${personaId}'s skills (${persona.skills.join(', ') || 'none'}); ${queued} queued task${queued > 1 ? 's need' : ' needs'} other skills.`;
  } else {
    explanation = 'The queue has no queued tasks.';
  }
  return { task: null, explanation };
}

/** selectNext on the state as it is now, without the lock (what a claim would take; nothing changes). */
export async function peekNext(ctx: FederationContext, personaId: string): Promise<ClaimResult> {
  const persona = requirePersona((await ctx.store.read('personas')).personas, personaId);
  const calendar = (await ctx.store.read('calendar')).calendars[personaId];
  return selectNext(persona, (await ctx.store.read('queue')).tasks, calendar, ctx.clock.now());
}

/** Gives the persona the most urgent task it may take: a handoff addressed to it first, else a queued task in scope. */
export async function claimNext(ctx: FederationContext, personaId: string): Promise<ClaimResult> {
  return ctx.store.transaction(async (tx) => {
    const personas = await tx.get('personas');
    const persona = requirePersona(personas.personas, personaId);
    const now = ctx.clock.now();
    const calendar = (await tx.get('calendar')).calendars[personaId];
    const queue = await tx.get('queue');
    const picked = selectNext(persona, queue.tasks, calendar, now);
    if (!picked.task) return picked;
    const task = editable(queue.tasks, picked.task);
    await applyClaim(tx, task, persona, now);
    tx.set('queue', queue);
    touchPersona(persona, now, 'active');
    tx.set('personas', personas);
    return { task };
  });
}

/** Why `persona` may not claim `task` now (the same rules inside and outside the lock); nothing when it may. */
function checkClaim(task: Task, persona: Persona, tasks: readonly Task[], calendar: PersonaCalendar | undefined, now: Date): void {
  requireScope(persona, task, 'claim');
  const mine = task.status === 'handed_off' && task.assignee === persona.id;
  if (!canTransition('claim', task.status) || (task.status === 'handed_off' && !mine)) {
    throw transitionError(task, 'claimed');
  }
  if (task.status === 'queued') {
    const blockers = blockersOf(task, statusIndex(tasks));
    if (blockers.length) throw blockedError(task, blockers);
  }
  if (!isAvailable(calendar, now)) {
    throw new FederationError('unavailable', `${persona.id} is not available now according to calendar.json.`, { persona: persona.id });
  }
}

/** The task as it is now, checked as claimTask will check it (before a worktree is made for it). */
export async function peekClaim(ctx: FederationContext, taskId: string, personaId: string): Promise<Task> {
  const persona = requirePersona((await ctx.store.read('personas')).personas, personaId);
  const tasks = (await ctx.store.read('queue')).tasks;
  const task = requireTask(tasks, taskId);
  checkClaim(task, persona, tasks, (await ctx.store.read('calendar')).calendars[personaId], ctx.clock.now());
  return task;
}

/**
 * Claims one given task (from the Task Queue view), with the same rules as claimNext. `worktree` (made by the
 * worktree manager for this task) is recorded with the claim, in the same transaction, with its block of ports.
 */
export async function claimTask(ctx: FederationContext, taskId: string, personaId: string, worktree?: { worktree: TaskWorktree; ports?: WorktreeConfig['ports'] }): Promise<Task> {
  return ctx.store.transaction(async (tx) => {
    const personas = await tx.get('personas');
    const persona = requirePersona(personas.personas, personaId);
    const queue = await tx.get('queue');
    const task = editTask(queue.tasks, taskId);
    const now = ctx.clock.now();
    checkClaim(task, persona, queue.tasks, (await tx.get('calendar')).calendars[personaId], now);
    await applyClaim(tx, task, persona, now);
    if (worktree) attachWorktree(task, queue.tasks, worktree.worktree, worktree.ports, personaId, now.toISOString());
    tx.set('queue', queue);
    touchPersona(persona, now, 'active');
    tx.set('personas', personas);
    return task;
  });
}

/** Records the task's worktree (unless it is the one already recorded) with the lowest free block of ports. */
function attachWorktree(task: Task, tasks: readonly Task[], wt: TaskWorktree, ports: WorktreeConfig['ports'], by: string, at: string): void {
  const current = task.worktree;
  if (current && !current.mergedAt && !current.removedAt && current.path === wt.path && current.branch === wt.branch) return;
  const next: TaskWorktree = { ...wt };
  if (ports) {
    const used = new Set(tasks.filter((t) => t.worktree?.portBase && !t.worktree.mergedAt && !t.worktree.removedAt).map((t) => t.worktree!.portBase));
    for (let base = ports.from; base + ports.size - 1 <= 65535; base += ports.size) {
      if (!used.has(base)) {
        next.portBase = base;
        break;
      }
    }
  }
  task.worktree = next;
  record(task, by, 'worktree', task.status, at, `worktree ${wt.path} on ${wt.branch} (from ${wt.base})${next.portBase ? `, ports ${next.portBase}–${next.portBase + ports!.size - 1}` : ''}`);
}

/** The claim itself; claiming a task handed to the persona acknowledges the handoff, in the task and its document. */
async function applyClaim(tx: Transaction, task: Task, persona: Persona, now: Date): Promise<void> {
  const at = now.toISOString();
  if (task.status === 'handed_off' && task.handoff) {
    task.handoff.acknowledgedAt = at;
    record(task, persona.id, 'acknowledged', 'handed_off', at, `handoff ${task.handoff.document}`);
    const doc = await tx.readText(task.handoff.document);
    if (doc !== undefined) tx.writeText(task.handoff.document, acknowledgeHandoff(doc, persona.id, now));
  }
  transition(task, 'claimed', persona.id, 'claimed', at);
  task.assignee = persona.id;
}

/** start, complete or fail: only by the assignee, within its skills. */
export async function changeAssigned(
  ctx: FederationContext,
  taskId: string,
  personaId: string,
  step: 'start' | 'complete' | 'fail',
  action: TaskEvent['action'],
  note?: string,
  mutate?: (t: Task) => void,
): Promise<Task> {
  return ctx.store.transaction(async (tx) => {
    const personas = await tx.get('personas');
    const persona = requirePersona(personas.personas, personaId);
    const queue = await tx.get('queue');
    const task = editTask(queue.tasks, taskId);
    requireScope(persona, task, step);
    if (task.assignee !== personaId) {
      throw new FederationError('not-assignee', `${taskId} is assigned to ${task.assignee ?? 'nobody'}, not ${personaId}.`, { task: taskId, assignee: task.assignee, persona: personaId });
    }
    const to = TASK_TRANSITIONS[step].to;
    if (!canTransition(step, task.status)) throw transitionError(task, to);
    mutate?.(task);
    const now = ctx.clock.now();
    transition(task, to, personaId, action, now.toISOString(), note);
    tx.set('queue', queue);
    touchPersona(persona, now, to === 'in_progress' ? 'active' : undefined);
    tx.set('personas', personas);
    return task;
  });
}

export async function completeTask(ctx: FederationContext, taskId: string, personaId: string, note?: string, usage?: Usage): Promise<Task> {
  const checked = usage === undefined ? undefined : checkUsage(usage);
  return changeAssigned(ctx, taskId, personaId, 'complete', 'completed', note, (t) => {
    if (checked) recordUsage(t, personaId, 'completed', checked, ctx.clock.now());
  });
}

export async function failTask(ctx: FederationContext, taskId: string, personaId: string, reason: string, usage?: Usage): Promise<Task> {
  if (!reason.trim()) throw new FederationError('invalid-input', 'Failing a task needs a reason.', { field: 'reason' });
  const checked = usage === undefined ? undefined : checkUsage(usage);
  return changeAssigned(ctx, taskId, personaId, 'fail', 'failed', reason, (t) => {
    t.failureReason = reason;
    if (checked) recordUsage(t, personaId, 'failed', checked, ctx.clock.now());
  });
}

/** Usage as given (a flag, a tool argument, a report): refused with the field when it breaks the schema or is empty. */
export function checkUsage(usage: unknown): Usage {
  const parsed = UsageSchema.safeParse(usage);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.map(String).join('.');
    const field = at ? `usage.${at}` : 'usage';
    const unknown = issue && 'keys' in issue && Array.isArray(issue.keys) ? ` (unknown: ${issue.keys.join(', ')})` : '';
    throw new FederationError('invalid-input', `${field}: ${issue?.message ?? 'invalid'}${unknown}; usage takes model, inputTokens, outputTokens, costUsd, wallSeconds.`, { field });
  }
  if (Object.keys(parsed.data).length === 0) throw new FederationError('invalid-input', 'usage names nothing (model, inputTokens, outputTokens, costUsd, wallSeconds).', { field: 'usage' });
  return parsed.data;
}

/** The attempt is the claim it ends: the number of claims in the task's history so far. */
function recordUsage(task: Task, by: string, outcome: UsageRecord['outcome'], usage: Usage, now: Date): void {
  const attempt = Math.max(1, task.history.filter((e) => e.action === 'claimed').length);
  (task.usage ??= []).push({ attempt, by, at: now.toISOString(), outcome, usage });
}

export async function cancelTask(ctx: FederationContext, taskId: string, by: string, reason?: string): Promise<Task> {
  return ctx.store.transaction(async (tx) => {
    const queue = await tx.get('queue');
    const task = editTask(queue.tasks, taskId);
    if (!canTransition('cancel', task.status)) throw transitionError(task, 'cancelled');
    transition(task, 'cancelled', by, 'cancelled', ctx.clock.now().toISOString(), reason);
    tx.set('queue', queue);
    return task;
  });
}

/** Puts a failed or cancelled task back in the queue, unassigned (its history is kept). */
export async function requeueTask(ctx: FederationContext, taskId: string, by: string, note?: string): Promise<Task> {
  return ctx.store.transaction(async (tx) => {
    const queue = await tx.get('queue');
    const task = editTask(queue.tasks, taskId);
    if (!canTransition('requeue', task.status)) throw transitionError(task, 'queued');
    transition(task, 'queued', by, 'requeued', ctx.clock.now().toISOString(), note);
    task.assignee = null;
    delete task.failureReason;
    delete task.handoff;
    tx.set('queue', queue);
    return task;
  });
}

/**
 * Replaces the dependencies of a task that is not done yet (an empty list removes them all). The new edges are
 * checked as addTask checks them: unknown ids and cycles are refused and nothing changes.
 */
export async function setDependencies(ctx: FederationContext, taskId: string, dependsOn: string[], by: string): Promise<Task> {
  return ctx.store.transaction(async (tx) => {
    const queue = await tx.get('queue');
    const task = editTask(queue.tasks, taskId);
    if (task.status === 'done') {
      throw new FederationError('invalid-transition', `${taskId} is done; its dependencies no longer matter.`, { task: taskId, status: task.status });
    }
    const ids = checkDependencies(queue.tasks, taskId, dependsOn);
    const before = task.dependsOn ?? [];
    if (ids.length) task.dependsOn = ids;
    else delete task.dependsOn;
    const at = ctx.clock.now().toISOString();
    record(task, by, 'dependencies', task.status, at, ids.length ? `depends on ${ids.join(', ')}` : `no dependencies (was ${before.join(', ') || 'none'})`);
    task.updatedAt = at;
    tx.set('queue', queue);
    return task;
  });
}
