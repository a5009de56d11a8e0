// A brief with `workspace: worktree` gets its task's worktree as a writable /workspace. The worktree's .git file names
// a host path and the repository's .git folder is never mounted, so the agent gets a git folder of its own instead
// (/git, GIT_DIR): the task branch at its tip with the tip's objects only (a shallow fetch: no history, no other
// branch, nothing the clearance check of the worktree's files did not see), and an index read from that tip. Its
// commits go there; collect (land.ts) brings them onto the branch on the host.
// Everything is checked before anything is written: the task and its worktree, git's own view of it (on the task's
// branch, nothing uncommitted in tracked files), no other agent in it, and every file in it within the agent's
// clearance (the agent sees the files as they are, so nothing can be left out or redacted).
import * as path from 'node:path';
import { readConfig } from '../config';
import { FederationError, PackageRefusedError } from '../errors';
import { Workspace, treeClearance, type OperatorLevel } from '../packages';
import { git, type GitPort } from '../worktrees/git';
import type { AgentContext } from './context';
import { chownTree, type AgentFolders, type Owner } from './files';
import { MIN_SECRET_MATCH, type PlannedBrief } from './prepare';
import { readAgents } from './records';
import type { AgentWorktree } from './schema';

/** The task's worktree as git reported it when the deployment was prepared. */
export interface WorktreeSource {
  task: string;
  path: string;
  branch: string;
  /** The branch's commit: the agent's git folder starts there. */
  head: string;
  /** The main checkout's top folder. */
  repository: string;
  /** The repository's shared .git folder (objects, refs). */
  commonDir: string;
}

export function requireGit(ctx: Pick<AgentContext, 'git'>): GitPort {
  if (!ctx.git) throw new FederationError('unavailable', 'This front end was built without git, so agents cannot work in task worktrees.', {});
  return ctx.git;
}

function taskError(reason: 'invalid-input' | 'not-found', plan: PlannedBrief, message: string, extra: Record<string, unknown> = {}): FederationError {
  return new FederationError(reason, `${plan.file}: ${message}`, { file: plan.file, field: 'task', task: plan.task, ...extra });
}

