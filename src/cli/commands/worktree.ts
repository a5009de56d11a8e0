// `federation worktree list|rm|prune` and `task diff|merge`: the task worktrees (worktrees.enabled in config.yaml),
// over the same WorktreeService as the Task Queue's review actions and the MCP server.
import type { TaskWorktreeInfo } from '../../core/worktrees/service';
import { boolFlag, defineCommand, positional, stringFlag } from '../args';
import { printable } from '../printable';
import { CliCommand, CliContext, EXIT, ParsedArgs, UsageError } from '../types';
import { GithubPulls } from '../../core/matrix/githubPulls';
import { githubClient } from './matrixGithub';

/** "federation/T3-x  +2 −1  3 uncommitted": what a worktree holds against its base. */
export function worktreeState(w: Pick<TaskWorktreeInfo, 'status'>): string {
  const s = w.status;
  if (!s.exists) return 'missing';
  const parts = [`+${s.ahead} −${s.behind}`];
  if (s.dirtyCount) parts.push(`${s.dirtyCount} uncommitted`);
  return parts.join('  ');
}

export const worktreeCommand: CliCommand = defineCommand(
  'worktree',
  {
    list: { usage: '' },
    rm: { usage: 'TASK [--force] [--by WHO]', words: ['TASK'], flags: { force: 'bool', by: 'value' } },
    prune: { usage: '[--by WHO]', flags: { by: 'value' } },
  },
  async (ctx, args) => {
    const service = ctx.services.worktrees();
    const sub = positional(args, 0, 'a worktree subcommand (list, rm, prune)');
    const by = stringFlag(args, 'by') ?? 'cli';
    if (sub === 'list') {
      const { worktrees, orphans } = await service.list();
      ctx.print({ worktrees, orphans }, () => {
        const lines = worktrees.map((w) =>
          printable(`${w.task.id.padEnd(6)} ${(w.awaitingReview ? 'review' : w.task.status).padEnd(11)} ${w.worktree.branch}  ${worktreeState(w)}  ${w.worktree.path}${w.worktree.pullRequest ? `  PR #${w.worktree.pullRequest.number} ${w.worktree.pullRequest.url}` : ''}`, { oneLine: true }),
        );
        for (const o of orphans) lines.push(printable(`(none) orphan      ${o.branch}  ${o.path}`, { oneLine: true }));
        return lines.join('\n') || 'No task has a worktree.';
      });
      return EXIT.ok;
    }
    if (sub === 'rm') {
      const result = await service.remove(positional(args, 1, 'task id'), { force: boolFlag(args, 'force'), by });
      const wt = result.task.worktree!;
      ctx.print(result, () =>
        `Removed ${result.task.id}'s worktree ${wt.path} and branch ${wt.branch}${result.discardedWork ? ' (its unmerged work was discarded)' : ''}.` +
        (result.task.status === 'failed' && result.discardedWork ? `\n${result.task.id} is failed now ("${result.task.failureReason}"); requeue it to do it again.` : ''),
      );
      return EXIT.ok;
    }
    const result = await service.prune(by);
    ctx.print(result, () =>
      [
        ...result.removed.map((r) => printable(`removed ${r.task ?? '(orphan)'} ${r.path}`, { oneLine: true })),
        ...result.kept.map((k) => printable(`kept    ${k.task ?? '(orphan)'} ${k.path}: ${k.why}`, { oneLine: true })),
      ].join('\n') || 'Nothing to prune.',
    );
    return EXIT.ok;
  },
);

/** `task diff TASK [--stat]`. */
export async function taskDiff(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const { task, diff, uncommitted } = await ctx.services.worktrees().diff(positional(args, 1, 'task id'), { stat: boolFlag(args, 'stat') });
  if (ctx.json) ctx.print({ task: task.id, branch: task.worktree!.branch, base: task.worktree!.base, diff, uncommitted }, () => '');
  else {
    ctx.out(diff);
    if (uncommitted) ctx.err(`${task.id}'s worktree also has ${uncommitted} uncommitted change${uncommitted > 1 ? 's' : ''}, not shown (they are not on the branch yet).`);
  }
  return EXIT.ok;
}

const PR_FLAGS = ['remote', 'repo', 'api-url', 'draft'];

/** `task merge TASK [--by WHO]`, or with --pr: push the branch and open a pull request instead. */
export async function taskMerge(ctx: CliContext, args: ParsedArgs): Promise<number> {
  if (boolFlag(args, 'pr')) return taskPullRequest(ctx, args);
  const stray = PR_FLAGS.find((f) => args.flags.has(f));
  if (stray) throw new UsageError(`--${stray} goes with --pr (a pull request); a merge without --pr is local`);
  const result = await ctx.services.worktrees().merge(positional(args, 1, 'task id'), stringFlag(args, 'by') ?? 'cli');
  const wt = result.task.worktree!;
  ctx.print(result, () => {
    const what = result.merge.nothingToMerge
      ? `${result.task.id}'s branch ${wt.branch} had nothing to merge into ${wt.base}`
      : `Merged ${result.task.id} (${wt.branch}) into ${wt.base}${result.merge.fastForward ? ' (fast-forward)' : ''}: ${result.merge.commit.slice(0, 12)}`;
    return `${what}; its worktree and branch are removed.${result.cleanup ? `\n${result.cleanup}` : ''}`;
  });
  return EXIT.ok;
}

/** `task merge TASK --pr [--remote NAME] [--repo OWNER/REPO] [--api-url URL] [--draft]`: token from $GITHUB_TOKEN. */
async function taskPullRequest(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const taskId = positional(args, 1, 'task id');
  const remote = stringFlag(args, 'remote') ?? 'origin';
  const { api } = await githubClient(ctx, args, remote);
  const result = await ctx.services.worktrees().openPullRequest(taskId, {
    by: stringFlag(args, 'by') ?? 'cli',
    github: new GithubPulls(api),
    remote,
    draft: boolFlag(args, 'draft'),
    onStep: (_step, message) => {
      if (!ctx.json) ctx.err(`${message}…`);
    },
  });
  const { pullRequest: pr, push } = result;
  ctx.print(result, () => {
    const pushed = push.result === 'up-to-date' ? `${push.branch} was up to date on ${push.remote}` : `pushed ${push.branch} to ${push.remote} (${push.commit.slice(0, 12)})`;
    const what = pr.existing ? `${taskId} already has pull request #${pr.number}` : `Opened ${pr.draft ? 'draft ' : ''}pull request #${pr.number} for ${taskId}`;
    return `${what}: ${pr.url}\n${pushed}; its worktree stays for review changes ("task merge ${taskId}" merges it locally).`;
  });
  return EXIT.ok;
}
