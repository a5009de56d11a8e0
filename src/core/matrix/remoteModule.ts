// --isolation docker on an engine that cannot see our files (tcp://, ssh://, or asked for): a task's module folder
// goes into a volume of its own through the Engine API's archive upload, and what the task builds (dist/, build/,
// out/: what produces_artifacts lists) comes back the same way, into the module as a bind mount would have left
// it. The rest of the repository is not there: a remote task gets its module only.
import * as path from 'node:path';
import type { CallOptions, DockerClient } from '../docker/client';
import { packTar, readTar, type TarEntry } from '../docker/tar';
import { FederationError, isFederationError } from '../errors';
import type { FileSystem } from '../ports';
import { ARTIFACT_FOLDERS } from './plan';

/** A module is context for a build, not a data transfer: past this the run says so instead of copying. */
export const MODULE_LIMITS = { maxBytes: 1024 ** 3, maxEntries: 200_000 } as const;
/** What comes back: the build output of one attempt. */
export const ARTIFACT_LIMITS = { maxBytes: 2 * 1024 ** 3, maxEntries: 200_000 } as const;

/**
 * The module folder as an archive whose entries sit at `prefix` (the working directory's path below /), owned by
 * `owner`. Links are kept as links (node_modules/.bin); devices, sockets and the hidden entries are left out.
 */
export async function packModule(fs: FileSystem, dir: string, prefix: string, owner: { uid: number; gid: number }, hidden: readonly string[]): Promise<Buffer> {
  const entries: TarEntry[] = [];
  let bytes = 0;
  const own = { uid: owner.uid, gid: owner.gid };
  const parts = prefix.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) entries.push({ name: parts.slice(0, i).join('/'), type: 'dir', mode: 0o755, ...own });
  const walk = async (rel: string[]): Promise<void> => {
    const names = (await fs.readdir(path.join(dir, ...rel))).sort();
    for (const name of names) {
      if (rel.length === 0 && hidden.includes(name)) continue;
      const here = [...rel, name];
      const full = path.join(dir, ...here);
      const st = await fs.lstat(full);
      const archived = [...parts, ...here].join('/');
      if (entries.length >= MODULE_LIMITS.maxEntries) throw tooBig(dir, `more than ${MODULE_LIMITS.maxEntries} entries`);
      if (st.isDirectory()) {
        entries.push({ name: archived, type: 'dir', mode: st.mode & 0o7777, ...own });
        await walk(here);
      } else if (st.isSymbolicLink()) {
        entries.push({ name: archived, type: 'symlink', mode: 0o777, linkname: await fs.readlink(full), ...own });
      } else if (st.isFile()) {
        bytes += st.size;
        if (bytes > MODULE_LIMITS.maxBytes) throw tooBig(dir, `more than ${MODULE_LIMITS.maxBytes / 1024 ** 2} MiB`);
        entries.push({ name: archived, type: 'file', mode: st.mode & 0o7777, content: await fs.readFile(full), ...own });
      }
    }
  };
  await walk([]);
  return packTar(entries);
}

function tooBig(dir: string, what: string): FederationError {
  return new FederationError('invalid-input', `The module folder ${dir} holds ${what}, too much to copy to a remote engine for each attempt; run it on an engine that sees it (the local one).`, { folder: dir });
}

/** "a/b" with no "..", absolute part or NUL, else undefined. */
function safe(name: string): string[] | undefined {
  if (name.startsWith('/') || name.includes('\0') || name.includes('\\')) return undefined;
  const p = name.split('/').filter((s) => s !== '' && s !== '.');
  return p.length === 0 || p.includes('..') ? undefined : p;
}

/**
 * Brings each artifact folder the task left in `workdir` back into `hostDir`, replacing the one there: unpacked
 * beside it and swapped in when complete. Plain files, folders and links inside the folder; nothing that climbs out.
 */
export async function pullArtifacts(fs: FileSystem, client: DockerClient, containerId: string, workdir: string, hostDir: string, call: CallOptions = {}): Promise<string[]> {
  const brought: string[] = [];
  for (const folder of ARTIFACT_FOLDERS) {
    let stream;
    try {
      stream = await client.getArchive(containerId, path.posix.join(workdir, folder), call);
    } catch (e) {
      if (isFederationError(e) && e.details['statusCode'] === 404) continue;
      throw e;
    }
    const target = path.join(hostDir, folder);
    const incoming = `${target}.incoming-${process.pid}`;
    await fs.rm(incoming, { recursive: true, force: true });
    try {
      try {
        await readTar(stream, ARTIFACT_LIMITS, async (entry, content) => {
          const parts = safe(entry.name);
          if (!parts || parts[0] !== folder) return;
          const out = path.join(incoming, ...parts.slice(1));
          if (entry.kind === 'dir') await fs.mkdir(out, { recursive: true });
          else if (entry.kind === 'file' && content) {
            await fs.mkdir(path.dirname(out), { recursive: true });
            await fs.writeFile(out, content, { flag: 'wx', mode: entry.mode & 0o777 });
          }
          // Links and the rest stay there: a link written by the task must not point anywhere on our side.
        });
      } finally {
        stream.close();
      }
      await fs.mkdir(incoming, { recursive: true });
      await fs.rm(target, { recursive: true, force: true });
      await fs.rename(incoming, target);
      brought.push(folder);
    } catch (e) {
      await fs.rm(incoming, { recursive: true, force: true }).catch(() => undefined);
      throw e;
    }
  }
  return brought;
}

/** The usage file the command's wrapper left (containerUsage.ts), read through the API: its text, or undefined. */
export async function pullUsageText(client: DockerClient, containerId: string, file: string, call: CallOptions = {}): Promise<string | undefined> {
  let text: string | undefined;
  try {
    const stream = await client.getArchive(containerId, file, call);
    try {
      await readTar(stream, { maxBytes: 4096, maxEntries: 4 }, async (entry, content) => {
        if (entry.kind === 'file' && content) text = content.toString('utf8');
      });
    } finally {
      stream.close();
    }
  } catch {
    return undefined;
  }
  return text;
}
