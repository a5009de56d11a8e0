// Where benchmarks keep their files: a new folder under the repository's .tmp/ (ignored by git), on the project's
// disk like a real workspace, not in /tmp. The test suites create and delete tens of thousands of files in /tmp,
// and on ext4 without a journal (these VMs) a file created where many were deleted in the last minutes costs up to
// 0.3 ms instead of ~0.02 ms: the inode allocator steps over every recently freed inode. In /tmp right after a
// test run the matrix comparison measured 1.26-1.5 x xargs and in .tmp 1.08-1.10 in the same minutes; the claim
// p99 moved too. That measured the file system's state, not our code, so fileCreateUs reports that state.
// For the same reason one benchmark's deletions must not land just before another's measurements: the folders
// are removed together once every benchmark has run (removeScratch), and settle() flushes pending writes between
// benchmarks so that one's write-back does not run during the next.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import * as path from 'node:path';

const made: string[] = [];

/** A new empty folder for one benchmark, removed by removeScratch(). */
export function scratchDir(prefix: string): string {
  const parent = path.resolve(__dirname, '..', '..', '.tmp');
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(path.join(parent, prefix));
  made.push(dir);
  return dir;
}

/** Writes still pending are flushed now rather than during the next measurement. */
export function settle(): void {
  try {
    execFileSync('sync', { timeout: 60_000 });
  } catch {
    // No sync here (not POSIX): each comparison alternates its sides, which spreads such noise over both.
  }
}

/** Removes every scratch folder made so far. */
export function removeScratch(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  settle();
}

/** Microseconds to create one empty file in a new folder under `parent` (200 files). */
export function fileCreateUs(parent: string): number {
  const dir = mkdtempSync(path.join(parent, 'create-'));
  const t0 = performance.now();
  for (let i = 0; i < 200; i++) closeSync(openSync(path.join(dir, `f${i}`), 'wx'));
  return ((performance.now() - t0) / 200) * 1000;
}
