// The git side of task worktrees: where a task's worktree goes, making (or finding again) it, what it holds that
// is not merged, and taking it away. It changes no federation state; the federation records what it returns
// (task.worktree) in the same transaction as the claim, and review.ts merges. Every question goes to git itself
// (worktree list, status, rev-list), never to a guess from the file system.
// Never lose work: nothing here removes a worktree with uncommitted changes or a branch with unmerged commits
// unless asked with `force`, and a path that exists but is not this task's worktree is left alone.
import * as path from 'node:path';
import { FederationError } from '../errors';
import { matchesGlob } from '../glob';
import type { FileSystem, Logger } from '../ports';
import type { Task, TaskWorktree, WorktreeConfig } from '../federation/state/schemas';
import { GitPort, git, gitError, zLines } from './git';

export interface RepoInfo {
  /** The main checkout's top folder. */
  top: string;
  /** The repository's shared .git folder (objects, refs), absolute. */
  commonDir: string;
  /** The main checkout's branch; undefined on a detached HEAD. */
  branch: string | undefined;
}

export interface WorktreeEntry {
  path: string;
  head: string;
  /** Short branch name; undefined when detached. */
  branch: string | undefined;
  prunable: boolean;
}

/** What a task's worktree holds that its base does not (the never-lose-work questions). */
export interface WorktreeStatus {
  exists: boolean;
  /** Changed or untracked files (porcelain paths), at most STATUS_FILE_LIMIT of them. */
  dirty: string[];
  dirtyCount: number;
  /** Commits on the branch that are not on its base. */
  ahead: number;
  /** Commits on the base since the branch left it. */
  behind: number;
  branchExists: boolean;
}

const STATUS_FILE_LIMIT = 50;
export const BRANCH_PREFIX = 'federation/';

export interface WorktreeManagerOptions {
  /** The workspace root (the folder holding .federation/). */
  root: string;
  git: GitPort;
  fs: FileSystem;
  logger: Logger;
}

export function slugOf(title: string): string {
  const slug = title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug.slice(0, 40).replace(/-+$/, '');
}

/** federation/T12-fix-the-login: the task id keeps it unique, the slug makes it readable. */
export function branchFor(task: Pick<Task, 'id' | 'title'>): string {
  const slug = slugOf(task.title);
  return `${BRANCH_PREFIX}${task.id}${slug ? `-${slug}` : ''}`;
}

export class WorktreeManager {
  private info: RepoInfo | undefined;

  constructor(private readonly o: WorktreeManagerOptions) {}

