// A done task's branch as a GitHub pull request (`task merge --pr`, Open Pull Request): pushed to the remote, the
// pull request opened (or the open one found again), and recorded on the task. Nothing is merged and the worktree
// stays, for the review's changes; `task merge` still merges it later. Everything that can refuse does so before
// the push: the task not done, uncommitted changes (unsaved-work), no commits, no such remote, no token or one
// GitHub refuses. The push is never forced: a branch that moved on the remote is git's refusal, said as such.
import { FederationError, isFederationError } from '../errors';
import type { Federation } from '../federation/service';
import type { Task, TaskEvent, TaskWorktree } from '../federation/state/schemas';
import { GitPort, git } from './git';

export interface PullRequestInfo {
  number: number;
  /** The pull request's page (html_url). */
  url: string;
  state: string;
  draft: boolean;
  /** Branch names. */
  head: string;
  base: string;
}

export interface NewPullRequest {
  /** The branch, in the repository itself. */
  head: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
}

/** The GitHub side (matrix/githubPulls.ts over the matrix's client), bound to the repository. */
export interface PullRequestHost {
  readonly owner: string;
  readonly repo: string;
  /** Resolves when there is a token and GitHub lets it see the repository; github-auth or not-found otherwise. */
  checkAccess(signal?: AbortSignal): Promise<void>;
  /** Opens it; GitHub's refusals (422: one exists already, no commits, no such base) are invalid-input. */
  create(pr: NewPullRequest, signal?: AbortSignal): Promise<PullRequestInfo>;
  /** The open pull request from this branch into base, if any. */
  findOpen(head: string, base: string, signal?: AbortSignal): Promise<PullRequestInfo | undefined>;
}

export interface OpenPullRequestOptions {
  by: string;
  github: PullRequestHost;
  /** The git remote the branch is pushed to (default origin); it must be the GitHub repository. */
  remote?: string;
  draft?: boolean;
  signal?: AbortSignal;
  /** Told as each step begins (the editor's progress notification). */
  onStep?: (step: 'checking' | 'pushing' | 'opening', message: string) => void;
}

export interface PushOutcome {
  remote: string;
  branch: string;
  commit: string;
  /** What the remote's branch did: made, moved on (fast-forward), or already there. */
  result: 'created' | 'updated' | 'up-to-date';
}

export interface PullRequestOutcome {
  task: Task;
  /** existing: GitHub already had an open one for the branch (a second `--pr`); that one is recorded. */
  pullRequest: PullRequestInfo & { existing: boolean };
  push: PushOutcome;
}

const HISTORY_LINES = 50;
const DESCRIPTION_CHARS = 20_000;

/** Pushes the branch and opens (or finds) the pull request; the caller has found the task and its live worktree. */
export async function openPullRequest(fed: Federation, port: GitPort, task: Task, wt: TaskWorktree, options: OpenPullRequestOptions): Promise<PullRequestOutcome> {
  const { github, signal } = options;
  const remote = options.remote ?? 'origin';
  const step = options.onStep ?? (() => undefined);
  if (task.status !== 'done') {
    throw new FederationError('invalid-transition', `${task.id} is ${task.status}; a task's branch goes to a pull request once the task is done.`, { task: task.id, status: task.status });
  }
  step('checking', `Checking ${task.id}'s worktree`);
  const manager = fed.worktrees();
  const st = await manager.status(wt);
  if (!st.branchExists) throw new FederationError('not-found', `${task.id}'s branch ${wt.branch} does not exist any more.`, { task: task.id, branch: wt.branch });
  if (st.dirtyCount) {
    throw new FederationError(
      'unsaved-work',
      `${task.id}'s worktree has ${st.dirtyCount} uncommitted change${st.dirtyCount > 1 ? 's' : ''} (${st.dirty.slice(0, 5).join(', ')}), which a pull request would not carry; commit or discard them first. Nothing was pushed.`,
      { task: task.id, dirty: st.dirty },
    );
  }
  if (!st.ahead) {
    throw new FederationError('invalid-input', `${task.id}'s branch ${wt.branch} has no commits that ${wt.base} lacks: there is nothing for a pull request.`, { task: task.id, branch: wt.branch, base: wt.base });
  }
  const { top } = await manager.repo();
  const url = await port.run(['config', '--get', `remote.${remote}.url`], { cwd: top });
  if (url.code !== 0) {
    throw new FederationError('not-found', `The repository has no git remote "${remote}" to push ${wt.branch} to; add it, or name another with --remote.`, { remote });
  }
  // Before the push: a missing or refused token must not leave a pushed branch with no pull request.
  step('checking', `Checking access to ${github.owner}/${github.repo}`);
  await github.checkAccess(signal);
  step('pushing', `Pushing ${wt.branch} to ${remote}`);
  const push = await pushBranch(port, top, remote, wt.branch, signal);
  step('opening', `Opening the pull request on ${github.owner}/${github.repo}`);
  const pr = { head: wt.branch, base: wt.base, title: task.title, body: pullRequestBody(task, wt, st.ahead), draft: options.draft ?? false };
  let opened: PullRequestInfo & { existing: boolean };
  try {
    opened = { ...(await github.create(pr, signal)), existing: false };
  } catch (e) {
    // GitHub answers 422 when one is open for the branch already (a second --pr, after review changes): that one.
    if (!isFederationError(e, 'invalid-input')) throw e;
    const found = await github.findOpen(wt.branch, wt.base, signal);
    if (!found) throw e;
    opened = { ...found, existing: true };
  }
  const same = wt.pullRequest?.number === opened.number && wt.pullRequest.url === opened.url;
  const recorded = same ? task : await fed.recordPullRequest(task.id, wt.branch, { url: opened.url, number: opened.number, by: options.by });
  return { task: recorded, pullRequest: opened, push };
}

