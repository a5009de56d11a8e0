// Process-group supervision, the same for every launcher: a task runs in a process group of its own, and a
// timeout, a cancellation or the end of its shell stops the whole group (SIGTERM, SIGKILL after the grace period).
import { readFileSync, readdirSync } from 'node:fs';
import type { ProcessOutcome, ProcessSpec, ResourceUsage } from '../../core/matrix/processPort';

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

/** How a started process reports back to the supervisor. */
export interface Launch {
  /** Called once with the pid (= process group id), or with an error when it never started. */
  onStart(cb: (pid: number | null, error?: string) => void): void;
  /** groupGone: the launcher saw the process group empty after the exit, so there is nothing left to stop. */
  onExit(cb: (code: number | null, signal: string | null, groupGone: boolean, usage?: ResourceUsage) => void): void;
}

/**
 * Timeout, cancellation and clean-up, the same for every launcher: SIGTERM to the group, SIGKILL after the grace
 * period, and when the shell is gone, whatever it left in its group is stopped too before the outcome is given.
 */
export function supervise(spec: ProcessSpec, launch: Launch): Promise<ProcessOutcome> {
  return new Promise((resolve) => {
    let pid: number | null = null;
    let timedOut = false;
    let cancelled = false;
    let termSent = false;
    let termSentAt = 0;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    let wantStop = false;
    const stop = () => {
      wantStop = true;
      if (termSent || pid === null) return;
      termSent = true;
      termSentAt = Date.now();
      signalGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => pid !== null && signalGroup(pid, 'SIGKILL'), spec.graceMs);
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
    launch.onStart((p, error) => {
      if (p === null) {
        finish({ exitCode: null, signal: null, timedOut: false, cancelled, pid: null, ...(error ? { error } : {}) });
        return;
      }
      pid = p;
      // A timeout or an abort that came before the pid was known.
      if (wantStop) stop();
    });
    launch.onExit((code, sig, groupGone, usage) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      const outcome = () => ({ exitCode: code, signal: sig, timedOut, cancelled, pid, ...(usage ? { usage } : {}) });
      if (groupGone || pid === null) {
        finish(outcome());
        return;
      }
      const grace = termSent ? Math.max(0, termSentAt + spec.graceMs - Date.now()) : spec.graceMs;
      const left = pid === null ? Promise.resolve() : stopGroup(pid, grace, termSent);
      void left.then(() => finish(outcome()));
    });
  });
}
