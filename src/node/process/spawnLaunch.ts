// The plain launcher: Node's own spawn, detached (a new process group), output straight to the log. Used when
// neither launch server can run (no Python 3 with posix_spawn, no Perl) or when asked for ('spawn').
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { specEnv, type ProcessOutcome, type ProcessSpec } from '../../core/matrix/processPort';
import type { Launch } from './supervise';

export function spawnLaunch(spec: ProcessSpec): Launch | ProcessOutcome {
  let fd: number;
  try {
    fd = openSync(spec.logFile, 'a');
  } catch (e) {
    return { exitCode: null, signal: null, timedOut: false, cancelled: false, pid: null, error: `cannot open the log ${spec.logFile}: ${(e as Error).message}` };
  }
  // Output goes straight to the log file descriptor: no pipe through this process, so a chatty task costs
  // nothing here and a grandchild that keeps the descriptor open cannot hold up the result.
  const child = (() => {
    try {
      if (spec.preamble) writeSync(fd, spec.preamble);
      return spawn('/bin/sh', ['-c', spec.command], { cwd: spec.cwd, env: specEnv(spec), detached: true, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
  })();
  return {
    onStart(cb) {
      if (child.pid !== undefined) cb(child.pid);
      // Only a failure to start arrives as 'error' without a pid: nothing is left to kill then.
      else child.once('error', (e) => cb(null, e.message));
    },
    onExit(cb) {
      child.once('exit', (code, sig) => cb(code, sig, false));
    },
  };
}
