// The federation's tools for an agent, bound to one persona: each is a name, a JSON-schema'd input (zod/mini, the
// SDK's own validator) and a call into the application services. Nothing here repeats a sequence of core calls:
// every tool is one service call plus the shaping of its result.
import * as z from 'zod/mini';
import type { BriefChecker } from '../core/agents/briefCheck';
import { summarizeBriefs } from '../core/agents/briefCheck';
import type { Federation } from '../core/federation';
import { effectiveStatus } from '../core/federation';
import { ID_PATTERN, PERSONA_STATUSES, TASK_STATUSES, type Task, type Usage } from '../core/federation/state/schemas';
import { OPERATOR_LEVELS, type OperatorLevel } from '../core/packages';
import type { Clock } from '../core/ports';

export interface ToolContext {
  fed: Federation;
  briefs: BriefChecker;
  persona: string;
  operatorLevel: OperatorLevel;
  clock: Clock;
  /** Resources whose content a tool just changed, so subscribers hear of it without waiting for the watcher. */
  changed(): void;
}

export interface ToolDef {
  name: string;
  title: string;
  description: string;
  /** Read tools are all a --read-only session offers. */
  readOnly: boolean;
  input: Record<string, z.ZodMiniType>;
  run(ctx: ToolContext, args: Record<string, unknown>): Promise<{ text: string; data: Record<string, unknown> }>;
}

/** What an attempt cost; the services check it (checkUsage), this only names the fields for the model. */
const usage = z.optional(
  z.object({
    model: z.optional(z.string()),
    inputTokens: z.optional(z.int().check(z.nonnegative())),
    outputTokens: z.optional(z.int().check(z.nonnegative())),
    costUsd: z.optional(z.number().check(z.nonnegative())),
    wallSeconds: z.optional(z.number().check(z.nonnegative())),
  }),
);
const taskId = z.string().check(z.regex(/^T\d+$/, 'a task id like T12'));
const resource = z.string().check(z.minLength(1), z.maxLength(100));
const text = (max: number) => z.string().check(z.maxLength(max));

/** What an agent needs of a task: no history (get_task gives that). */
function brief(t: Task): Record<string, unknown> {
  return {
    id: t.id, title: t.title, status: t.status, priority: t.priority, skills: t.skills, dependsOn: t.dependsOn ?? [], assignee: t.assignee, description: t.description,
    ...(t.handoff ? { handoff: t.handoff } : {}),
    ...(t.worktree && !t.worktree.mergedAt && !t.worktree.removedAt ? { worktree: t.worktree } : {}),
  };
}

/** What a claim tells the agent: the task, and where to work on it when it has its own worktree. */
function claimed(t: Task): string {
  const wt = t.worktree && !t.worktree.mergedAt && !t.worktree.removedAt ? t.worktree : undefined;
  if (!wt) return `Claimed ${line(t)}`;
  const ports = wt.portBase ? `; your ports start at ${wt.portBase} (FEDERATION_PORT_BASE)` : '';
  return `Claimed ${line(t)}\nWork in its worktree ${wt.path} (branch ${wt.branch}, from ${wt.base})${ports}. Commit your changes there; they are reviewed and merged from the branch, so do not edit the main checkout.`;
}

function line(t: Task): string {
  return `${t.id} [P${t.priority}] ${t.status}${t.assignee ? ` (${t.assignee})` : ''}: ${t.title}`;
}

const OPEN = new Set(['claimed', 'in_progress', 'handed_off']);

