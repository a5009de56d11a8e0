// Runs the shipped CLI as a user does: `node dist/cli.js …` in its own process, the bundle built with the release
// flags (`node scripts/build.mjs --tests`, as `npm run package` builds it). Tests that go through here exercise
// the bundle boundaries (dist/cli.js requiring dist/docker.js), the minifier and process exit codes, which an
// in-process call of out/'s main() never sees.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const CLI = path.join(REPO, 'dist', 'cli.js');

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export interface CliOptions {
  /** Working folder of the process (the CLI's default --root). */
  cwd: string;
  /** Added to (or, with undefined, removed from) this process's environment. */
  env?: Record<string, string | undefined>;
  /** Written to the process's standard input, which is then closed (default: closed at once). */
  input?: string;
  /** Kills the process and fails after this long (default 60 s). */
  timeoutMs?: number;
  /** Called with the child once it runs (to signal it, or to read a pid). */
  onSpawn?: (pid: number) => void;
}

let checked = false;
/** Fails loudly when dist/cli.js is a development build: the e2e tests must run what ships. */
export function assertReleaseBuild(): void {
  if (checked) return;
  const text = readFileSync(CLI, 'utf8');
  if (/\/\/# sourceMappingURL=/.test(text.slice(-300))) {
    throw new Error(`${CLI} is a development build (it has a source map). Build with "node scripts/build.mjs --tests".`);
  }
  checked = true;
}

export function runCli(argv: string[], opts: CliOptions): Promise<CliResult> {
  assertReleaseBuild();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...argv], { cwd: opts.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`federation ${argv.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${out}\nstderr: ${err}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), out, err });
    });
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    child.stdin.end(opts.input ?? '');
  });
}

/** A runner bound to one folder: `const cli = cliIn(() => tmp.path); await cli('task', 'list', '--json')`. */
export function cliIn(cwd: () => string, env?: Record<string, string | undefined>): (...argv: string[]) => Promise<CliResult> {
  return (...argv) => runCli(argv, { cwd: cwd(), ...(env ? { env } : {}) });
}

/** Asserts a known failure's shape: no stack trace, whatever the exit code. */
export function hasStack(text: string): boolean {
  return /\n\s+at .+[:(]\d+/.test(text) || /unexpected error/.test(text);
}