  /** The repository the workspace is in; a clear error when it is in none (worktrees then cannot be made). */
  async repo(): Promise<RepoInfo> {
    if (this.info) return this.info;
    const r = await this.o.git.run(['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir'], { cwd: this.o.root });
    if (r.code !== 0) {
      throw new FederationError(
        'unavailable',
        `${this.o.root} is not in a git repository, so tasks cannot get worktrees; run \`git init\` there, or set worktrees.enabled: false in .federation/config.yaml.`,
        { root: this.o.root, stderr: r.stderr.trim() },
      );
    }
    const [top, commonDir] = r.stdout.trim().split('\n');
    const head = await this.o.git.run(['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd: top! });
    this.info = { top: top!, commonDir: commonDir!, branch: head.code === 0 ? head.stdout.trim() : undefined };
    return this.info;
  }

  /** The folder worktrees go in: worktrees.root, else <repository>.worktrees beside the main checkout. */
  async rootFolder(config: WorktreeConfig): Promise<string> {
    const { top } = await this.repo();
    const folder = config.root ? path.resolve(this.o.root, config.root) : path.join(path.dirname(top), `${path.basename(top)}.worktrees`);
    const rel = path.relative(top, folder);
    const inside = rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
    if (inside) {
      // Inside the main checkout only where git ignores it: a worktree in the tracked tree would show in every status.
      const ignored = await this.o.git.run(['check-ignore', '-q', '--no-index', rel === '' ? '.' : `${rel}/`], { cwd: top });
      if (ignored.code !== 0) {
        throw new FederationError(
          'invalid-input',
          `worktrees.root (${config.root}) is inside the main checkout and not ignored by git; put it outside (the default is ../${path.basename(top)}.worktrees) or add it to .gitignore.`,
          { field: 'worktrees.root', folder },
        );
      }
    }
    return folder;
  }

  async baseBranch(config: WorktreeConfig): Promise<string> {
    if (config.base) return config.base;
    const { branch } = await this.repo();
    if (!branch) {
      throw new FederationError('invalid-input', 'The main checkout is on a detached HEAD, so there is no branch to start task branches from; set worktrees.base in .federation/config.yaml.', {
        field: 'worktrees.base',
      });
    }
    return branch;
  }

  async list(): Promise<WorktreeEntry[]> {
    const { top } = await this.repo();
    const out = await git(this.o.git, top, ['worktree', 'list', '--porcelain', '-z']);
    const entries: WorktreeEntry[] = [];
    let cur: WorktreeEntry | undefined;
    for (const line of out.split('\0')) {
      if (line.startsWith('worktree ')) {
        cur = { path: line.slice(9), head: '', branch: undefined, prunable: false };
        entries.push(cur);
      } else if (!cur) continue;
      else if (line.startsWith('HEAD ')) cur.head = line.slice(5);
      else if (line.startsWith('branch ')) cur.branch = line.slice(7).replace(/^refs\/heads\//, '');
      else if (line.startsWith('prunable')) cur.prunable = true;
    }
    return entries;
  }

  private async branchExists(branch: string): Promise<boolean> {
    const { top } = await this.repo();
    const r = await this.o.git.run(['show-ref', '--verify', '--quiet', `refs/heads/${branch}`], { cwd: top });
    return r.code === 0;
  }

  /**
   * The task's worktree, made if it does not exist: on a new branch from the base, or on the task's branch when
   * that survives (its commits are kept). A path that exists and is not this task's worktree is refused, never
   * reused; so is a branch checked out somewhere else. Throws (and makes nothing) when git refuses.
   */
  async ensure(task: Task, config: WorktreeConfig, now: Date): Promise<{ worktree: TaskWorktree; created: boolean }> {
    const live = task.worktree && !task.worktree.mergedAt && !task.worktree.removedAt ? task.worktree : undefined;
    const branch = live?.branch ?? branchFor(task);
    const base = live?.base ?? (await this.baseBranch(config));
    const wtPath = live?.path ?? path.join(await this.rootFolder(config), branch.slice(BRANCH_PREFIX.length));
    const entries = await this.list();
    const here = entries.find((e) => samePath(e.path, wtPath));
    if (here && !here.prunable) {
      if (here.branch !== branch) {
        throw new FederationError('already-exists', `${wtPath} is a worktree of ${here.branch ?? 'a detached HEAD'}, not of ${task.id}'s branch ${branch}; it is left alone.`, {
          task: task.id,
          path: wtPath,
          branch: here.branch,
        });
      }
      return { worktree: live ?? { path: wtPath, branch, base, createdAt: now.toISOString() }, created: false };
    }
    const elsewhere = entries.find((e) => e.branch === branch && !samePath(e.path, wtPath) && !e.prunable);
    if (elsewhere) {
      throw new FederationError('already-exists', `${task.id}'s branch ${branch} is checked out in ${elsewhere.path}; it is not taken from there.`, {
        task: task.id,
        branch,
        path: elsewhere.path,
      });
    }
    if (await exists(this.o.fs, wtPath)) {
      throw new FederationError('already-exists', `${wtPath} already exists and is not a worktree of ${task.id}; it is left alone (move it, or set worktrees.root).`, {
        task: task.id,
        path: wtPath,
      });
    }
    const { top } = await this.repo();
    if (here?.prunable || entries.some((e) => e.prunable)) await git(this.o.git, top, ['worktree', 'prune']);
    await this.o.fs.mkdir(path.dirname(wtPath), { recursive: true });
    const args = (await this.branchExists(branch)) ? ['worktree', 'add', wtPath, branch] : ['worktree', 'add', '-b', branch, wtPath, base];
    const r = await this.o.git.run(args, { cwd: top });
    if (r.code !== 0) throw gitError(args, r, `Making ${task.id}'s worktree (${['git', ...args].join(' ')})`);
    await this.copyIgnored(config.copy, top, wtPath);
    this.o.logger.info(`Worktree for ${task.id}: ${wtPath} on ${branch} (from ${base}).`);
    return { worktree: live ?? { path: wtPath, branch, base, createdAt: now.toISOString() }, created: true };
  }

  /** Copies the main checkout's gitignored files that match `globs` (.env…) into a new worktree; links are skipped. */
  private async copyIgnored(globs: readonly string[], top: string, wtPath: string): Promise<void> {
    if (!globs.length) return;
    // --directory collapses an ignored folder (node_modules) to one entry instead of listing every file in it.
    const out = await git(this.o.git, top, ['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--directory']);
    for (const entry of zLines(out)) {
      const rel = entry.replace(/\/$/, '');
      if (!globs.some((g) => matchesGlob(rel, g))) continue;
      const from = path.join(top, rel);
      const st = await this.o.fs.lstat(from).catch(() => undefined);
      if (!st || st.isSymbolicLink()) continue;
      const to = path.join(wtPath, rel);
      await this.o.fs.mkdir(path.dirname(to), { recursive: true });
      if (st.isDirectory()) {
        await this.o.fs.cp(from, to, { recursive: true, errorOnExist: false, force: false, filter: async (src) => !(await this.o.fs.lstat(src)).isSymbolicLink() });
      } else if (st.isFile()) {
        await this.o.fs.copyFile(from, to, this.o.fs.constants.COPYFILE_EXCL).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'EEXIST') throw e;
        });
      }
    }
  }