export const TOOLS: ToolDef[] = [
  {
    name: 'whoami',
    title: 'Who am I',
    description: 'The persona this session acts as: its skills, status, open tasks and the locks it holds.',
    readOnly: true,
    input: {},
    async run({ fed, persona, clock }) {
      const [personas, tasks, locks, config] = await Promise.all([fed.listPersonas(), fed.listTasks(), fed.listLocks(), fed.config()]);
      const me = personas.find((p) => p.id === persona)!;
      const mine = tasks.filter((t) => t.assignee === persona && OPEN.has(t.status));
      const held = locks.filter((l) => l.holder === persona);
      const status = effectiveStatus(me, clock.now(), config.heartbeat.offlineAfterSeconds * 1000);
      return {
        text: `You are ${me.displayName} (${me.id}), skills ${me.skills.join(', ') || 'none'}; ${mine.length} open task(s), ${held.length} lock(s).`,
        data: { persona: { ...me, status }, openTasks: mine.map(brief), locks: held },
      };
    },
  },
  {
    name: 'list_personas',
    title: 'List personas',
    description: 'Every persona of the federation with its skills and status (to pick whom to hand off to).',
    readOnly: true,
    input: {},
    async run({ fed, clock }) {
      const [personas, config] = await Promise.all([fed.listPersonas(), fed.config()]);
      const out = personas.map((p) => ({ ...p, status: effectiveStatus(p, clock.now(), config.heartbeat.offlineAfterSeconds * 1000) }));
      return { text: out.map((p) => `${p.id} (${p.status}): ${p.skills.join(', ')}`).join('\n') || 'No personas.', data: { personas: out } };
    },
  },
  {
    name: 'list_tasks',
    title: 'List tasks',
    description: 'The task queue, highest priority first. mine: only tasks assigned to this persona; status: only that status.',
    readOnly: true,
    input: { status: z.optional(z.enum(TASK_STATUSES)), mine: z.optional(z.boolean()) },
    async run({ fed, persona }, args) {
      const tasks = (await fed.listTasks()).filter((t) => (args['status'] === undefined || t.status === args['status']) && (!args['mine'] || t.assignee === persona));
      return { text: tasks.map(line).join('\n') || 'No tasks.', data: { tasks: tasks.map(brief) } };
    },
  },
  {
    name: 'get_task',
    title: 'Get a task',
    description: 'One task with its full history (every claim, start, completion, failure and handoff).',
    readOnly: true,
    input: { task: taskId },
    async run({ fed }, args) {
      const task = await fed.getTask(String(args['task']));
      return { text: `${line(task)}\n${task.description}`.trim(), data: { task } };
    },
  },
  {
    name: 'list_locks',
    title: 'List resource locks',
    description: 'The resource locks held now, by whom, for which task, until when.',
    readOnly: true,
    input: {},
    async run({ fed }) {
      const locks = await fed.listLocks();
      return { text: locks.map((l) => `${l.resource}: ${l.holder}${l.task ? ` for ${l.task}` : ''} until ${l.expiresAt}`).join('\n') || 'No locks.', data: { locks } };
    },
  },
  {
    name: 'validate_brief',
    title: 'Validate a mission brief',
    description: 'Checks MISSION_BRIEF files (paths, folders or globs under the workspace) as Deploy Agent will, at the operator level of this session unless one is given.',
    readOnly: true,
    input: { files: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)), operatorLevel: z.optional(z.enum(OPERATOR_LEVELS)) },
    async run({ briefs, operatorLevel }, args) {
      const level = (args['operatorLevel'] as OperatorLevel | undefined) ?? operatorLevel;
      const results = await briefs.check(await briefs.expand(args['files'] as string[]), { operatorLevel: level });
      const summary = summarizeBriefs(results);
      const lines = results.flatMap((r) => [
        ...r.findings.map((f) => `${r.file}:${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.severity} ${f.code} ${f.message}`),
        `${r.file}: ${r.findings.length ? `${r.findings.length} finding(s)` : 'ok'}${r.deploy?.refused ? `; Deploy Agent refuses it at ${level}` : ''}`,
      ]);
      return { text: lines.join('\n'), data: { files: results, summary, operatorLevel: level } };
    },
  },
  {
    name: 'claim_next_task',
    title: 'Claim the next task',
    description: 'Claims the highest-priority ready queued task (every task it depends on done) this persona has the skills for, or one handed off to it. Says why when there is none.',
    readOnly: false,
    input: {},
    async run({ fed, persona, changed }) {
      const r = await fed.claimNext(persona);
      if (r.task) changed();
      return r.task
        ? { text: claimed(r.task), data: { task: brief(r.task) } }
        : { text: r.explanation ?? 'Nothing to claim.', data: { task: null, explanation: r.explanation ?? 'Nothing to claim.' } };
    },
  },
  {
    name: 'claim_task',
    title: 'Claim a task',
    description: 'Claims one named task (it must be queued with every dependency done, or handed off to this persona, and within its skills).',
    readOnly: false,
    input: { task: taskId },
    async run({ fed, persona, changed }, args) {
      const task = await fed.claimTask(String(args['task']), persona);
      changed();
      return { text: claimed(task), data: { task: brief(task) } };
    },
  },
  {
    name: 'start_task',
    title: 'Start a task',
    description: 'Marks a task this persona has claimed as in progress.',
    readOnly: false,
    input: { task: taskId },
    async run({ fed, persona, changed }, args) {
      const task = await fed.startTask(String(args['task']), persona);
      changed();
      return { text: `Started ${line(task)}`, data: { task: brief(task) } };
    },
  },
  {
    name: 'complete_task',
    title: 'Complete a task',
    description: 'Completes a task this persona holds, with a summary of what was done, the files it produced, and what this attempt cost (usage: model, tokens, cost, wall time).',
    readOnly: false,
    input: { task: taskId, summary: z.optional(text(2000)), artifacts: z.optional(z.array(z.string().check(z.minLength(1)))), usage },
    async run({ fed, persona, changed }, args) {
      const artifacts = (args['artifacts'] as string[] | undefined) ?? [];
      const note = [args['summary'] as string | undefined, artifacts.length ? `artifacts: ${artifacts.join(', ')}` : undefined].filter(Boolean).join('\n');
      const task = await fed.completeTask(String(args['task']), persona, note || undefined, args['usage'] as Usage | undefined);
      changed();
      return { text: `Completed ${line(task)}`, data: { task: brief(task), artifacts } };
    },
  },
  {
    name: 'fail_task',
    title: 'Fail a task',
    description: 'Marks a task this persona holds as failed, with the reason (someone may requeue it).',
    readOnly: false,
    input: { task: taskId, reason: text(2000).check(z.minLength(1)), usage },
    async run({ fed, persona, changed }, args) {
      const task = await fed.failTask(String(args['task']), persona, String(args['reason']), args['usage'] as Usage | undefined);
      changed();
      return { text: `Failed ${line(task)}`, data: { task: brief(task) } };
    },
  },
  {
    name: 'hand_off_task',
    title: 'Hand off a task',
    description: 'Hands a task this persona holds to another persona, with a Markdown handoff document: context, what is done, next steps, files.',
    readOnly: false,
    input: {
      task: taskId,
      to: z.string().check(z.regex(ID_PATTERN, 'a persona id')),
      context: z.optional(text(8000)),
      done: z.optional(z.array(text(500))),
      next: z.optional(z.array(text(500))),
      files: z.optional(z.array(text(500))),
    },
    async run({ fed, persona, changed }, args) {
      const { task, document } = await fed.handoff(String(args['task']), {
        from: persona,
        to: String(args['to']),
        ...(args['context'] !== undefined ? { context: args['context'] as string } : {}),
        ...(args['done'] !== undefined ? { done: args['done'] as string[] } : {}),
        ...(args['next'] !== undefined ? { nextSteps: args['next'] as string[] } : {}),
        ...(args['files'] !== undefined ? { files: args['files'] as string[] } : {}),
      });
      changed();
      return { text: `Handed ${task.id} to ${task.assignee}; the handoff is .federation/${document}`, data: { task: brief(task), document: `.federation/${document}` } };
    },
  },
  {
    name: 'acquire_lock',
    title: 'Acquire a resource lock',
    description: 'Takes a named resource lock (a file, a service, a branch) for this persona, optionally for a task; renewed while this session lives.',
    readOnly: false,
    input: { resource, task: z.optional(taskId), ttlMinutes: z.optional(z.number().check(z.positive(), z.lte(24 * 60))) },
    async run({ fed, persona, changed }, args) {
      const r = await fed.acquireLock(String(args['resource']), persona, {
        ...(args['task'] !== undefined ? { task: args['task'] as string } : {}),
        ...(args['ttlMinutes'] !== undefined ? { ttlMinutes: args['ttlMinutes'] as number } : {}),
      });
      changed();
      return { text: `Locked ${r.lock.resource} until ${r.lock.expiresAt}${r.recovered ? ` (taken over from ${r.recovered.holder}, expired)` : ''}`, data: { lock: r.lock, ...(r.recovered ? { recovered: r.recovered } : {}) } };
    },
  },
  {
    name: 'release_lock',
    title: 'Release a resource lock',
    description: 'Releases a resource lock this persona holds.',
    readOnly: false,
    input: { resource },
    async run({ fed, persona, changed }, args) {
      const released = await fed.releaseLock(String(args['resource']), persona);
      changed();
      return { text: `Released ${released.resource}`, data: { released } };
    },
  },
  {
    name: 'route_artifact',
    title: 'Route an artifact',
    description: "Moves a file the agent produced to the folder its kind is routed to by .federation/config.yaml (never overwrites).",
    readOnly: false,
    input: { file: z.string().check(z.minLength(1)) },
    async run({ fed, changed }, args) {
      const r = await fed.routeArtifact(String(args['file']));
      changed();
      return { text: r.moved ? `Moved ${r.from} to ${r.to} (${r.kind})` : `${r.from} is already where ${r.kind} goes`, data: { ...r } };
    },
  },
  {
    name: 'add_task',
    title: 'Add a task',
    description: 'Adds a follow-up task to the queue (created by this persona). dependsOn: ids of tasks it waits for; it can be claimed only once each is done.',
    readOnly: false,
    input: {
      title: z.string().check(z.minLength(1), z.maxLength(200)),
      description: z.optional(text(8000)),
      priority: z.optional(z.int().check(z.gte(1), z.lte(9))),
      skills: z.optional(z.array(z.string())),
      dependsOn: z.optional(z.array(taskId)),
    },
    async run({ fed, persona, changed }, args) {
      const task = await fed.addTask({
        title: String(args['title']),
        by: persona,
        ...(args['description'] !== undefined ? { description: args['description'] as string } : {}),
        ...(args['priority'] !== undefined ? { priority: args['priority'] as number } : {}),
        ...(args['skills'] !== undefined ? { skills: args['skills'] as string[] } : {}),
        ...(args['dependsOn'] !== undefined ? { dependsOn: args['dependsOn'] as string[] } : {}),
      });
      changed();
      return { text: `Added ${line(task)}`, data: { task: brief(task) } };
    },
  },
  {
    name: 'set_status',
    title: 'Set my status',
    description: 'Sets this persona\'s status (active while working, idle when waiting); the session\'s heartbeat keeps it online.',
    readOnly: false,
    input: { status: z.enum(PERSONA_STATUSES.filter((s) => s !== 'offline') as ['active', 'idle']) },
    async run({ fed, persona, changed }, args) {
      const p = await fed.heartbeat(persona, args['status'] as 'active' | 'idle');
      changed();
      return { text: `${p.id} is ${p.status}`, data: { persona: p } };
    },
  },
];