/** `git push` of the one branch, under its own name, never forced; a refusal is a git-error saying what git said. */
async function pushBranch(port: GitPort, top: string, remote: string, branch: string, signal: AbortSignal | undefined): Promise<PushOutcome> {
  const ref = `refs/heads/${branch}`;
  const commit = (await git(port, top, ['rev-parse', '--verify', ref])).trim();
  const args = ['push', '--porcelain', remote, `${ref}:${ref}`];
  const r = await port.run(args, { cwd: top, ...(signal ? { signal } : {}) });
  // --porcelain: one line per ref, "<flag>\t<from>:<to>\t<summary>"; "!" is a refusal.
  const line = r.stdout.split('\n').find((l) => l.includes(`\t${ref}:${ref}\t`));
  const flag = line?.[0];
  if (r.code !== 0 || !line || flag === '!') {
    const summary = line?.split('\t')[2]?.trim();
    const said = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ');
    throw new FederationError(
      'git-error',
      `${remote} refused the push of ${branch}${summary ? ` ${summary}` : ''}: ${said || `exit ${r.code}`}. Nothing is forced: bring the branch up to date with ${remote}'s (fetch, then merge or rebase in the worktree) and try again.`,
      { command: ['git', ...args].join(' '), code: r.code, stderr: r.stderr.trim().slice(0, 2000), remote, branch },
    );
  }
  return { remote, branch, commit, result: flag === '*' ? 'created' : flag === '=' ? 'up-to-date' : 'updated' };
}

/** A fence longer than any run of backticks in the text, so the text cannot close it. */
function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}

function historyLine(e: TaskEvent): string {
  const when = e.at.slice(0, 16).replace('T', ' ');
  return `${when}  ${e.action.padEnd(12)} ${e.by}${e.note ? `: ${e.note.replace(/\s+/g, ' ')}` : ''}`;
}

/**
 * The task id, its description (markdown, as written), its history (in a code block: notes are agents' plain text,
 * and there an @name mentions nobody) and where the pull request came from.
 */
export function pullRequestBody(task: Task, wt: TaskWorktree, ahead: number): string {
  const parts = [`Task **${task.id}**: ${task.title}`];
  const description = task.description.trim();
  if (description) parts.push(description.length > DESCRIPTION_CHARS ? `${description.slice(0, DESCRIPTION_CHARS)}\n\n…(cut)` : description);
  const events = task.history.slice(-HISTORY_LINES);
  if (events.length) {
    const skipped = task.history.length - events.length;
    parts.push(`History${skipped ? ` (the last ${events.length} of ${task.history.length} events)` : ''}:\n\n${fenced(events.map(historyLine).join('\n'))}`);
  }
  parts.push(`---\nOpened by Agent Federation from the task's branch \`${wt.branch}\` (${ahead} commit${ahead > 1 ? 's' : ''} ahead of \`${wt.base}\`).`);
  return parts.join('\n\n');
}