  /** Uncommitted changes, and commits ahead of and behind the base. */
  /** `entries`: a `list()` already made, so that a listing of many worktrees asks git for it once. */
  async status(wt: TaskWorktree, entries?: readonly WorktreeEntry[]): Promise<WorktreeStatus> {
    const { top } = await this.repo();
    const branchExists = await this.branchExists(wt.branch);
    let ahead = 0;
    let behind = 0;
    if (branchExists) {
      const counts = await this.o.git.run(['rev-list', '--left-right', '--count', `${wt.base}...${wt.branch}`], { cwd: top });
      if (counts.code === 0) [behind, ahead] = counts.stdout.trim().split(/\s+/).map(Number) as [number, number];
    }
    const present = (entries ?? (await this.list())).some((e) => samePath(e.path, wt.path) && !e.prunable) && (await exists(this.o.fs, wt.path));
    let dirty: string[] = [];
    let dirtyCount = 0;
    if (present) {
      const out = await git(this.o.git, wt.path, ['status', '--porcelain=v1', '-z', '--untracked-files=all']);
      const files: string[] = [];
      const parts = out.split('\0');
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i]!;
        if (!p) continue;
        files.push(p.slice(3));
        if (p[0] === 'R' || p[0] === 'C') i++; // a rename's old name follows it
      }
      dirtyCount = files.length;
      dirty = files.slice(0, STATUS_FILE_LIMIT);
    }
    return { exists: present, dirty, dirtyCount, ahead, behind, branchExists };
  }

  /**
   * Removes the worktree and its branch. Without `force` it refuses (unsaved-work) when the worktree has
   * uncommitted changes or the branch has commits its base does not; with `force` both go.
   */
  async remove(taskId: string, wt: TaskWorktree, options: { force?: boolean } = {}): Promise<WorktreeStatus> {
    const st = await this.status(wt);
    if (!options.force && (st.dirtyCount > 0 || st.ahead > 0)) throw unsavedWork(taskId, wt, st);
    const { top } = await this.repo();
    if (st.exists) {
      const args = ['worktree', 'remove', ...(options.force ? ['--force', '--force'] : []), wt.path];
      const r = await this.o.git.run(args, { cwd: top });
      if (r.code !== 0) throw gitError(args, r, `Removing ${taskId}'s worktree`);
    } else {
      await git(this.o.git, top, ['worktree', 'prune']);
    }
    if (st.branchExists) await git(this.o.git, top, ['branch', options.force || st.ahead === 0 ? '-D' : '-d', wt.branch]);
    this.o.logger.info(`Removed ${taskId}'s worktree ${wt.path} and branch ${wt.branch}${options.force ? ' (forced)' : ''}.`);
    return st;
  }
}

export function unsavedWork(taskId: string, wt: TaskWorktree, st: WorktreeStatus): FederationError {
  const what = [
    st.dirtyCount ? `${st.dirtyCount} uncommitted change${st.dirtyCount > 1 ? 's' : ''} (${st.dirty.slice(0, 5).join(', ')}${st.dirtyCount > 5 ? ', …' : ''})` : '',
    st.ahead ? `${st.ahead} commit${st.ahead > 1 ? 's' : ''} not merged into ${wt.base}` : '',
  ].filter(Boolean);
  return new FederationError('unsaved-work', `${taskId}'s worktree ${wt.path} has ${what.join(' and ')}; merge it, or remove it with --force to throw that away.`, {
    task: taskId,
    path: wt.path,
    branch: wt.branch,
    dirty: st.dirty,
    ahead: st.ahead,
  });
}

function samePath(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}

async function exists(fs: FileSystem, p: string): Promise<boolean> {
  return (await fs.lstat(p).catch(() => undefined)) !== undefined;
}
