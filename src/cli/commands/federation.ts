// `federation init | persona | task | lock | artifact`: the shared-state commands, over the same core as the extension.
import { FederationError } from '../../core/errors';
import { Federation, RouteResult, StatusIndex, blockersOf, describeBlockers, effectiveStatus, statusIndex } from '../../core/federation';
import { PERSONA_RUNTIMES, ResourceLock, TASK_STATUSES, Task } from '../../core/federation/state/schemas';
import { boolFlag, choiceFlag, defineCommand, intFlag, listFlag, positional, stringFlag } from '../args';
import { printable } from '../printable';
import { CliCommand, CliContext, EXIT, UsageError } from '../types';
import { taskDiff, taskMerge } from './worktree';

function open(ctx: CliContext): Federation {
  return ctx.services.federation();
}

/** For reads: the store reads a missing file as empty state, so without this a folder with no federation lists nothing. */
async function requireInitialized(fed: Federation): Promise<void> {
  if (!(await fed.isInitialized())) throw new FederationError('not-initialized', `No federation in ${fed.root}: run "federation init" first.`, { root: fed.root });
}

/** One task on one line; with the queue's status index, a queued task that waits says for what. */
function taskLine(t: Task, index?: StatusIndex): string {
  const who = t.assignee ? ` @${t.assignee}` : '';
  const skills = t.skills.length ? ` [${t.skills.join(',')}]` : '';
  const blockers = index && t.status === 'queued' ? blockersOf(t, index) : [];
  const waits = blockers.length ? ` (blocked by ${describeBlockers(blockers)})` : t.dependsOn?.length ? ` (after ${t.dependsOn.join(',')})` : '';
  return printable(`${t.id.padEnd(6)} P${t.priority} ${t.status.padEnd(11)} ${t.title}${skills}${who}${waits}`, { oneLine: true });
}

/** A task as --json shows it: dependsOn always present, so scripts need not tell "none" from "absent". */
function taskJson(t: Task): Task & { dependsOn: string[] } {
  return { ...t, dependsOn: t.dependsOn ?? [] };
}

function lockLine(l: ResourceLock & { expired: boolean }): string {
  return printable(`${l.resource.padEnd(20)} ${l.holder.padEnd(12)} ${l.task ?? '-'} until ${l.expiresAt}${l.expired ? ' (expired)' : ''} ${l.host}/${l.pid}`, { oneLine: true });
}

export const initCommand: CliCommand = defineCommand('init', { '': { usage: '' } }, async (ctx) => {
  const created = await open(ctx).init();
  ctx.print({ root: ctx.root, created }, () => (created.length ? `Initialized .federation/ (created ${created.join(', ')})` : '.federation/ is already complete; nothing changed'));
  return EXIT.ok;
});

export const personaCommand: CliCommand = defineCommand(
  'persona',
  {
    register: { usage: `ID --skills a,b [--name "Display Name"] [--runs-in ${PERSONA_RUNTIMES.join('|')}]`, words: ['ID'], flags: { skills: 'list', name: 'value', 'runs-in': PERSONA_RUNTIMES } },
    list: { usage: '' },
    heartbeat: { usage: 'ID', words: ['ID'] },
  },
  async (ctx, args) => {
    const fed = open(ctx);
    const sub = positional(args, 0, 'a persona subcommand (register, list, heartbeat)');
    if (sub === 'register') {
      const runsIn = choiceFlag(args, 'runs-in', PERSONA_RUNTIMES);
      const name = stringFlag(args, 'name');
      const result = await fed.registerPersona({
        id: positional(args, 1, 'persona id'),
        skills: listFlag(args, 'skills'),
        ...(name ? { displayName: name } : {}),
        ...(runsIn ? { runsIn } : {}),
      });
      ctx.print(result, () => `${result.created ? 'Registered' : 'Updated'} ${result.persona.id} (skills: ${result.persona.skills.join(', ') || 'none'})`);
      return EXIT.ok;
    }
    if (sub === 'list') {
      await requireInitialized(fed);
      const offlineMs = (await fed.config()).heartbeat.offlineAfterSeconds * 1000;
      const now = new Date();
      const personas = (await fed.listPersonas()).map((p) => ({ ...p, effectiveStatus: effectiveStatus(p, now, offlineMs) }));
      ctx.print({ personas }, () => personas.map((p) => printable(`${p.id.padEnd(14)} ${p.effectiveStatus.padEnd(8)} ${p.skills.join(',')}`, { oneLine: true })).join('\n') || 'No personas registered.');
      return EXIT.ok;
    }
    if (sub === 'heartbeat') {
      const persona = await fed.heartbeat(positional(args, 1, 'persona id'));
      ctx.print({ persona }, () => `${persona.id} heartbeat at ${persona.lastHeartbeat}`);
      return EXIT.ok;
    }
    throw new UsageError(`unknown persona subcommand "${sub}"`);
  },
);

