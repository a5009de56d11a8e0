// The host side of an agent: its folder under .federation/agents/<id>/ (its bootstrap package, secrets, output),
// and reading back what it wrote. An agent controls everything in its output folder, so nothing read back
// from there follows a symlink or a ".." out of it: every component is checked, the file is opened without
// following links, and (on Linux) the opened file's real path is checked once more against the folder.
import * as path from 'node:path';
import { FederationError, isFederationError } from '../errors';
import type { Dirent, FileHandle, FileSystem } from '../ports';
import { PACKAGE_LAYOUT } from '../packages/workspace';
import { AGENTS_DIR } from './schema';

export interface AgentFolders {
  dir: string;
  /** The agent's remote-agent bootstrap package (BOOTSTRAP.md, MISSION_BRIEF.md, manifest.json, workspace/). */
  packageDir: string;
  /** The package's workspace files: what /workspace shows. */
  packageWorkspaceDir: string;
  /** The brief as packaged (redacted, the copy the agent reads at /brief/MISSION_BRIEF.md). */
  packageBrief: string;
  packageBootstrap: string;
  /** Agents deployed before packages had their brief copy here. */
  legacyBriefFile: string;
  secretsDir: string;
  outputDir: string;
  /** A worktree agent's own git folder (mounted at /git). */
  gitDir: string;
  /** Scratch space of collect while it brings a worktree agent's commits back (never mounted). */
  landingDir: string;
}

export function agentFolders(federationDir: string, agentId: string): AgentFolders {
  const dir = path.join(federationDir, AGENTS_DIR, agentId);
  const packageDir = path.join(dir, 'package');
  return {
    dir,
    packageDir,
    packageWorkspaceDir: path.join(packageDir, PACKAGE_LAYOUT.workspace),
    packageBrief: path.join(packageDir, PACKAGE_LAYOUT.brief),
    packageBootstrap: path.join(packageDir, PACKAGE_LAYOUT.bootstrap),
    legacyBriefFile: path.join(dir, 'brief', 'MISSION_BRIEF.md'),
    secretsDir: path.join(dir, 'secrets'),
    outputDir: path.join(dir, 'output'),
    gitDir: path.join(dir, 'git'),
    landingDir: path.join(dir, 'landing'),
  };
}

