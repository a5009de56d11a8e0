// Task worktrees for the front ends (CLI `worktree …` and `task diff|merge`, the Task Queue's review actions, the
// MCP server): one service over the federation (which records) and git (manager.ts, review.ts, which act). The
// never-lose-work rules live here, once: a worktree in use by a persona is never removed, one with uncommitted
// changes or unmerged commits only with `force`, and a merge refuses on conflicts with nothing changed.
import * as path from 'node:path';
import { FederationError } from '../errors';
import type { Federation } from '../federation/service';
import { liveWorktree, readinessOf } from '../federation';
import type { Task, TaskWorktree } from '../federation/state/schemas';
import { BRANCH_PREFIX, WorktreeEntry, WorktreeStatus, unsavedWork } from './manager';
import { MergeOutcome, Review, TaskChanges } from './review';
import type { GitPort } from './git';
import { OpenPullRequestOptions, PullRequestOutcome, openPullRequest } from './pullRequest';

export interface TaskWorktreeInfo {
  task: Pick<Task, 'id' | 'title' | 'status' | 'assignee'>;
  worktree: TaskWorktree;
  status: WorktreeStatus;
  /** Done with its branch not merged yet. */
  awaitingReview: boolean;
}

export interface PruneResult {
  removed: { task?: string; path: string; branch?: string }[];
  kept: { task?: string; path: string; why: string }[];
}

/** Statuses in which a persona holds the task, and so its worktree. */
const HELD = new Set<Task['status']>(['claimed', 'in_progress', 'handed_off']);

export class WorktreeService {
  private readonly review: Review;

  constructor(
    private readonly fed: Federation,
    private readonly git: GitPort,
  ) {
    this.review = new Review(git, fed.worktrees());
  }

  private async tasks(): Promise<Task[]> {
    if (!(await this.fed.isInitialized())) {
      throw new FederationError('not-initialized', `No federation in ${this.fed.root}: run "federation init" first.`, { root: this.fed.root });
    }
    return this.fed.listTasks();
  }

  private async taskWithWorktree(taskId: string): Promise<{ task: Task; wt: TaskWorktree }> {
    const task = (await this.tasks()).find((t) => t.id === taskId);
    if (!task) throw new FederationError('not-found', `No task ${taskId} in the queue.`, { task: taskId });
    return { task, wt: liveWorktree(task) };
  }

  /** Every task's live worktree with its state, and worktrees on federation/ branches no task records (orphans). */
  async list(): Promise<{ worktrees: TaskWorktreeInfo[]; orphans: WorktreeEntry[] }> {
    const tasks = await this.tasks();
    const live = tasks.filter((t) => t.worktree && !t.worktree.mergedAt && !t.worktree.removedAt);
    const manager = this.fed.worktrees();
    const entries = await manager.list();
    const worktrees = await Promise.all(
      live.map(async (t) => ({
        task: { id: t.id, title: t.title, status: t.status, assignee: t.assignee },
        worktree: t.worktree!,
        status: await manager.status(t.worktree!, entries),
        awaitingReview: readinessOf(t) === 'awaiting_review',
      })),
    );
    const known = new Set(live.map((t) => path.resolve(t.worktree!.path)));
    const orphans = entries.filter((e) => e.branch?.startsWith(BRANCH_PREFIX) && !known.has(path.resolve(e.path)));
    return { worktrees, orphans };
  }

  async status(taskId: string): Promise<TaskWorktreeInfo> {
    const { task, wt } = await this.taskWithWorktree(taskId);
    return {
      task: { id: task.id, title: task.title, status: task.status, assignee: task.assignee },
      worktree: wt,
      status: await this.fed.worktrees().status(wt),
      awaitingReview: readinessOf(task) === 'awaiting_review',
    };
  }

  async diff(taskId: string, options: { stat?: boolean } = {}): Promise<{ task: Task; diff: string; uncommitted: number }> {
    const { task, wt } = await this.taskWithWorktree(taskId);
    const st = await this.fed.worktrees().status(wt);
    return { task, diff: await this.review.diff(wt, options), uncommitted: st.dirtyCount };
  }

  /** The files to review, with the merge base (the left side) and the worktree (the right side). */
  async changes(taskId: string): Promise<TaskChanges & { worktree: TaskWorktree }> {
    const { wt } = await this.taskWithWorktree(taskId);
    return { ...(await this.review.changes(wt)), worktree: wt };
  }