export const taskCommand: CliCommand = defineCommand(
  'task',
  {
    add: {
      usage: 'TITLE [--priority N] [--skills a,b] [--depends-on T3,T4] [--description TEXT] [--by WHO]',
      words: ['TITLE...'],
      flags: { priority: 'value', skills: 'list', 'depends-on': 'list', description: 'value', by: 'value' },
    },
    list: { usage: `[--status ${TASK_STATUSES.join('|')}]`, flags: { status: TASK_STATUSES } },
    claim: { usage: '--persona ID', flags: { persona: 'value' } },
    start: { usage: 'ID --persona ID', words: ['ID'], flags: { persona: 'value' } },
    complete: { usage: 'ID --persona ID [--note TEXT] [--usage model=M,inputTokens=N,outputTokens=N,costUsd=X,wallSeconds=S]', words: ['ID'], flags: { persona: 'value', note: 'value', usage: 'value' } },
    fail: { usage: 'ID --persona ID --reason TEXT [--usage …]', words: ['ID'], flags: { persona: 'value', reason: 'value', usage: 'value' } },
    cancel: { usage: 'ID [--by WHO] [--reason TEXT]', words: ['ID'], flags: { by: 'value', reason: 'value' } },
    requeue: { usage: 'ID [--by WHO] [--note TEXT]', words: ['ID'], flags: { by: 'value', note: 'value' } },
    // Replaces the task's dependencies; --on '' removes them all.
    depend: { usage: 'ID --on T3,T4 [--by WHO]', words: ['ID'], flags: { on: 'list', by: 'value' } },
    // The task's branch (worktrees.enabled): its changes against the base, and the merge into it.
    diff: { usage: 'ID [--stat]', words: ['ID'], flags: { stat: 'bool' } },
    // --pr: push the branch and open a GitHub pull request instead (the worktree stays).
    merge: {
      usage: 'ID [--by WHO] [--pr [--remote NAME] [--repo OWNER/REPO] [--api-url URL] [--draft]]   (--pr token: $GITHUB_TOKEN)',
      words: ['ID'],
      flags: { by: 'value', pr: 'bool', remote: 'value', repo: 'value', 'api-url': 'value', draft: 'bool' },
    },
    // Its events, and on NATS every committed version from the event stream.
    history: { usage: 'ID', words: ['ID'] },
    handoff: {
      usage: 'ID --from A --to B [--context TEXT] [--done X]... [--next X]... [--files a,b]',
      words: ['ID'],
      flags: { from: 'value', to: 'value', context: 'value', done: 'list', next: 'list', files: 'list' },
    },
  },
  async (ctx, args) => {
    const fed = open(ctx);
    const sub = positional(args, 0, 'a task subcommand');
    const one = (task: Task) => {
      ctx.print({ task: taskJson(task) }, () => taskLine(task));
      return EXIT.ok;
    };
    switch (sub) {
      case 'add': {
        const description = stringFlag(args, 'description');
        return one(
          await fed.addTask({
            title: args.positionals.slice(1).join(' ') || positional(args, 1, 'task title'),
            priority: intFlag(args, 'priority') ?? 3,
            skills: listFlag(args, 'skills'),
            dependsOn: listFlag(args, 'depends-on'),
            by: stringFlag(args, 'by') ?? 'cli',
            ...(description !== undefined ? { description } : {}),
          }),
        );
      }
      case 'list': {
        await requireInitialized(fed);
        const status = choiceFlag(args, 'status', TASK_STATUSES);
        const all = await fed.listTasks();
        // One index for the whole list: a blocked task's blockers are lookups, not scans of the queue.
        const index = statusIndex(all);
        const tasks = all.filter((t) => !status || t.status === status);
        const json = tasks.map((t) => {
          const blockers = t.status === 'queued' ? blockersOf(t, index) : [];
          return blockers.length ? { ...taskJson(t), blockedBy: blockers } : taskJson(t);
        });
        ctx.print({ tasks: json }, () => tasks.map((t) => taskLine(t, index)).join('\n') || 'The queue is empty.');
        return EXIT.ok;
      }
      case 'claim': {
        const result = await fed.claimNext(stringFlag(args, 'persona', true));
        if (!result.task) {
          ctx.print({ task: null, explanation: result.explanation }, () => result.explanation ?? 'Nothing to claim.');
          return EXIT.nothingToDo;
        }
        return one(result.task);
      }
      case 'start':
        return one(await fed.startTask(positional(args, 1, 'task id'), stringFlag(args, 'persona', true)));
      case 'complete':
        return one(await fed.completeTask(positional(args, 1, 'task id'), stringFlag(args, 'persona', true), stringFlag(args, 'note'), usageFlag(args)));
      case 'fail':
        return one(await fed.failTask(positional(args, 1, 'task id'), stringFlag(args, 'persona', true), stringFlag(args, 'reason', true), usageFlag(args)));
      case 'cancel':
        return one(await fed.cancelTask(positional(args, 1, 'task id'), stringFlag(args, 'by') ?? 'cli', stringFlag(args, 'reason')));
      case 'requeue':
        return one(await fed.requeueTask(positional(args, 1, 'task id'), stringFlag(args, 'by') ?? 'cli', stringFlag(args, 'note')));
      case 'depend':
        stringFlag(args, 'on', true);
        return one(await fed.setDependencies(positional(args, 1, 'task id'), listFlag(args, 'on'), stringFlag(args, 'by') ?? 'cli'));
      case 'history': {
        await requireInitialized(fed);
        const h = await fed.taskHistory(positional(args, 1, 'task id'));
        const events = h.task.history.map((e) => printable(`${e.at} ${e.action.padEnd(12)} ${e.by} ${e.from ?? '-'} → ${e.to}${e.note ? ` (${e.note})` : ''}`, { oneLine: true }));
        const commits = (h.commits ?? []).map((c) => printable(`#${String(c.seq).padEnd(7)} ${c.at} ${c.task ? `${c.task.status}${c.task.assignee ? ` @${c.task.assignee}` : ''}` : 'removed'}`, { oneLine: true }));
        ctx.print({ task: h.task.id, events: h.task.history, ...(h.commits ? { commits: h.commits.map((c) => ({ seq: c.seq, at: c.at, status: c.task?.status ?? null, assignee: c.task?.assignee ?? null })) } : {}) }, () =>
          [`${h.task.id}: ${h.task.title}`, ...events, ...(commits.length ? ['', 'Commits in the event stream:', ...commits] : [])].join('\n'),
        );
        return EXIT.ok;
      }
      case 'diff':
        return taskDiff(ctx, args);
      case 'merge':
        return taskMerge(ctx, args);
      case 'handoff': {
        const context = stringFlag(args, 'context');
        const result = await fed.handoff(positional(args, 1, 'task id'), {
          from: stringFlag(args, 'from', true),
          to: stringFlag(args, 'to', true),
          ...(context !== undefined ? { context } : {}),
          done: listFlagRaw(args, 'done'),
          nextSteps: listFlagRaw(args, 'next'),
          files: listFlag(args, 'files'),
        });
        ctx.print({ ...result, task: taskJson(result.task) }, () => `${taskLine(result.task)}\nHandoff written to .federation/${result.document}`);
        return EXIT.ok;
      }
      default:
        throw new UsageError(`unknown task subcommand "${sub}"`);
    }
  },
);

