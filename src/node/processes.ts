// The Node adapter of the core's HostProcesses port: this process's host, pid and PID namespace, and a liveness
// check by signal 0 (EPERM means it runs, under another user).
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { HostProcesses } from '../core/ports';

function pidNamespace(): string | undefined {
  try {
    return fs.readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined; // not Linux: pids are the host's
  }
}

const ns = pidNamespace();

export const nodeHostProcesses: HostProcesses = {
  self: { host: os.hostname(), pid: process.pid, ...(ns ? { pidNamespace: ns } : {}) },
  isRunning(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
};
