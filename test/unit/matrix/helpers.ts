import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from '../../../src/cli/args';
import { matrixCommand } from '../../../src/cli/commands/matrix';
import { CliPorts, CliServices, DEFAULT_PORTS } from '../../../src/cli/services';
import { CliContext, UsageError } from '../../../src/cli/types';
import { isFederationError } from '../../../src/core/errors';
import { MatrixConfig } from '../../../src/core/matrix/schema';
import { validateMatrixConfig } from '../../../src/core/matrix/validate';
import { runCli, type CliResult } from '../../helpers/cli';

/** A validated config from YAML text; fails the test on any error finding. */
export function config(text: string): MatrixConfig {
  const v = validateMatrixConfig(text, 'test.yml');
  assert.ok(v.config, JSON.stringify(v.findings, null, 1));
  return v.config;
}

/** YAML for a config with tasks `spec` (id → command) spread over priorities `waves` (list of id lists). */
export function simpleConfig(waves: string[][], opts: { command?: (id: string) => string; extraTask?: string; extraTop?: string; extraPriority?: (i: number) => string } = {}): string {
  const ids = waves.flat();
  const tasks = ids.map((id) => `  ${id}:\n    module: .\n    command: ${JSON.stringify(opts.command ? opts.command(id) : 'true')}\n    timeout: 1\n${opts.extraTask ?? ''}`).join('');
  const prios = waves.map((w, i) => `  priority_${i + 1}:\n    tasks: [${w.join(', ')}]\n${opts.extraPriority?.(i) ?? ''}`).join('');
  return `tasks:\n${tasks}priorities:\n${prios}${opts.extraTop ?? ''}`;
}

/** Alive and not a zombie (an orphan's zombie may linger where init does not reap). */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    try {
      process.kill(pid, 0);
      return process.platform !== 'linux';
    } catch {
      return false;
    }
  }
}

/** Waits (bounded) for a file the task writes, e.g. its grandchild's pid. */
export async function waitForFile(file: string, ms = 10_000): Promise<string> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (existsSync(file)) {
      const t = readFileSync(file, 'utf8');
      if (t.trim()) return t;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${file} did not appear within ${ms} ms`);
}

/** The demo monorepo (demo/: two modules, their shared scripts and the matrix config) copied to `dest`. */
export function copyDemoMonorepo(dest: string): void {
  const demo = require('node:path').resolve(__dirname, '..', '..', '..', '..', 'demo');
  for (const part of ['backend', 'frontend', 'scripts', '.github']) {
    require('node:fs').cpSync(require('node:path').join(demo, part), require('node:path').join(dest, part), { recursive: true });
  }
}

/** `federation matrix ARGV` in `root` as a user runs it: the shipped dist/cli.js in a process of its own. */
export function matrixCli(root: string, ...argv: string[]): Promise<CliResult> {
  return runCli(['matrix', ...argv], { cwd: root });
}

/** The same with extra environment (DOCKER_HOST, FEDERATION_APPROVALS_FILE, …). */
export function matrixCliEnv(root: string, env: Record<string, string | undefined>, ...argv: string[]): Promise<CliResult> {
  return runCli(['matrix', ...argv], { cwd: root, env });
}

/**
 * The command module in this process, with main.ts's mapping (usage → 2, FederationError → 1): only for tests
 * that hand the command a fake engine through the composition root's ports, which no process can be given.
 */
export async function matrixCommandInProcess(root: string, ports: Partial<CliPorts>, ...argv: string[]): Promise<CliResult> {
  const args = parseArgs(argv);
  const json = args.flags.get('json') === true;
  args.flags.delete('json');
  let out = '';
  let err = '';
  const ctx: CliContext = { root, services: new CliServices(root, { ...DEFAULT_PORTS, ...ports }), json, out: (s) => (out += s + '\n'), err: (s) => (err += s + '\n'), print: (v, h) => (out += (json ? JSON.stringify(v, null, 2) : h()) + '\n') };
  try {
    return { code: await matrixCommand.run(ctx, args), out, err };
  } catch (e) {
    if (e instanceof UsageError) return { code: 2, out, err: err + e.message };
    if (isFederationError(e)) return { code: 1, out, err: err + e.message };
    throw e;
  }
}