const USAGE_NUMBERS = new Set(['inputTokens', 'outputTokens', 'costUsd', 'wallSeconds']);

/**
 * --usage as `key=value,…` (model, inputTokens, outputTokens, costUsd, wallSeconds) or a JSON object; the core
 * checks the values (checkUsage), this only splits the words.
 */
function usageFlag(args: Parameters<CliCommand['run']>[1]): Record<string, unknown> | undefined {
  const text = stringFlag(args, 'usage');
  if (text === undefined) return undefined;
  if (text.trim().startsWith('{')) {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new UsageError(`--usage is not valid JSON: ${text}`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UsageError(`--usage takes key=value pairs (model, inputTokens, outputTokens, costUsd, wallSeconds); got "${part}"`);
    const [key, value] = [part.slice(0, eq), part.slice(eq + 1)];
    out[key] = USAGE_NUMBERS.has(key) && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  return out;
}

/** Repeatable free-text flags (--done, --next) keep their commas. */
function listFlagRaw(args: Parameters<CliCommand['run']>[1], name: string): string[] {
  const v = args.flags.get(name);
  if (v === undefined || v === true) return [];
  return Array.isArray(v) ? v : [String(v)];
}

export const lockCommand: CliCommand = defineCommand(
  'lock',
  {
    acquire: { usage: 'RESOURCE --persona ID [--task ID] [--ttl MINUTES]', words: ['RESOURCE'], flags: { persona: 'value', task: 'value', ttl: 'value' } },
    release: { usage: 'RESOURCE --persona ID [--force]', words: ['RESOURCE'], flags: { persona: 'value', force: 'bool' } },
    list: { usage: '' },
  },
  async (ctx, args) => {
    const fed = open(ctx);
    const sub = positional(args, 0, 'a lock subcommand (acquire, release, list)');
    if (sub === 'acquire') {
      const task = stringFlag(args, 'task');
      const ttl = intFlag(args, 'ttl');
      const result = await fed.acquireLock(positional(args, 1, 'resource name'), stringFlag(args, 'persona', true), {
        ...(task ? { task } : {}),
        ...(ttl !== undefined ? { ttlMinutes: ttl } : {}),
      });
      ctx.print(result, () => `Locked ${result.lock.resource} for ${result.lock.holder} until ${result.lock.expiresAt}${result.recovered ? ` (recovered from ${result.recovered.holder}, expired)` : ''}`);
      return EXIT.ok;
    }
    if (sub === 'release') {
      const released = await fed.releaseLock(positional(args, 1, 'resource name'), stringFlag(args, 'persona', true), { force: boolFlag(args, 'force') });
      ctx.print({ released }, () => ('corrupt' in released ? `Removed the unreadable lock file ${released.file} (a copy is kept at ${released.keptCopy})` : `Released ${released.resource}`));
      return EXIT.ok;
    }
    if (sub === 'list') {
      await requireInitialized(fed);
      const now = new Date();
      const read = await fed.inspectLocks();
      const locks = read.locks.map((l) => ({ ...l, expired: fed.isExpired(l, now) }));
      const problems = read.problems.map((p) => `unreadable lock file: ${p.message}`);
      ctx.print({ locks, problems: read.problems }, () => [...locks.map(lockLine), ...problems].join('\n') || 'No resource locks are held.');
      return EXIT.ok;
    }
    throw new UsageError(`unknown lock subcommand "${sub}"`);
  },
);

export const artifactCommand: CliCommand = defineCommand('artifact', { route: { usage: 'FILE...', words: ['FILE...'] } }, async (ctx, args) => {
  const fed = open(ctx);
  const routed: RouteResult[] = [];
  for (const f of args.positionals.slice(1)) routed.push(await fed.routeArtifact(f));
  ctx.print({ routed }, () => routed.map((r) => printable(r.moved ? `${r.from} -> ${r.to} (${r.kind})` : `${r.from} is already in place (${r.kind})`, { oneLine: true })).join('\n'));
  return EXIT.ok;
});
