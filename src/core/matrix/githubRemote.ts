// Which GitHub repository and branch a workspace is: read from its git files (the remote "origin" in the config,
// the branch in HEAD), without running git. Worktrees (.git is a file naming the git dir) and their shared config
// (commondir) are followed. The API host is never taken from the remote: a workspace must not be able to send
// the user's token elsewhere, so the API URL comes from the user's settings (or the CLI's flags/environment).
import * as path from 'node:path';
import { FederationError } from '../errors';
import type { FileSystem } from '../ports';

export interface GithubRepo {
  owner: string;
  repo: string;
}

/** owner/repo from a remote URL: https://host/o/r(.git), git@host:o/r.git, ssh://git@host[:port]/o/r.git. */
export function parseRemoteUrl(url: string): (GithubRepo & { host: string }) | undefined {
  const u = url.trim();
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/)([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/.exec(u);
  if (scp && !/^[a-z+]+:\/\//i.test(u)) return { host: scp[1]!, owner: scp[2]!, repo: scp[3]! };
  const m = /^(?:https?|ssh|git):\/\/(?:[^@/\s]+@)?([^/:\s]+)(?::\d+)?\/(?:.*\/)?([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/i.exec(u);
  if (m) return { host: m[1]!, owner: m[2]!, repo: m[3]! };
  return undefined;
}

/** "owner/repo" as typed in a setting or on the command line. */
export function parseRepoSlug(slug: string): GithubRepo | undefined {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9-]*)\/([A-Za-z0-9._-]+?)(?:\.git)?\s*$/.exec(slug);
  return m ? { owner: m[1]!, repo: m[2]! } : undefined;
}

async function gitDirs(fs: FileSystem, root: string): Promise<{ gitDir: string; commonDir: string } | undefined> {
  const dotGit = path.join(root, '.git');
  let gitDir = dotGit;
  try {
    const st = await fs.stat(dotGit);
    if (st.isFile()) {
      const m = /^gitdir:\s*(.+)$/m.exec(await fs.readFile(dotGit, 'utf8'));
      if (!m) return undefined;
      gitDir = path.resolve(root, m[1]!.trim());
    }
  } catch {
    return undefined;
  }
  let commonDir = gitDir;
  try {
    commonDir = path.resolve(gitDir, (await fs.readFile(path.join(gitDir, 'commondir'), 'utf8')).trim());
  } catch {
    /* not a linked worktree */
  }
  return { gitDir, commonDir };
}

/** The URL of a remote (default origin) from the repository's config, or undefined. */
export async function remoteUrl(fs: FileSystem, root: string, remote = 'origin'): Promise<string | undefined> {
  const dirs = await gitDirs(fs, root);
  if (!dirs) return undefined;
  let text: string;
  try {
    text = await fs.readFile(path.join(dirs.commonDir, 'config'), 'utf8');
  } catch {
    return undefined;
  }
  let inRemote = false;
  for (const line of text.split(/\r?\n/)) {
    const section = /^\s*\[\s*([^\]\s]+)(?:\s+"([^"]*)")?\s*\]/.exec(line);
    if (section) {
      inRemote = section[1]!.toLowerCase() === 'remote' && section[2] === remote;
      continue;
    }
    const kv = /^\s*url\s*=\s*(.+?)\s*$/i.exec(line);
    if (inRemote && kv) return kv[1]!.replace(/^"(.*)"$/, '$1');
  }
  return undefined;
}

/** The checked-out branch (from HEAD), or undefined for a detached HEAD or no repository. */
export async function currentBranch(fs: FileSystem, root: string): Promise<string | undefined> {
  const dirs = await gitDirs(fs, root);
  if (!dirs) return undefined;
  try {
    const m = /^ref:\s*refs\/heads\/(.+?)\s*$/m.exec(await fs.readFile(path.join(dirs.gitDir, 'HEAD'), 'utf8'));
    return m?.[1];
  } catch {
    return undefined;
  }
}

/** owner/repo: the explicit slug when given, else the workspace's remote (origin unless named). */
export async function resolveRepo(fs: FileSystem, root: string, slug?: string, remote = 'origin'): Promise<GithubRepo> {
  if (slug) {
    const r = parseRepoSlug(slug);
    if (!r) throw new FederationError('invalid-input', `"${slug}" is not a GitHub repository; write it as owner/repo`, { repository: slug });
    return r;
  }
  const url = await remoteUrl(fs, root, remote);
  if (!url) {
    throw new FederationError('not-found', `${root} has no git remote "${remote}": name the GitHub repository as owner/repo (setting agentFederation.github.repository, or --repo)`, { remote });
  }
  const parsed = parseRemoteUrl(url);
  const shown = url.replace(/\/\/[^@/]*@/, '//'); // never show credentials embedded in the URL
  if (!parsed) throw new FederationError('invalid-input', `the remote ${remote} (${shown}) does not look like a GitHub repository URL; name it as owner/repo instead`, { url: shown });
  return { owner: parsed.owner, repo: parsed.repo };
}
