// The process-runner port: how one attempt of one unit is executed. The matrix runner only talks to this
// interface, so unit tests use a fake and another isolation strategy (a container through DockerClient) can be
// plugged in per unit. LocalProcessRunner is the real one: a process group per attempt, whole-group kills.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync } from 'node:fs';

export interface ProcessSpec {
  /** Shell command line, run by /bin/sh -c. */
  command: string;
  cwd: string;
  /** The complete environment of the process. */
  env: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here. */
  logFile: string;
  /** The whole process group is stopped after this long. */
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL. */
  graceMs: number;
  /** Aborting stops the whole process group the same way as a timeout. */
  signal?: AbortSignal;
}

export interface ProcessOutcome {
  /** Null when the process ended by a signal or never started. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  /** Process (and process group) id; null when it never started. */
  pid: number | null;
  /** Why it never started (bad folder, no shell). */
  error?: string;
}

export interface ProcessRunner {
  run(spec: ProcessSpec): Promise<ProcessOutcome>;
}

/** A strategy picks the runner per unit: local processes today, a container later (see docs/matrix.md). */
export type IsolationStrategy = (unit: { id: string; image: string | null }) => ProcessRunner;

const POLL_MS = 20;
/** After SIGKILL the kernel needs a moment; we never wait longer than this for the group to disappear. */
const AFTER_KILL_MS = 3000;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * True while any process of group `pgid` is alive. kill(-pgid, 0) alone also succeeds for zombies, which linger
 * when the machine's init does not reap orphans (containers), so on Linux a positive answer is confirmed in /proc.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${n}/stat`, 'utf8');
    } catch {
      continue; // it exited while we looked
    }
    // "pid (comm) S ppid pgrp …": comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') return true;
  }
  return false;
}

function signalGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // ESRCH: already gone.
  }
}

/** SIGTERM the group, SIGKILL whatever is left after `graceMs`, and wait (bounded) until nothing is left. */
export async function stopGroup(pgid: number, graceMs: number, termAlreadySent = false): Promise<void> {
  if (!groupAlive(pgid)) return;
  if (!termAlreadySent) signalGroup(pgid, 'SIGTERM');
  const termDeadline = Date.now() + graceMs;
  while (Date.now() < termDeadline && groupAlive(pgid)) await sleep(POLL_MS);
  if (!groupAlive(pgid)) return;
  signalGroup(pgid, 'SIGKILL');
  const killDeadline = Date.now() + AFTER_KILL_MS;
  while (Date.now() < killDeadline && groupAlive(pgid)) await sleep(POLL_MS);
}

export class LocalProcessRunner implements ProcessRunner {
  run(spec: ProcessSpec): Promise<ProcessOutcome> {
    if (spec.signal?.aborted) return Promise.resolve({ exitCode: null, signal: null, timedOut: false, cancelled: true, pid: null });
    let fd: number;
    try {
      fd = openSync(spec.logFile, 'a');
    } catch (e) {
      return Promise.resolve({ exitCode: null, signal: null, timedOut: false, cancelled: false, pid: null, error: `cannot open the log ${spec.logFile}: ${(e as Error).message}` });
    }
    // Output goes straight to the log file descriptor: no pipe through this process, so a chatty task costs
    // nothing here and a grandchild that keeps the descriptor open cannot hold up the result.
    const child = (() => {
      try {
        return spawn('/bin/sh', ['-c', spec.command], { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', fd, fd] });
      } finally {
        closeSync(fd);
      }
    })();
    return new Promise((resolve) => {
      const pid = child.pid ?? null;
      let timedOut = false;
      let cancelled = false;
      let termSent = false;
      let termSentAt = 0;
      let settled = false;
      let killTimer: NodeJS.Timeout | undefined;
      const stop = () => {
        if (termSent || pid === null) return;
        termSent = true;
        termSentAt = Date.now();
        signalGroup(pid, 'SIGTERM');
        killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), spec.graceMs);
      };
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, spec.timeoutMs);
      const onAbort = () => {
        cancelled = true;
        stop();
      };
      spec.signal?.addEventListener('abort', onAbort, { once: true });
      const finish = (outcome: ProcessOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (killTimer) clearTimeout(killTimer);
        spec.signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      child.once('error', (e) => {
        // Only a failure to start arrives without an exit: nothing is left to kill then.
        if (pid === null) finish({ exitCode: null, signal: null, timedOut: false, cancelled, pid: null, error: e.message });
      });
      child.once('exit', (code, sig) => {
        clearTimeout(timer);
        if (killTimer) clearTimeout(killTimer);
        // The shell is gone; a grandchild it left in the background must not outlive the task.
        const grace = termSent ? Math.max(0, termSentAt + spec.graceMs - Date.now()) : spec.graceMs;
        const left = pid === null ? Promise.resolve() : stopGroup(pid, grace, termSent);
        void left.then(() => finish({ exitCode: code, signal: sig, timedOut, cancelled, pid }));
      });
    });
  }
}
