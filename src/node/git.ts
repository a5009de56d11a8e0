// The Node adapter of the core's Git port (src/core/worktrees/git.ts): the git on PATH, run without a shell.
import { execFile } from 'node:child_process';
import type { GitPort } from '../core/worktrees/git';
import { FederationError } from '../core/errors';

export const nodeGit: GitPort = {
  run(args, options) {
    return new Promise((resolve, reject) => {
      const child = execFile(
        'git',
        [...args],
        {
          cwd: options.cwd,
          // Never prompt (a credential helper or an editor would hang a claim); the rest is the user's git.
          env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_EDITOR: 'true', GIT_MERGE_AUTOEDIT: 'no', ...options.env },
          maxBuffer: 64 * 1024 * 1024,
          encoding: 'utf8',
          ...(options.signal ? { signal: options.signal } : {}),
        },
        (error, stdout, stderr) => {
          if (!error) return resolve({ code: 0, stdout, stderr });
          const code = (error as { code?: unknown }).code;
          if (typeof code === 'number') return resolve({ code, stdout, stderr });
          if (code === 'ENOENT') {
            return reject(new FederationError('unavailable', 'git is not installed (or not on PATH); worktrees need it.', { command: 'git' }));
          }
          if (error.name === 'AbortError') return reject(new FederationError('cancelled', `git ${args[0]} was cancelled.`, {}));
          reject(new FederationError('git-error', `git ${args.join(' ')} could not run: ${error.message}`, { command: ['git', ...args].join(' ') }));
        },
      );
      // Without input git's stdin is closed at once, so a command that reads it never waits.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(options.input);
    });
  },
};
