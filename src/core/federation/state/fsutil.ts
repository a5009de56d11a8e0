// File-system helpers of the file backend (store.ts) and the folder layout: reading state files, and writing
// them so that a reader never sees half of one.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { FederationError } from '../../errors';
import type { FileSystem } from '../../ports';

export function errno(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

export async function exists(fs: FileSystem, p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

/** Writes a temp file beside `target`, syncs it and renames it into place; `beforeRename` may still refuse. */
export async function writeAtomic(fs: FileSystem, target: string, content: string, exclusive: boolean, beforeRename: () => void): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  if (exclusive && (await exists(fs, target))) {
    throw new FederationError('already-exists', `${target} already exists; it was not overwritten.`, { file: target });
  }
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, 'w', 0o644);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    beforeRename();
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Appends one line and syncs it before the lock is let go. If the journal was replaced meanwhile (this writer
 * stalled past the stale window and another folded the queue), the line went to a removed file: the change is
 * reported as not written.
 */
export async function appendDurably(fs: FileSystem, file: string, line: string, beforeWrite: () => void): Promise<void> {
  beforeWrite();
  // Synchronous: a line and its sync are a fraction of a millisecond, while each asynchronous call is a
  // thread-pool round trip that, with eight writers on two cores, made the append take five times as long.
  const sync = fs.sync;
  const fd = sync.openSync(file, 'a', 0o644);
  try {
    const bytes = Buffer.from(line, 'utf8');
    for (let at = 0; at < bytes.length; ) at += sync.writeSync(fd, bytes, at);
    sync.fdatasyncSync(fd);
    const [mine, there] = [sync.fstatSync(fd), sync.statSync(file, { throwIfNoEntry: false })];
    if (!there || there.ino !== mine.ino || there.dev !== mine.dev) {
      throw new FederationError('lock-compromised', 'The federation state lock was lost while changing the queue (the process stalled past the stale window); the change was not written. Try again.', {});
    }
  } finally {
    sync.closeSync(fd);
  }
}

export function jsonErrorLocation(text: string, e: unknown): string {
  const m = /position (\d+)/.exec(e instanceof Error ? e.message : '');
  if (!m) return '';
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return ` at line ${line}, column ${col}`;
}

export function statKey(fs: FileSystem, p: string): string | undefined {
  const st = fs.sync.statSync(p, { throwIfNoEntry: false });
  return st ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}` : undefined;
}

export function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * State files are read synchronously: they are small (the queue is a few hundred KB), and a transaction made some
 * thirty asynchronous file calls, each a thread-pool round trip that under eight writers cost more than the work.
 */
export function readOptionalSync(fs: FileSystem, p: string): string | undefined {
  try {
    return fs.sync.readFileSync(p, 'utf8');
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw e;
  }
}

export async function readOptional(fs: FileSystem, p: string): Promise<string | undefined> {
  try {
    return await fs.readFile(p, 'utf8');
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw e;
  }
}