/** Everything a worktree brief needs, checked; nothing is written. Throws at the brief's `task` field. */
export async function prepareWorktree(
  ctx: AgentContext, plan: PlannedBrief, operatorLevel: OperatorLevel, copies: number, secrets: Map<string, Uint8Array>,
): Promise<WorktreeSource> {
  if (copies !== 1) throw new FederationError('invalid-input', `${plan.file} works in its task's worktree, which takes one agent at a time; deploy one copy.`, { file: plan.file, field: 'copies' });
  const config = await readConfig(ctx.fs, ctx.store.dir);
  if (!config.worktrees.enabled) throw taskError('invalid-input', plan, `task ${plan.task} cannot lend its worktree: worktrees are off (worktrees.enabled in .federation/config.yaml).`);
  const task = (await ctx.store.read('queue')).tasks.find((t) => t.id === plan.task);
  if (!task) throw taskError('not-found', plan, `task ${plan.task} is not in the queue.`);
  const wt = task.worktree;
  if (!wt || wt.mergedAt || wt.removedAt) throw taskError('not-found', plan, `task ${task.id} has no worktree: claim it first (a claim makes the task's worktree).`);
  const g = requireGit(ctx);

  const at = await g.run(['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir'], { cwd: wt.path }).catch(() => undefined);
  if (!at || at.code !== 0) throw taskError('not-found', plan, `the worktree of task ${task.id} (${wt.path}) is not there any more.`, { path: wt.path });
  const [top, commonDir] = at.stdout.trim().split('\n') as [string, string];
  if ((await real(ctx, top)) !== (await real(ctx, wt.path))) throw taskError('invalid-input', plan, `${wt.path} is not the top of a worktree (git says ${top}).`, { path: wt.path });
  const branch = (await g.run(['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd: wt.path })).stdout.trim();
  if (branch !== wt.branch) {
    throw taskError('invalid-input', plan, `the worktree of task ${task.id} is on ${branch || 'a detached HEAD'}, not on its branch ${wt.branch}.`, { path: wt.path, branch: wt.branch });
  }
  const head = (await git(g, wt.path, ['rev-parse', '--verify', 'HEAD^{commit}'])).trim();
  // The agent's git starts from the tip: changes not committed would look like the agent's own.
  const dirty = (await git(g, wt.path, ['status', '--porcelain=v1', '-z', '--untracked-files=no'])).split('\0').filter(Boolean).map((l) => l.slice(3));
  if (dirty.length) {
    throw new FederationError('unsaved-work', `${plan.file}: the worktree of task ${task.id} has uncommitted changes (${dirty.slice(0, 5).join(', ')}${dirty.length > 5 ? ', …' : ''}); commit them first.`, {
      file: plan.file, field: 'task', task: task.id, path: wt.path, dirty: dirty.slice(0, 50),
    });
  }
  // Path rules are written from the workspace root; they name the same files in a worktree only when that is the top.
  const mainTop = (await git(g, ctx.root, ['rev-parse', '--path-format=absolute', '--show-toplevel'])).trim();
  if ((await real(ctx, mainTop)) !== (await real(ctx, ctx.root))) {
    throw taskError('invalid-input', plan, `agents work in task worktrees only when the federation is at the repository's top (${mainTop}), so that its confidentiality rules name the worktree's files.`);
  }
  const busy = (await readAgents(ctx.store)).find((r) => r.worktree && r.worktree.task === task.id && !r.worktree.landedAt);
  if (busy) throw taskError('invalid-input', plan, `agent ${busy.id} works in task ${task.id}'s worktree already; collect or remove it first.`, { agent: busy.id });

  await checkClearance(ctx, plan, wt.path, operatorLevel, secrets);
  return { task: task.id, path: wt.path, branch, head, repository: mainTop, commonDir };
}

/** Every file of the worktree within the agent's clearance, or the deployment is refused with the files named. */
async function checkClearance(ctx: AgentContext, plan: PlannedBrief, folder: string, operatorLevel: OperatorLevel, secrets: Map<string, Uint8Array>): Promise<void> {
  const { config } = await Workspace.open({ root: ctx.root, disk: ctx.fs });
  const secretValues = [...secrets.values()].map((b) => Buffer.from(b).toString('utf8').trim()).filter((v) => v.length >= MIN_SECRET_MATCH);
  const verdict = await treeClearance({ disk: ctx.fs, folder, config, consumer: 'remote-agent', operatorLevel, secretValues });
  if (verdict.refusedCount === 0) return;
  const more = verdict.refusedCount - verdict.refused.length;
  throw new PackageRefusedError(
    plan.file,
    [`its task's worktree ${folder} holds ${verdict.refusedCount} file${verdict.refusedCount > 1 ? 's' : ''} a remote agent at operator level ${operatorLevel} may not see${more > 0 ? ` (${more} not listed)` : ''}`],
    verdict.refused,
    'no agent was deployed',
  );
}

async function real(ctx: Pick<AgentContext, 'fs'>, p: string): Promise<string> {
  return ctx.fs.realpath(p).catch(() => path.resolve(p));
}

/**
 * The agent's own git folder in its agent folder: the task branch at the tip, with only the tip's commit, trees and
 * blobs (shallow), an index matching it, no remote, no reflog and no host path in it.
 */
export async function makeAgentGit(ctx: AgentContext, src: WorktreeSource, folders: AgentFolders, owner: Owner | undefined): Promise<void> {
  const g = requireGit(ctx);
  const dir = folders.gitDir;
  const inDir = (args: string[]): Promise<string> => git(g, folders.dir, [`--git-dir=${dir}`, ...args]);
  // No template: no sample hooks, nothing the agent did not need.
  await git(g, folders.dir, ['init', '-q', '--bare', '--template=', dir]);
  await inDir(['config', 'core.bare', 'false']);
  await inDir(['config', 'core.logAllRefUpdates', 'false']);
  await inDir(['fetch', '-q', '--depth=1', '--no-tags', '--no-write-fetch-head', src.commonDir, `${src.head}:refs/heads/${src.branch}`]);
  await inDir(['symbolic-ref', 'HEAD', `refs/heads/${src.branch}`]);
  await inDir(['read-tree', `refs/heads/${src.branch}`]);
  if (owner) await chownTree(ctx.fs, dir, owner);
}

/**
 * Hands the worktree to the agent's user when we are root and it belongs to someone else (else the agent could not
 * write there); returns who owned it, to give it back on collect.
 */
export async function lendWorktree(ctx: AgentContext, src: WorktreeSource, owner: Owner | undefined): Promise<Owner | undefined> {
  if (!owner) return undefined;
  const st = await ctx.fs.stat(src.path);
  if (st.uid === owner.uid && st.gid === owner.gid) return undefined;
  await chownTree(ctx.fs, src.path, owner);
  return { uid: st.uid, gid: st.gid };
}

/** Gives the worktree back to its owner (host git refuses a worktree owned by someone else). */
export async function returnWorktree(ctx: AgentContext, wt: Pick<AgentWorktree, 'path' | 'owner'>): Promise<void> {
  if (wt.owner) await chownTree(ctx.fs, wt.path, wt.owner);
}

export function worktreeRecord(src: WorktreeSource, lentFrom: Owner | undefined): AgentWorktree {
  return { task: src.task, path: src.path, branch: src.branch, repository: src.repository, head: src.head, ...(lentFrom ? { owner: lentFrom } : {}) };
}
