// Real git repositories in temp folders for the worktree tests (git from Debian, as users have it).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** git in `cwd`, its output trimmed; throws with git's words when it fails. */
export function sh(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }).trim();
}

/** Writes a file (making its folders) and returns its path. */
export function write(root: string, rel: string, text: string): string {
  const file = path.join(root, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** A repository on branch main with one commit (README.md, a .gitignore that ignores .env* and .federation/). */
export function makeRepo(dir: string): string {
  mkdirSync(dir, { recursive: true });
  sh(dir, 'init', '-q', '-b', 'main');
  sh(dir, 'config', 'user.email', 'test@example.com');
  sh(dir, 'config', 'user.name', 'Test');
  sh(dir, 'config', 'commit.gpgsign', 'false');
  write(dir, 'README.md', '# Project\n');
  write(dir, 'src/app.txt', 'line 1\nline 2\nline 3\n');
  write(dir, '.gitignore', '.env*\n.federation/\nnode_modules/\n');
  sh(dir, 'add', '-A');
  sh(dir, 'commit', '-q', '-m', 'initial');
  return dir;
}

/** Commits everything in `dir` with `message`; returns the new commit. */
export function commitAll(dir: string, message: string): string {
  sh(dir, 'add', '-A');
  sh(dir, '-c', 'user.email=agent@example.com', '-c', 'user.name=Agent', 'commit', '-q', '-m', message);
  return sh(dir, 'rev-parse', 'HEAD');
}

export const WORKTREES_ON = 'version: 1\nworktrees:\n  enabled: true\n  copy: [".env*"]\n  ports: { from: 4100, size: 10 }\n';
