// The setup step: once per run, before any worker, install each module's dependencies. The install is keyed by a
// hash of the lockfile (and the command and Node's major version); a module whose node_modules was installed
// under the same key is reused, and a copy kept under .federation/cache/deps/KEY/ restores it after a clean.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { systemClock, type Clock, type Environment, type FileSystem } from '../ports';
import { MatrixPlan } from './plan';
import type { ProcessRunner } from './processPort';
import { ModuleSetupResult, writeJson } from './results';
import { checkModuleFolder, moduleDir } from './validate';

export const CACHE_DIR = path.join('.federation', 'cache', 'deps');

const LOCKFILES: { file: string; command: string }[] = [
  { file: 'package-lock.json', command: 'npm ci --no-audit --no-fund' },
  { file: 'npm-shrinkwrap.json', command: 'npm ci --no-audit --no-fund' },
  { file: 'pnpm-lock.yaml', command: 'pnpm install --frozen-lockfile' },
  { file: 'yarn.lock', command: 'yarn install --frozen-lockfile' },
];

export interface SetupOptions {
  /** The disk the modules, the lockfiles and the cache are on. */
  fs: FileSystem;
  root: string;
  plan: MatrixPlan;
  runner: ProcessRunner;
  /** Where setup-MODULE.log files go. */
  logsDir: string;
  /** Replaces the lockfile's own install command for every module (tests use a fast fake). */
  installCommand?: string;
  /** Default: the plan's caching.enabled. */
  caching?: boolean;
  /** The installs' environment: the front end's (the runner passes the run's base environment). */
  env: Environment;
  timeoutMs?: number;
  graceMs?: number;
  signal?: AbortSignal;
  /** Where the durations and the cache markers' times come from. Default: the system clock. */
  clock?: Clock;
}

async function exists(fs: FileSystem, p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

function slug(module: string): string {
  return module === '.' || module === 'root' ? '_root' : module.replace(/[^A-Za-z0-9_.-]+/g, '_');
}

/** Modules of the plan's units, in first-use order. */
export function planModules(plan: MatrixPlan): string[] {
  return [...new Set(plan.waves.flatMap((w) => w.units.map((u) => u.module)))];
}

export async function runSetup(opts: SetupOptions): Promise<ModuleSetupResult[]> {
  const { fs } = opts;
  const caching = opts.caching ?? opts.plan.caching.enabled;
  const cacheRoot = path.join(opts.root, CACHE_DIR);
  const clock = opts.clock ?? systemClock;
  const results: ModuleSetupResult[] = [];
  for (const module of planModules(opts.plan)) {
    const t0 = clock.now().getTime();
    const done = (r: Omit<ModuleSetupResult, 'module' | 'durationMs'>) => results.push({ module, durationMs: clock.now().getTime() - t0, ...r });
    const dir = moduleDir(opts.root, module);
    if (opts.signal?.aborted) {
      done({ lockfile: null, key: null, action: 'cancelled', command: null, log: null });
      continue;
    }
    const checked = dir === undefined ? undefined : checkModuleFolder(fs, opts.root, dir);
    // Installs run on the host: never in a folder a symlink leads to outside the repository.
    if (dir === undefined || (checked && !checked.ok && checked.problem !== 'missing')) {
      done({ lockfile: null, key: null, action: 'failed', command: null, log: null, error: `module "${module}" is outside the repository` });
      continue;
    }
    let lock: { file: string; command: string } | undefined;
    for (const l of LOCKFILES) {
      if (await exists(fs, path.join(dir, l.file))) {
        lock = l;
        break;
      }
    }
    if (!lock) {
      done({ lockfile: null, key: null, action: 'none', command: null, log: null });
      continue;
    }
    const command = opts.installCommand ?? lock.command;
    const lockText = await fs.readFile(path.join(dir, lock.file));
    const key = createHash('sha256').update(lock.file).update('\0').update(lockText).update('\0').update(command).update('\0').update(process.version.split('.')[0]!).digest('hex').slice(0, 32);
    const nodeModules = path.join(dir, 'node_modules');
    const marker = path.join(cacheRoot, `${slug(module)}.json`);
    const stored = path.join(cacheRoot, key, 'node_modules');
    if (caching) {
      const prev = await fs.readFile(marker, 'utf8').then((t) => (JSON.parse(t) as { key?: string }).key, () => undefined);
      if (prev === key && (await exists(fs, nodeModules))) {
        done({ lockfile: lock.file, key, action: 'reused', command: null, log: null });
        continue;
      }
      if (await exists(fs, stored)) {
        await fs.rm(nodeModules, { recursive: true, force: true });
        await fs.cp(stored, nodeModules, { recursive: true, verbatimSymlinks: true });
        await writeJson(fs, marker, { key, module, at: clock.now().toISOString() });
        done({ lockfile: lock.file, key, action: 'restored', command: null, log: null });
        continue;
      }
    }
    const log = path.join(opts.logsDir, `setup-${slug(module)}.log`);
    await fs.mkdir(opts.logsDir, { recursive: true });
    const outcome = await opts.runner.run({
      command,
      cwd: dir,
      env: opts.env,
      extraEnv: { FEDERATION_SETUP_MODULE: module },
      logFile: log,
      timeoutMs: opts.timeoutMs ?? 30 * 60_000,
      graceMs: opts.graceMs ?? 5000,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const rel = path.relative(opts.root, log);
    if (outcome.cancelled) {
      done({ lockfile: lock.file, key, action: 'cancelled', command, log: rel });
      continue;
    }
    if (outcome.exitCode !== 0) {
      const why = outcome.error ?? (outcome.timedOut ? 'timed out' : outcome.signal ? `killed by ${outcome.signal}` : `exit code ${outcome.exitCode}`);
      done({ lockfile: lock.file, key, action: 'failed', command, log: rel, error: `"${command}" failed in ${module}: ${why}` });
      continue;
    }
    if (caching && (await exists(fs, nodeModules))) {
      await fs.rm(stored, { recursive: true, force: true });
      await fs.mkdir(path.dirname(stored), { recursive: true });
      await fs.cp(nodeModules, stored, { recursive: true, verbatimSymlinks: true });
      await writeJson(fs, marker, { key, module, at: clock.now().toISOString() });
    }
    done({ lockfile: lock.file, key, action: 'installed', command, log: rel });
  }
  return results;
}
