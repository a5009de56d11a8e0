// The Git port: the core asks git questions and makes git changes through this one function, so it stays free of
// child_process. The Node adapter (src/node/git.ts) runs the git on PATH; tests use it against real repositories.
import { FederationError } from '../errors';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface GitRunOptions {
  cwd: string;
  /** Added to git's environment (GIT_ALTERNATE_OBJECT_DIRECTORIES, GIT_DIR…). */
  env?: Record<string, string>;
  /** Written to git's standard input (a pack for index-pack, revisions for pack-objects). */
  input?: string | Uint8Array;
  signal?: AbortSignal;
}

export interface GitPort {
  /** Runs `git ARGS` in `cwd`; resolves with its exit code whatever it is (only a missing git rejects). */
  run(args: readonly string[], options: GitRunOptions): Promise<GitResult>;
}

/** Runs git and returns stdout; a non-zero exit is a git-error naming the command and what git said. */
export async function git(port: GitPort, cwd: string, args: readonly string[], options: Omit<GitRunOptions, 'cwd'> = {}): Promise<string> {
  const r = await port.run(args, { ...options, cwd });
  if (r.code !== 0) throw gitError(args, r);
  return r.stdout;
}

export function gitError(args: readonly string[], r: GitResult, what?: string): FederationError {
  const said = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ');
  return new FederationError('git-error', `${what ?? `git ${args.join(' ')}`} failed (exit ${r.code}): ${said || 'no output'}`, {
    command: ['git', ...args].join(' '),
    code: r.code,
    stderr: r.stderr.trim().slice(0, 2000),
  });
}

/** Lines of `git … -z` output (NUL-separated), without the empty tail. */
export function zLines(out: string): string[] {
  return out.split('\0').filter((l) => l.length > 0);
}