  /**
   * Merges a done task's branch into its base, then removes its worktree and branch; the task's dependents become
   * ready. Refuses (nothing changed) when the task is not done, its worktree has uncommitted changes, or the
   * merge would conflict (merge-conflict, with the files).
   */
  async merge(taskId: string, by: string): Promise<{ task: Task; merge: MergeOutcome; cleanup?: string }> {
    const { task, wt } = await this.taskWithWorktree(taskId);
    if (task.status !== 'done') {
      throw new FederationError('invalid-transition', `${taskId} is ${task.status}; a task's branch is merged once the task is done.`, { task: taskId, status: task.status });
    }
    const manager = this.fed.worktrees();
    const st = await manager.status(wt);
    if (st.dirtyCount) {
      throw new FederationError('unsaved-work', `${taskId}'s worktree has ${st.dirtyCount} uncommitted change${st.dirtyCount > 1 ? 's' : ''} (${st.dirty.slice(0, 5).join(', ')}); commit or discard them before merging.`, {
        task: taskId,
        dirty: st.dirty,
      });
    }
    const merge = await this.review.merge(taskId, task.title, wt);
    const note = merge.nothingToMerge ? `nothing to merge into ${wt.base}` : `${wt.branch} into ${wt.base} at ${merge.commit.slice(0, 12)}${merge.fastForward ? ' (fast-forward)' : ''}`;
    // Recorded before the clean-up: a worktree left behind by a failed removal is only litter (prune takes it).
    const recorded = await this.fed.recordMerged(taskId, wt.branch, { commit: merge.commit, by, note });
    let cleanup: string | undefined;
    try {
      await manager.remove(taskId, wt);
    } catch (e) {
      cleanup = `The merge is done, but the worktree was not removed: ${(e as Error).message}`;
    }
    return { task: recorded, merge, ...(cleanup ? { cleanup } : {}) };
  }

  /**
   * Pushes a done task's branch and opens a GitHub pull request into its base (or finds the open one), recorded on
   * the task. The worktree stays for the review's changes; `merge` still merges it. Refuses before pushing when
   * the task is not done, has uncommitted changes (unsaved-work) or no commits, or GitHub refuses the token.
   */
  async openPullRequest(taskId: string, options: OpenPullRequestOptions): Promise<PullRequestOutcome> {
    const { task, wt } = await this.taskWithWorktree(taskId);
    return openPullRequest(this.fed, this.git, task, wt, options);
  }

  /**
   * Removes a task's worktree and branch (`worktree rm`, Discard). Refused while a persona holds the task; without
   * `force`, refused when it has uncommitted changes or unmerged commits (unsaved-work). A done task whose work
   * is thrown away fails ("discarded in review") so that its dependents stay blocked until it is requeued.
   */
  async remove(taskId: string, options: { force?: boolean; by: string }): Promise<{ task: Task; discardedWork: boolean }> {
    const { task, wt } = await this.taskWithWorktree(taskId);
    if (HELD.has(task.status)) {
      throw new FederationError(
        'invalid-transition',
        `${taskId} is ${task.status} by ${task.assignee}, who works in ${wt.path}; it is not removed while held. Complete, fail or cancel the task first.`,
        { task: taskId, status: task.status, assignee: task.assignee },
      );
    }
    const manager = this.fed.worktrees();
    const st = await manager.status(wt);
    if (!options.force && (st.dirtyCount || st.ahead)) throw unsavedWork(taskId, wt, st);
    await manager.remove(taskId, wt, { force: options.force ?? false });
    const discardedWork = st.dirtyCount > 0 || st.ahead > 0;
    return { task: await this.fed.recordWorktreeRemoved(taskId, wt.branch, { by: options.by, discardedWork }), discardedWork };
  }

  /**
   * Takes away what is safe to take: worktrees of tasks nobody holds that hold nothing unmerged, worktrees git
   * lost track of, and orphans on federation/ branches fully merged into the base. Everything else is kept, with
   * why.
   */
  async prune(by: string): Promise<PruneResult> {
    const result: PruneResult = { removed: [], kept: [] };
    const manager = this.fed.worktrees();
    const { worktrees, orphans } = await this.list();
    for (const w of worktrees) {
      const where = { task: w.task.id, path: w.worktree.path };
      if (HELD.has(w.task.status)) result.kept.push({ ...where, why: `${w.task.status} by ${w.task.assignee}` });
      else if (w.status.dirtyCount || w.status.ahead) result.kept.push({ ...where, why: unsavedWork(w.task.id, w.worktree, w.status).message });
      else {
        await this.remove(w.task.id, { by });
        result.removed.push({ ...where, branch: w.worktree.branch });
      }
    }
    const config = (await this.fed.config()).worktrees;
    const base = await manager.baseBranch(config).catch(() => undefined);
    for (const o of orphans) {
      const orphan: TaskWorktree = { path: o.path, branch: o.branch!, base: base ?? 'HEAD', createdAt: new Date(0).toISOString() };
      const st = await manager.status(orphan);
      if (st.dirtyCount || st.ahead) {
        result.kept.push({ path: o.path, why: `no task records it, and it holds ${st.dirtyCount} uncommitted change(s) and ${st.ahead} commit(s) not on ${orphan.base}` });
        continue;
      }
      await manager.remove('an orphan', orphan);
      result.removed.push({ path: o.path, branch: o.branch! });
    }
    return result;
  }
}
