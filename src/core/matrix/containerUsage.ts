// What a task container used, read from its own cgroup as its command ends. Once the container has stopped the
// engine has removed the cgroup and its stats are empty, so the container's shell reads it itself: the task's
// command runs as a child of a small wrapper, which forwards SIGTERM to it (the stop of a timeout or a
// cancellation still reaches the command), waits for it, copies the cgroup's counters to a file in a folder of
// its own mounted from the host, and exits with the command's status. cgroup v2: cpu.stat (usage_usec, user_usec,
// system_usec) and memory.peak (kernel 5.19+; all the container's processes together); cgroup v1: cpuacct.stat
// (user, system in USER_HZ ticks) and memory.max_usage_in_bytes. The numbers are the task's own to write: they are
// read as numbers only, from a regular file of at most 4 KiB, and say nothing but what it used.
import type { FileSystem } from '../ports';
import type { ResourceUsage } from './processPort';

/** Where the host folder for the usage file is mounted in the container. */
export const USAGE_MOUNT = '/run/federation-usage';
export const USAGE_FILE = 'usage';
const MAX_BYTES = 4096;
/** USER_HZ, the unit of cgroup v1's cpuacct.stat on Linux. */
const TICKS_PER_SECOND = 100;

/**
 * `sh -c WRAPPER federation-task COMMAND CGROUP_DIR USAGE_FILE`: $1 the task's command, $2 the cgroup folder, $3
 * the file the counters go to. The loop waits again when a forwarded signal interrupted the wait. The command is
 * the shell's background job so that the trap can run while it waits; like any background job of a shell without
 * job control, it starts with SIGINT and SIGQUIT ignored (the runner stops containers with SIGTERM).
 */
export const USAGE_WRAPPER = [
  "p=; trap '[ -n \"$p\" ] && kill -TERM $p 2>/dev/null' TERM",
  '/bin/sh -c "$1" & p=$!',
  'while :; do wait $p; s=$?; kill -0 $p 2>/dev/null || break; done',
  'c=$2',
  '{ cat "$c/cpu.stat"; echo "memory.peak $(cat "$c/memory.peak")"; echo "v1 $(cat "$c/cpuacct/cpuacct.stat" "$c/cpuacct.stat" | tr "\\n" " ")"; echo "memory.max_usage_in_bytes $(cat "$c/memory/memory.max_usage_in_bytes")"; } > "$3" 2>/dev/null',
  'exit $s',
].join('\n');

/** The container's command for a task command: the wrapper around it. */
export function wrappedCommand(command: string, usageFile = `${USAGE_MOUNT}/${USAGE_FILE}`): string[] {
  return ['/bin/sh', '-c', USAGE_WRAPPER, 'federation-task', command, '/sys/fs/cgroup', usageFile];
}

const num = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined);

/** The usage file's text → usage; undefined when it holds neither cgroup version's CPU counters. */
export function parseUsage(text: string): ResourceUsage | undefined {
  const kv = new Map<string, string>();
  let v1: string[] = [];
  for (const line of text.split('\n')) {
    const [k, ...rest] = line.trim().split(/\s+/);
    if (!k) continue;
    if (k === 'v1') v1 = rest;
    else if (rest.length === 1) kv.set(k, rest[0]!);
  }
  const peak = num(kv.get('memory.peak')) ?? num(kv.get('memory.max_usage_in_bytes')) ?? null;
  const user = num(kv.get('user_usec'));
  const system = num(kv.get('system_usec'));
  if (user !== undefined && system !== undefined) return { userMs: user / 1000, systemMs: system / 1000, peakMemoryBytes: peak, source: 'cgroup' };
  const ticks = new Map<string, number | undefined>();
  for (let i = 0; i + 1 < v1.length; i += 2) ticks.set(v1[i]!, num(v1[i + 1]));
  const u = ticks.get('user');
  const sy = ticks.get('system');
  if (u !== undefined && sy !== undefined) return { userMs: (u * 1000) / TICKS_PER_SECOND, systemMs: (sy * 1000) / TICKS_PER_SECOND, peakMemoryBytes: peak, source: 'cgroup' };
  return undefined;
}

/** The usage the container left in `file` (a regular file, not a link the task put there), if any. */
export async function readUsage(fs: FileSystem, file: string): Promise<ResourceUsage | undefined> {
  try {
    const st = await fs.lstat(file);
    if (!st.isFile() || st.size > MAX_BYTES) return undefined;
    return parseUsage(await fs.readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}
