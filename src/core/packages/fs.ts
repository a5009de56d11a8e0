// The file-system port of the package builder. It offers only primitives that do not follow links (lstat,
// readlink, readdir) plus reading a file the core has already resolved, so every path-safety decision is made in
// the core and the in-memory workspace of the unit tests exercises exactly the same checks as the real disk.
import * as path from 'node:path';
import type { FileSystem } from '../ports';

export type EntryKind = 'file' | 'dir' | 'symlink' | 'other';

export interface FsEntry {
  kind: EntryKind;
  size: number;
}

/** Paths are workspace-relative with forward slashes; '' is the workspace root. */
export interface WorkspaceFs {
  /** Absolute paths (forward slashes) that name the workspace root: an absolute link target under one is inside. */
  readonly roots: readonly string[];
  /** Does not follow a link at `rel` itself; undefined when nothing is there. */
  lstat(rel: string): Promise<FsEntry | undefined>;
  /** The target of the link at `rel` as written, with forward slashes. */
  readlink(rel: string): Promise<string>;
  readdir(rel: string): Promise<string[]>;
  readFile(rel: string): Promise<Uint8Array>;
}

function slashes(p: string): string {
  return p.split(path.sep).join('/');
}

// The real disk, over the core's FileSystem port (the front ends pass Node's; nothing here loads node:fs).
class DiskWorkspaceFs implements WorkspaceFs {
  constructor(
    private readonly fs: FileSystem,
    private readonly root: string,
    readonly roots: readonly string[],
  ) {}

  private abs(rel: string): string {
    return rel ? path.join(this.root, ...rel.split('/')) : this.root;
  }

  async lstat(rel: string): Promise<FsEntry | undefined> {
    try {
      const st = await this.fs.lstat(this.abs(rel));
      const kind: EntryKind = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
      return { kind, size: st.size };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw e;
    }
  }

  async readlink(rel: string): Promise<string> {
    return slashes(await this.fs.readlink(this.abs(rel)));
  }

  async readdir(rel: string): Promise<string[]> {
    return (await this.fs.readdir(this.abs(rel))).sort();
  }

  async readFile(rel: string): Promise<Uint8Array> {
    return this.fs.readFile(this.abs(rel));
  }
}

/** The real disk. The root is named both as given and as its real path, so links written either way are recognised. */
export async function diskWorkspaceFs(fs: FileSystem, root: string): Promise<WorkspaceFs> {
  const given = path.resolve(root);
  const real = await fs.realpath(given).catch(() => given);
  const roots = [...new Set([slashes(real), slashes(given)])];
  // Reads go through the real root: the core's checks are made against it.
  return new DiskWorkspaceFs(fs, real, roots);
}

export type MemoryEntry = string | Uint8Array | { symlink: string };

/**
 * An in-memory workspace for unit tests: `{ 'docs/a.md': 'text', 'link': { symlink: '../outside' } }`. Folders
 * exist implicitly; an empty folder is written as 'dir/' with an empty string.
 */
export class MemoryWorkspaceFs implements WorkspaceFs {
  private readonly entries = new Map<string, MemoryEntry>();
  private readonly dirs = new Set<string>(['']);
  readonly roots: readonly string[];

  constructor(files: Record<string, MemoryEntry>, root = '/workspace') {
    this.roots = [root];
    for (const [p, v] of Object.entries(files)) {
      const isDir = p.endsWith('/');
      const rel = p.replace(/\/+$/, '');
      const parts = rel.split('/');
      for (let i = 1; i < parts.length; i++) this.dirs.add(parts.slice(0, i).join('/'));
      if (isDir) this.dirs.add(rel);
      else this.entries.set(rel, v);
    }
  }

  async lstat(rel: string): Promise<FsEntry | undefined> {
    if (this.dirs.has(rel)) return { kind: 'dir', size: 0 };
    const v = this.entries.get(rel);
    if (v === undefined) return undefined;
    if (typeof v === 'object' && !(v instanceof Uint8Array)) return { kind: 'symlink', size: v.symlink.length };
    return { kind: 'file', size: typeof v === 'string' ? Buffer.byteLength(v) : v.length };
  }

  async readlink(rel: string): Promise<string> {
    const v = this.entries.get(rel);
    if (v === undefined || typeof v === 'string' || v instanceof Uint8Array) throw enoent(rel);
    return v.symlink;
  }

  async readdir(rel: string): Promise<string[]> {
    if (!this.dirs.has(rel)) throw enoent(rel);
    const prefix = rel ? `${rel}/` : '';
    const names = new Set<string>();
    for (const p of [...this.entries.keys(), ...this.dirs]) {
      if (p !== rel && p.startsWith(prefix)) names.add(p.slice(prefix.length).split('/')[0]!);
    }
    return [...names].filter(Boolean).sort();
  }

  async readFile(rel: string): Promise<Uint8Array> {
    const v = this.entries.get(rel);
    if (typeof v === 'string') return Buffer.from(v, 'utf8');
    if (v instanceof Uint8Array) return v;
    throw enoent(rel);
  }
}

function enoent(rel: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`ENOENT: ${rel}`);
  e.code = 'ENOENT';
  return e;
}
