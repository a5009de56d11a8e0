// Reviewing and merging a task's branch with git alone: what changed since it left its base, whether it would
// conflict (git merge-tree, which touches nothing), and the merge itself — a fast-forward when the base has not
// moved, else a merge commit. When the base is checked out somewhere (usually the main checkout) the merge runs
// there, so that checkout's files follow; otherwise only the branch ref moves, checked against its old value.
import { FederationError } from '../errors';
import type { TaskWorktree } from '../federation/state/schemas';
import { GitPort, git, gitError, zLines } from './git';
import type { WorktreeManager } from './manager';

export interface ChangedFile {
  /** A (added), M (modified), D (deleted), R (renamed), T (type changed). */
  status: 'A' | 'M' | 'D' | 'R' | 'T';
  path: string;
  /** The name before a rename. */
  oldPath?: string;
}

export interface TaskChanges {
  /** The commit the branch left its base at: the left side of every diff. */
  mergeBase: string;
  /** What the worktree holds against it, uncommitted changes and new files included. */
  files: ChangedFile[];
}

export interface MergeOutcome {
  /** The base branch's commit afterwards. */
  commit: string;
  fastForward: boolean;
  /** The branch had no commits its base lacked. */
  nothingToMerge: boolean;
}

export class Review {
  constructor(
    private readonly git: GitPort,
    private readonly manager: WorktreeManager,
  ) {}

  private async top(): Promise<string> {
    return (await this.manager.repo()).top;
  }

  async mergeBase(wt: TaskWorktree): Promise<string> {
    return (await git(this.git, await this.top(), ['merge-base', wt.base, wt.branch])).trim();
  }

  /** The branch against its base (from where it left it), as `git diff` prints it; `stat` for the summary. */
  async diff(wt: TaskWorktree, options: { stat?: boolean } = {}): Promise<string> {
    const base = await this.mergeBase(wt);
    return git(this.git, await this.top(), ['diff', '--no-color', ...(options.stat ? ['--stat'] : []), base, wt.branch]);
  }

  /** The files a reviewer looks at: the worktree (commits, uncommitted changes, new files) against the merge base. */
  async changes(wt: TaskWorktree): Promise<TaskChanges> {
    const mergeBase = await this.mergeBase(wt);
    const out = await git(this.git, wt.path, ['diff', '--name-status', '-z', '-M', mergeBase]);
    const parts = zLines(out);
    const files: ChangedFile[] = [];
    for (let i = 0; i < parts.length; i++) {
      const code = parts[i]![0] as ChangedFile['status'];
      if (code === 'R') {
        files.push({ status: 'R', oldPath: parts[i + 1]!, path: parts[i + 2]! });
        i += 2;
      } else {
        files.push({ status: code, path: parts[i + 1]! });
        i += 1;
      }
    }
    const untracked = zLines(await git(this.git, wt.path, ['ls-files', '-z', '--others', '--exclude-standard']));
    for (const p of untracked) files.push({ status: 'A', path: p });
    files.sort((a, b) => a.path.localeCompare(b.path));
    return { mergeBase, files };
  }

  /** The files a merge of the branch into its base would leave in conflict; empty when it merges cleanly. */
  async conflicts(wt: TaskWorktree): Promise<string[]> {
    const args = ['merge-tree', '--write-tree', '--name-only', '--no-messages', wt.base, wt.branch];
    const r = await this.git.run(args, { cwd: await this.top() });
    if (r.code === 0) return [];
    if (r.code === 1) return r.stdout.trim().split('\n').slice(1).filter(Boolean);
    throw gitError(args, r);
  }

  /**
   * Merges the branch into its base. Refuses with merge-conflict (the files listed) before changing anything; a
   * checkout of the base with local changes in the way is git's refusal, with nothing changed either.
   */
  async merge(taskId: string, title: string, wt: TaskWorktree): Promise<MergeOutcome> {
    const top = await this.top();
    const baseSha = (await git(this.git, top, ['rev-parse', '--verify', `refs/heads/${wt.base}`])).trim();
    const branchSha = (await git(this.git, top, ['rev-parse', '--verify', `refs/heads/${wt.branch}`])).trim();
    if ((await this.git.run(['merge-base', '--is-ancestor', branchSha, baseSha], { cwd: top })).code === 0) {
      return { commit: baseSha, fastForward: false, nothingToMerge: true };
    }
    const files = await this.conflicts(wt);
    if (files.length) {
      throw new FederationError('merge-conflict', `Merging ${taskId} (${wt.branch}) into ${wt.base} would conflict in ${files.join(', ')}; nothing was changed. Rebase or merge ${wt.base} into the task's branch in its worktree, then try again.`, {
        task: taskId,
        files,
      });
    }
    const fastForward = (await this.git.run(['merge-base', '--is-ancestor', baseSha, branchSha], { cwd: top })).code === 0;
    const message = `Merge task ${taskId}: ${title}\n\nBranch ${wt.branch}, merged by Agent Federation.`;
    const checkout = (await this.manager.list()).find((e) => e.branch === wt.base && !e.prunable);
    if (checkout) {
      const args = fastForward ? ['merge', '--ff-only', '--quiet', wt.branch] : ['merge', '--no-ff', '--quiet', '-m', message, wt.branch];
      const r = await this.git.run(args, { cwd: checkout.path });
      if (r.code !== 0) {
        // git refuses before touching anything when local changes are in the way; a merge it began is undone.
        await this.git.run(['merge', '--abort'], { cwd: checkout.path });
        throw gitError(args, r, `Merging ${taskId} into ${wt.base} in ${checkout.path}`);
      }
    } else if (fastForward) {
      await git(this.git, top, ['update-ref', '-m', `federation: merge ${taskId}`, `refs/heads/${wt.base}`, branchSha, baseSha]);
    } else {
      const tree = (await git(this.git, top, ['merge-tree', '--write-tree', wt.base, wt.branch])).trim().split('\n')[0]!;
      const commit = (await git(this.git, top, ['commit-tree', tree, '-p', baseSha, '-p', branchSha, '-m', message])).trim();
      await git(this.git, top, ['update-ref', '-m', `federation: merge ${taskId}`, `refs/heads/${wt.base}`, commit, baseSha]);
    }
    const commit = (await git(this.git, top, ['rev-parse', '--verify', `refs/heads/${wt.base}`])).trim();
    return { commit, fastForward, nothingToMerge: false };
  }
}