/** .federation/agents/ with a .gitignore that keeps secrets and outputs out of version control. */
export async function ensureAgentsDir(fs: FileSystem, federationDir: string): Promise<string> {
  const dir = path.join(federationDir, AGENTS_DIR);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    await fs.writeFile(path.join(dir, '.gitignore'), '# Secrets and agent output: never commit.\n*\n', { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return dir;
}

export type Owner = { uid: number; gid: number };

/** Hands a tree to the agent's user (links themselves, never their targets). */
export async function chownTree(fs: FileSystem, p: string, owner: Owner): Promise<void> {
  const st = await fs.lstat(p);
  await fs.lchown(p, owner.uid, owner.gid);
  if (st.isDirectory()) {
    for (const name of await fs.readdir(p)) await chownTree(fs, path.join(p, name), owner);
  }
}

/** An empty output folder (made in the agent's folder, which the caller made), owned by the agent's user. */
export async function prepareOutputFolder(fs: FileSystem, folders: AgentFolders, owner?: Owner): Promise<void> {
  await fs.mkdir(folders.outputDir, { mode: 0o700 });
  if (owner) await fs.chown(folders.outputDir, owner.uid, owner.gid);
}

/** Removes a folder tree even where the agent's files are read-only to us (0400 secrets, 0500 folders). */
export async function removeTree(fs: FileSystem, dir: string): Promise<void> {
  try {
    await fs.rm(dir, { recursive: true, force: true });
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM') throw e;
  }
  const open = async (p: string): Promise<void> => {
    const st = await fs.lstat(p).catch(() => undefined);
    if (!st?.isDirectory()) return;
    await fs.chmod(p, 0o700);
    for (const name of await fs.readdir(p)) await open(path.join(p, name));
  };
  await open(dir);
  await fs.rm(dir, { recursive: true, force: true });
}

/** True when the folder holds anything at all. */
export async function hasEntries(fs: FileSystem, dir: string): Promise<boolean> {
  try {
    return (await fs.readdir(dir)).length > 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

function escape(dir: string, rel: string, why: string): FederationError {
  return new FederationError('outside-workspace', `Refused to read "${rel}" from ${dir}: ${why}.`, { folder: dir, path: rel });
}

/** "/output/a/b", "a/b", "./a/b" → ['a', 'b']; refuses "..", other absolute paths and NUL. */
export function outputSegments(rel: string): string[] {
  let p = rel.replace(/\\/g, '/');
  if (p === '/output' || p.startsWith('/output/')) p = p.slice('/output'.length);
  else if (p.startsWith('/')) throw escape('/output', rel, 'it is not under /output');
  if (p.includes('\0')) throw escape('/output', rel, 'it contains a NUL character');
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.includes('..')) throw escape('/output', rel, 'it climbs out with ".."');
  return parts;
}

async function procFdPath(fs: FileSystem, fd: number): Promise<string | undefined> {
  if (process.platform !== 'linux') return undefined;
  try {
    return await fs.readlink(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** Opens a regular file inside `dir` without following any link; the caller closes it. */
async function openInside(fs: FileSystem, dir: string, parts: string[], shown: string): Promise<FileHandle> {
  if (parts.length === 0) throw escape(dir, shown, 'it names the folder itself');
  const realDir = await fs.realpath(dir);
  let at = realDir;
  for (const part of parts.slice(0, -1)) {
    at = path.join(at, part);
    const st = await fs.lstat(at).catch(() => undefined);
    if (!st) throw new FederationError('not-found', `${shown} does not exist in ${dir}.`, { folder: dir, path: shown });
    if (st.isSymbolicLink()) throw escape(dir, shown, `${part} is a symbolic link`);
    if (!st.isDirectory()) throw escape(dir, shown, `${part} is not a folder`);
  }
  const file = path.join(at, parts[parts.length - 1] as string);
  let handle: FileHandle;
  const C = fs.constants;
  try {
    // O_NOFOLLOW: a link as the last component fails (ELOOP); O_NONBLOCK: a FIFO planted there cannot hang us.
    handle = await fs.open(file, C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FederationError('not-found', `${shown} does not exist in ${dir}.`, { folder: dir, path: shown });
    if (code === 'ELOOP' || code === 'EMLINK') throw escape(dir, shown, 'it is a symbolic link');
    throw e;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw escape(dir, shown, 'it is not a regular file');
    // A folder swapped for a link between the checks above and open() is caught here.
    const real = await procFdPath(fs, handle.fd);
    if (real !== undefined && !real.startsWith(realDir + path.sep)) throw escape(dir, shown, `it resolves to ${real}`);
    return handle;
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/** Reads a file the agent wrote, at most maxBytes. */
export async function readOutputFile(fs: FileSystem, outputDir: string, rel: string, maxBytes = 1024 * 1024): Promise<Buffer> {
  const handle = await openInside(fs, outputDir, outputSegments(rel), rel);
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) {
        throw new FederationError('invalid-input', `${rel} in ${outputDir} is larger than ${maxBytes} bytes.`, { folder: outputDir, path: rel });
      }
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/** Size of a regular file in the output folder, or undefined when it is missing or not a plain file inside. */
export async function outputFileSize(fs: FileSystem, outputDir: string, rel: string): Promise<number | undefined> {
  try {
    const handle = await openInside(fs, outputDir, outputSegments(rel), rel);
    try {
      return (await handle.stat()).size;
    } finally {
      await handle.close();
    }
  } catch (e) {
    if (isFederationError(e)) return undefined;
    throw e;
  }
}

export interface CollectResult {
  to: string;
  files: string[];
  bytes: number;
  /** Links, devices, FIFOs and sockets: never copied. */
  skipped: string[];
  /** A worktree agent's commits, brought onto its task branch. */
  commits?: { branch: string; from: string; to: string; count: number; uncommitted: string[] };
}

/** Copies the output folder's plain files and folders to `to` (which must not exist or be empty). */
export async function copyOutput(fs: FileSystem, outputDir: string, to: string): Promise<CollectResult> {
  if (await hasEntries(fs, to)) throw new FederationError('already-exists', `${to} is not empty; collect into a new folder.`, { to });
  await fs.mkdir(to, { recursive: true });
  const result: CollectResult = { to, files: [], bytes: 0, skipped: [] };
  const walk = async (parts: string[]): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(path.join(outputDir, ...parts), { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = [...parts, entry.name];
      const shown = rel.join('/');
      if (entry.isDirectory()) {
        await fs.mkdir(path.join(to, ...rel), { recursive: true });
        await walk(rel);
      } else if (entry.isFile()) {
        let handle: FileHandle;
        try {
          handle = await openInside(fs, outputDir, rel, shown);
        } catch (e) {
          if (isFederationError(e)) {
            result.skipped.push(shown);
            continue;
          }
          throw e;
        }
        try {
          const data = await handle.readFile();
          await fs.writeFile(path.join(to, ...rel), data, { flag: 'wx', mode: 0o644 });
          result.files.push(shown);
          result.bytes += data.length;
        } finally {
          await handle.close();
        }
      } else {
        result.skipped.push(shown);
      }
    }
  };
  // The output folder of a running agent is still written to; a copy is what is there now.
  await walk([]);
  return result;
}
