// Bringing a worktree agent's commits onto its task branch on the host (collect does it once the agent stopped).
// The agent's git folder is the agent's: git is never run in it (its config could name commands). Its branch ref is
// read as a file, and its objects are only ever an alternate object store for git run in the host repository:
// pack-objects packs what the agent added, index-pack (without the alternate) checks every object's id from its
// content and every link before the pack joins the repository. The branch moves by compare-and-swap, fast-forward
// only: a branch that moved on the host meanwhile is never overwritten, and the agent's git folder is kept.
import * as path from 'node:path';
import { FederationError, isFederationError } from '../errors';
import { git, type GitPort } from '../worktrees/git';
import type { AgentContext } from './context';
import { readOutputFile, removeTree, type AgentFolders, type CollectResult } from './files';
import type { AgentRecord, AgentWorktree } from './schema';
import { requireGit, returnWorktree } from './worktree';

type Landed = NonNullable<CollectResult['commits']>;
const COMMIT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** The commit the agent's task branch points at in its git folder, read without following links. */
export async function agentTip(ctx: Pick<AgentContext, 'fs'>, folders: AgentFolders, branch: string): Promise<string | undefined> {
  const ref = `refs/heads/${branch}`;
  const read = async (rel: string, max: number): Promise<string | undefined> => {
    try {
      return (await readOutputFile(ctx.fs, folders.gitDir, rel, max)).toString('utf8');
    } catch (e) {
      if (isFederationError(e) && e.reason === 'not-found') return undefined;
      throw e;
    }
  };
  const loose = (await read(ref, 256))?.trim();
  if (loose !== undefined) return COMMIT_ID.test(loose) ? loose : undefined;
  // The agent may have run `git pack-refs` (or gc).
  const packed = await read('packed-refs', 16 * 1024 * 1024);
  for (const line of packed?.split('\n') ?? []) {
    const [id, name] = line.trim().split(' ');
    if (name === ref && id && COMMIT_ID.test(id)) return id;
  }
  return undefined;
}

function refused(record: AgentRecord, wt: AgentWorktree, message: string, details: Record<string, unknown>): FederationError {
  return new FederationError('invalid-transition', `Agent ${record.id}: ${message} Nothing was changed; its commits stay in its git folder until it is removed.`, {
    id: record.id, task: wt.task, branch: wt.branch, ...details,
  });
}

/**
 * Fast-forwards the task branch to the agent's commits and refreshes the worktree's index (files untouched), so the
 * host worktree shows those commits and no changes that are not there. Gives the worktree back to its owner first.
 */
export async function landCommits(ctx: AgentContext, record: AgentRecord): Promise<Landed> {
  const wt = record.worktree as AgentWorktree;
  const g = requireGit(ctx);
  const folders = ctx.folders(record.id);
  await returnWorktree(ctx, wt);
  const tip = await agentTip(ctx, folders, wt.branch);
  if (!tip) throw refused(record, wt, `its git folder has no branch ${wt.branch} (${folders.gitDir}).`, { gitDir: folders.gitDir });
  const repo = wt.repository;
  const withAgent = { GIT_ALTERNATE_OBJECT_DIRECTORIES: path.join(folders.gitDir, 'objects') };
  const now = await g.run(['rev-parse', '--verify', '--quiet', `refs/heads/${wt.branch}^{commit}`], { cwd: repo });
  if (now.code !== 0) throw refused(record, wt, `branch ${wt.branch} is gone from ${repo}.`, {});
  const current = now.stdout.trim();
  let count = 0;
  if (tip !== current) {
    if ((await g.run(['cat-file', '-e', `${tip}^{commit}`], { cwd: repo, env: withAgent })).code !== 0) {
      throw refused(record, wt, `its branch ${wt.branch} points at ${tip}, which is not a commit in its git folder.`, { tip });
    }
    const ff = await g.run(['merge-base', '--is-ancestor', current, tip], { cwd: repo, env: withAgent });
    if (ff.code !== 0) {
      const moved = current !== wt.head;
      throw refused(
        record, wt,
        moved
          ? `branch ${wt.branch} moved on the host since the agent started (${wt.head.slice(0, 12)} → ${current.slice(0, 12)}) and the agent's commits do not build on that, so they are not brought in over it.`
          : `its commits on ${wt.branch} do not build on ${current.slice(0, 12)}, where the branch started (the agent rewrote history).`,
        { expected: wt.head, actual: current, tip, moved, gitDir: folders.gitDir },
      );
    }
    count = Number((await git(g, repo, ['rev-list', '--count', `${current}..${tip}`], { env: withAgent })).trim());
    await copyObjects(ctx, g, folders, repo, withAgent, tip, current);
    // Compare-and-swap: if the branch moved since we looked, git refuses and nothing is overwritten.
    const swap = await g.run(['update-ref', '-m', `federation: commits of agent ${record.id} (${wt.task})`, `refs/heads/${wt.branch}`, tip, current], { cwd: repo });
    if (swap.code !== 0) throw refused(record, wt, `branch ${wt.branch} moved on the host while its commits were brought in.`, { stderr: swap.stderr.trim() });
  }
  // Mixed reset: the index follows the branch, the files (the agent's, already on disk) stay as they are.
  await git(g, wt.path, ['reset', '-q']);
  const uncommitted = (await git(g, wt.path, ['status', '--porcelain=v1', '-z', '--untracked-files=all'])).split('\0').filter(Boolean).map((l) => l.slice(3));
  ctx.logger.info(`agent ${record.id}: ${count} commit${count === 1 ? '' : 's'} brought onto ${wt.branch} (${wt.task})`);
  return { branch: wt.branch, from: current, to: tip, count, uncommitted: uncommitted.slice(0, 50) };
}

/** The objects the agent added, packed and checked by the host's git, into the host repository. */
async function copyObjects(ctx: AgentContext, g: GitPort, folders: AgentFolders, repo: string, withAgent: Record<string, string>, tip: string, current: string): Promise<void> {
  await removeTree(ctx.fs, folders.landingDir);
  await ctx.fs.mkdir(folders.landingDir, { mode: 0o700 });
  try {
    const base = path.join(folders.landingDir, 'agent');
    const name = (await git(g, repo, ['pack-objects', '--revs', '-q', base], { env: withAgent, input: `${tip}\n^${current}\n` })).trim();
    if (!/^[0-9a-f]+$/.test(name)) throw new FederationError('git-error', `git pack-objects named no pack (${name}).`, { id: folders.dir });
    const pack = await ctx.fs.readFile(`${base}-${name}.pack`);
    // No alternate here: every object must come out of this pack or the repository itself.
    await git(g, repo, ['index-pack', '--strict', '--stdin'], { input: pack });
  } finally {
    await removeTree(ctx.fs, folders.landingDir);
  }
}
