// LocalProcessRunner, the Node adapter of the process-runner port (src/core/matrix/processPort.ts): a process
// group per attempt, whole-group kills (supervise.ts), tasks started by a launch server (launchServer.ts) or by
// Node's own spawn (spawnLaunch.ts). This file chooses the launcher and spreads tasks over servers.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { FederationError } from '../../core/errors';
import type { ProcessOutcome, ProcessRunner, ProcessRunnerFactory, ProcessSpec } from '../../core/matrix/processPort';
import { LaunchServer } from './launchServer';
import { spawnLaunch } from './spawnLaunch';
import { supervise } from './supervise';

let perlAvailable: boolean | undefined;
function hasPerl(): boolean {
  if (perlAvailable === undefined) {
    try {
      perlAvailable = process.platform !== 'win32' && spawnSync('perl', ['-MPOSIX', '-e', '1'], { stdio: 'ignore', timeout: 5000 }).status === 0;
    } catch {
      perlAvailable = false;
    }
  }
  return perlAvailable;
}

let pythonPath: string | null | undefined;
/**
 * The Python 3 executable itself when it has posix_spawn, else null. Resolved once through sys.executable: a
 * version manager's shim (pyenv) on the PATH is a shell script that costs ~70 ms at every server start.
 */
function posixSpawnPython(): string | null {
  if (pythonPath === undefined) {
    pythonPath = null;
    try {
      const r = process.platform === 'win32' ? undefined : spawnSync('python3', ['-I', '-S', '-c', 'import os, sys; os.posix_spawn; os.POSIX_SPAWN_DUP2; print(sys.executable)'], { encoding: 'utf8', timeout: 5000 });
      const exe = r?.status === 0 ? r.stdout.trim() : '';
      if (exe.startsWith('/')) pythonPath = exe;
    } catch {
      pythonPath = null;
    }
  }
  return pythonPath;
}

export type Launcher = 'auto' | 'spawn' | 'fork-server' | 'spawn-server';

/** How long a module folder found to exist is trusted without looking again. */
const FOLDER_TRUST_MS = 1000;

/**
 * At most this many servers per runner. One server starts a task at a time: it creates the log file and waits in
 * vfork until the child has exec'd, ~0.5-0.8 ms on a busy machine, so one server caps a wave of short tasks at
 * ~1,500 starts a second. A second server on another core removes that cap (measured on 2 vCPUs: 1,000 no-op
 * tasks, median 754 -> 598 ms).
 */
const MAX_SERVERS = Math.max(1, Math.min(4, availableParallelism()));
/** A server with fewer running tasks than this gets the next one; a new server starts only when all have more. */
const SERVER_SHARE = 8;

export class LocalProcessRunner implements ProcessRunner {
  private servers: LaunchServer[] = [];
  /** Folder → when it was last seen to exist: a wave of 1,000 tasks in one folder needs one stat a second, not 1,000. */
  private readonly folders = new Map<string, number>();
  /**
   * 'spawn': Node's own spawn (detached: a new process group). 'fork-server': the Perl fork server, much cheaper
   * per task. 'spawn-server': the Python posix_spawn server, cheaper still. 'auto' (default): the spawn server when
   * Python 3 is there, else the fork server when Perl is, else spawn. All give the same guarantees.
   */
  constructor(readonly launcher: Launcher = 'auto') {}

  /** The least loaded live server, or a new one when every live server has SERVER_SHARE tasks or more. */
  private launchServer(): LaunchServer | undefined {
    if (this.launcher === 'spawn') return undefined;
    const python = this.launcher === 'fork-server' ? null : posixSpawnPython();
    if (this.launcher === 'spawn-server' && !python) throw new FederationError('unavailable', 'The spawn server needs python3 with os.posix_spawn.', {});
    if (!python && this.launcher === 'auto' && !hasPerl()) return undefined;
    if (this.servers.some((s) => s.dead)) this.servers = this.servers.filter((s) => !s.dead);
    let best: LaunchServer | undefined;
    for (const s of this.servers) if (!best || s.load < best.load) best = s;
    if (best && (best.load < SERVER_SHARE || this.servers.length >= MAX_SERVERS)) return best;
    const server = new LaunchServer(python);
    this.servers.push(server);
    return server;
  }

  /**
   * Lets the servers go: each exits once the tasks it started have ended. Without this they would wait, idle, for
   * more work until this process exits. The runner can still be used; it starts new servers then.
   */
  dispose(): void {
    for (const s of this.servers) s.close();
    this.servers = [];
  }

  run(spec: ProcessSpec): Promise<ProcessOutcome> {
    if (spec.signal?.aborted) return Promise.resolve({ exitCode: null, signal: null, timedOut: false, cancelled: true, pid: null });
    // Checked here so that both launchers answer a missing folder the same way (an error, no exit code). A folder
    // removed within FOLDER_TRUST_MS of being seen still fails the task: exit 126 and "cannot enter" in its log.
    const now = Date.now();
    if (!(now - (this.folders.get(spec.cwd) ?? -Infinity) < FOLDER_TRUST_MS)) {
      let isDir = false;
      try {
        isDir = statSync(spec.cwd, { throwIfNoEntry: false })?.isDirectory() ?? false;
      } catch {
        // ENOTDIR (a file on the way), EACCES: not a folder we can run in, the same answer as a missing one.
      }
      if (!isDir) {
        this.folders.delete(spec.cwd);
        return Promise.resolve({ exitCode: null, signal: null, timedOut: false, cancelled: false, pid: null, error: `no folder ${spec.cwd}` });
      }
      this.folders.set(spec.cwd, now);
    }
    const server = this.launchServer();
    const launch = server ? server.launch(spec) : spawnLaunch(spec);
    if (!('onStart' in launch)) return Promise.resolve(launch);
    return supervise(spec, launch);
  }
}

/** The factory the front ends give the matrix service and runMatrix: a new LocalProcessRunner ('auto') each time. */
export const newLocalProcessRunner: ProcessRunnerFactory = () => new LocalProcessRunner();
