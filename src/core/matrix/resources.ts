// What an attempt used. The runner behind the process-runner port measures CPU and memory:
//   - process isolation, Python spawn server: wait4's rusage of the task's shell (os.wait3): CPU of the shell and
//     of every process it waited for; peak memory = the largest resident set of any one of them (not their sum),
//     which also counts the launcher's own pages that the child shared until exec (a floor of a few MB);
//   - process isolation, Perl fork server: the same through the wait4 system call on 64-bit Linux (x86_64,
//     aarch64); elsewhere CPU only, from the growth of times()'s children's total (source `times`);
//   - process isolation, Node's spawn fallback: nothing (Node gives no child's rusage);
//   - docker isolation: the container's own cgroup read as its command ends (source `cgroup`): CPU of every process
//     in the container, memory.peak of all of them together (containerUsage.ts).
// The bytes a task produced are measured here, for both: the size of every file in its module's build output
// folders (dist/, build/, out/: what produces_artifacts lists and the GitHub worker uploads) after the attempt.
import * as path from 'node:path';
import type { FileSystem } from '../ports';
import { ARTIFACT_FOLDERS } from './plan';
import type { ResourceUsage } from './processPort';
import type { AttemptResult, Resources } from './results';

/** Files looked at in one module's output folders: a bound, however large a build gets. */
const MAX_FILES = 200_000;

const ms = (x: number) => Math.round(x * 1000) / 1000;

export function attemptResources(usage: ResourceUsage | undefined, producedBytes: number | null): Resources {
  return {
    cpuMs: usage ? ms(usage.userMs + usage.systemMs) : null,
    userMs: usage ? ms(usage.userMs) : null,
    systemMs: usage ? ms(usage.systemMs) : null,
    peakMemoryBytes: usage?.peakMemoryBytes ?? null,
    producedBytes,
    source: usage?.source ?? null,
  };
}

/** A task's resources: CPU of every attempt, its largest peak, what its last attempt left. */
export function taskResources(attempts: readonly AttemptResult[]): Resources | null {
  const rs = attempts.map((a) => a.resources).filter((r): r is Resources => r !== undefined);
  if (rs.length === 0) return null;
  const sum = (k: 'cpuMs' | 'userMs' | 'systemMs') => (rs.some((r) => r[k] !== null) ? ms(rs.reduce((a, r) => a + (r[k] ?? 0), 0)) : null);
  const peaks = rs.map((r) => r.peakMemoryBytes).filter((x): x is number => x !== null);
  const last = rs[rs.length - 1]!;
  return {
    cpuMs: sum('cpuMs'),
    userMs: sum('userMs'),
    systemMs: sum('systemMs'),
    peakMemoryBytes: peaks.length ? Math.max(...peaks) : null,
    producedBytes: last.producedBytes,
    source: rs.find((r) => r.source !== null)?.source ?? null,
  };
}

/** Bytes of the regular files under the module's output folders (symlinks not followed); 0 when there are none. */
export async function outputBytes(fs: FileSystem, moduleFolder: string): Promise<number> {
  let total = 0;
  let seen = 0;
  const walk = async (dir: string): Promise<void> => {
    let entries: import('../ports').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (++seen > MAX_FILES) return;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) total += await fs.lstat(p).then((s) => s.size, () => 0);
    }
  };
  for (const f of ARTIFACT_FOLDERS) await walk(path.join(moduleFolder, f));
  return total;
}
