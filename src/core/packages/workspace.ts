// The workspace as the package builder sees it: its confidentiality config, safe path resolution (no "..", no
// absolute paths, no link that leads out), walking folders and reading text. Every decision is made here over the
// WorkspaceFs primitives, so in-memory tests and the real disk take the same code path.
import { StateFileError } from '../errors';
import { matchesGlob } from '../glob';
import type { FileSystem } from '../ports';
import { PackageConfig, defaultPackageConfig, parsePackageConfig, unsafeRuleReason } from './config';
import { FsEntry, WorkspaceFs, diskWorkspaceFs } from './fs';
import { Label, labelFile, stricter } from './labels';

export const PACKAGE_FORMAT = 'agent-federation.bootstrap-package/1';
/** Where things are in a written package; a deployment mounts these (workspace/ at /workspace, the rest under /brief). */
export const PACKAGE_LAYOUT = { bootstrap: 'BOOTSTRAP.md', brief: 'MISSION_BRIEF.md', manifest: 'manifest.json', workspace: 'workspace' } as const;
export const CONFIG_PATH = '.federation/config.yaml';

/** Never put into any package, whoever asks: other agents' secrets and output, packages, VCS internals. */
export const NEVER_PACKAGED = ['**/.git/**', '.federation/agents/**', '.federation/packages/**', '.federation/corrupt/**', '.federation/state.lock/**', '.federation/state.waiting/**'];
/** Folders a walk does not enter (they may still be named explicitly). */
const WALK_SKIP = new Set(['node_modules']);
/** Nor does a walk of the whole workspace enter the federation's own state (other personas, the queue, handoffs):
 *  an agent given `/workspace` gets the project, not the coordination of everyone else. Naming a file there works. */
const WALK_SKIP_TOP = new Set(['.federation']);
/** Larger files are left out: a package is context, not a data transfer. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** A walk stops after this many files (reported), so `/workspace` on a huge tree stays bounded. */
export const MAX_WALK_FILES = 20000;
const MAX_LINK_HOPS = 40;

export type PathProblem = 'traversal' | 'absolute-path' | 'symlink-outside' | 'link-loop' | 'not-found' | 'never-packaged';

export type PathCheck = { ok: true; rel: string } | { ok: false; reason: 'traversal' | 'absolute-path'; detail: string };

/** A path as written in a brief, a rule or a state file, checked before it touches the file system. */
export function checkReference(ref: string): PathCheck {
  const p = ref.trim().replace(/\\/g, '/');
  if (p.includes('\0')) return { ok: false, reason: 'traversal', detail: 'it contains a NUL character' };
  if (p.startsWith('/') || p.startsWith('~') || /^[A-Za-z]:/.test(p)) {
    return { ok: false, reason: 'absolute-path', detail: 'it is an absolute path; only paths inside the workspace are packaged' };
  }
  const segs = p.split('/');
  if (segs.includes('..')) return { ok: false, reason: 'traversal', detail: 'it climbs out with ".."; such a path is never followed' };
  return { ok: true, rel: segs.filter((s) => s !== '' && s !== '.').join('/') };
}

export function isNeverPackaged(rel: string): boolean {
  // `rel/_` also matches the folder itself, so a walk does not enter it.
  return NEVER_PACKAGED.some((g) => matchesGlob(rel, g) || matchesGlob(`${rel}/_`, g));
}

export type Resolved =
  | { ok: true; real: string; kind: 'file' | 'dir'; viaLink: boolean; entry: FsEntry }
  | { ok: false; reason: PathProblem; detail: string };

export type ReadResult =
  | { ok: true; text: string; bytes: number }
  | { ok: false; reason: 'binary' | 'too-large' | 'unreadable'; detail: string };

/** Where the workspace is: a WorkspaceFs (tests pass an in-memory one), or a root on the disk the FileSystem port reaches. */
export type WorkspaceOptions =
  | { fs: WorkspaceFs; root?: string }
  | { root: string; disk: FileSystem };

/**
 * A snapshot of the confidentiality config plus caches of the file list and of package folders: open a new one
 * for each build (it is cheap), so that files changed since are seen.
 */
export class Workspace {
  private packageDirs = new Map<string, boolean>();
  private allFiles: Promise<{ files: string[]; truncated: boolean }> | undefined;

  private constructor(
    readonly fs: WorkspaceFs,
    readonly config: PackageConfig,
    /** Rules of config.yaml that were ignored because they could never name a workspace file. */
    readonly ignoredRules: { glob: string; reason: string }[],
  ) {}

  /** Reads .federation/config.yaml (through the port); a broken file throws StateFileError rather than guessing. */
  static async open(options: WorkspaceOptions): Promise<Workspace> {
    const port = 'fs' in options ? options.fs : await diskWorkspaceFs(options.disk, options.root);
    const probe = new Workspace(port, defaultPackageConfig(), []);
    let config = defaultPackageConfig();
    const resolved = await probe.resolve(CONFIG_PATH);
    if (resolved.ok && resolved.kind === 'file') {
      const read = await probe.readText(resolved.real, resolved.entry);
      if (!read.ok) throw new StateFileError(CONFIG_PATH, '', `cannot be read as text (${read.detail})`);
      config = parsePackageConfig(read.text, CONFIG_PATH);
    } else if (!resolved.ok && resolved.reason !== 'not-found') {
      throw new StateFileError(CONFIG_PATH, '', resolved.detail);
    }
    const ignored = config.confidentiality.rules.flatMap((r) => {
      const reason = unsafeRuleReason(r.glob);
      return reason ? [{ glob: r.glob, reason }] : [];
    });
    return new Workspace(port, config, ignored);
  }

  /** A folder other than the workspace judged by the workspace's confidentiality config (a task's worktree). */
  static over(fs: WorkspaceFs, config: PackageConfig): Workspace {
    return new Workspace(fs, config, []);
  }

  /**
   * Follows the path one segment at a time without letting the port follow links: a link is read and its
   * target spliced in, and a target that is absolute outside the workspace or climbs above its root fails.
   */
  async resolve(rel: string): Promise<Resolved> {
    if (isNeverPackaged(rel)) return this.neverPackaged(rel);
    const pending = rel.split('/').filter((s) => s !== '' && s !== '.');
    const done: string[] = [];
    let hops = 0;
    let viaLink = false;
    let entry: FsEntry = { kind: 'dir', size: 0 };
    while (pending.length > 0) {
      const seg = pending.shift()!;
      if (seg === '.' || seg === '') continue;
      if (seg === '..') {
        // Only a link target can bring ".." here (references are checked before).
        if (done.length === 0) return { ok: false, reason: 'symlink-outside', detail: `${rel} leads out of the workspace through a link` };
        done.pop();
        continue;
      }
      const cur = [...done, seg].join('/');
      const st = await this.fs.lstat(cur);
      if (!st) return { ok: false, reason: 'not-found', detail: `${rel} does not exist` };
      if (st.kind === 'symlink') {
        if (++hops > MAX_LINK_HOPS) return { ok: false, reason: 'link-loop', detail: `${rel} goes through too many links (a loop?)` };
        viaLink = true;
        const target = await this.fs.readlink(cur);
        if (isAbsolute(target)) {
          const inside = this.insideRoot(target);
          if (inside === undefined) return { ok: false, reason: 'symlink-outside', detail: `${cur} is a link to ${target}, outside the workspace` };
          done.length = 0;
          pending.unshift(...inside.split('/').filter(Boolean));
        } else {
          pending.unshift(...target.split('/'));
        }
        continue;
      }
      if (pending.length > 0 && st.kind !== 'dir') return { ok: false, reason: 'not-found', detail: `${rel} does not exist (${cur} is not a folder)` };
      done.push(seg);
      entry = st;
    }
    const real = done.join('/');
    if (isNeverPackaged(real)) return this.neverPackaged(real);
    if (await this.insidePackage(real)) {
      return { ok: false, reason: 'never-packaged', detail: `${real} is inside a bootstrap package written earlier; its labels came from other paths` };
    }
    if (entry.kind !== 'file' && entry.kind !== 'dir') return { ok: false, reason: 'not-found', detail: `${rel} is not a regular file` };
    return { ok: true, real, kind: entry.kind, viaLink, entry };
  }

  private neverPackaged(p: string): Resolved {
    return { ok: false, reason: 'never-packaged', detail: `${p} is in a folder no package ever includes (${NEVER_PACKAGED.join(', ')})` };
  }

  private insideRoot(target: string): string | undefined {
    const t = target.replace(/\/+$/, '');
    for (const root of this.fs.roots) {
      const r = root.replace(/\/+$/, '');
      if (t === r) return '';
      if (t.startsWith(`${r}/`)) return t.slice(r.length + 1);
    }
    return undefined;
  }

  /** A folder holding a manifest.json of ours is a package: copies there lost the path rules of their sources. */
  private async insidePackage(real: string): Promise<boolean> {
    const parts = real.split('/');
    for (let i = parts.length - 1; i >= 1; i--) {
      if (await this.isPackageDir(parts.slice(0, i).join('/'))) return true;
    }
    return false;
  }

  private async isPackageDir(dir: string): Promise<boolean> {
    const cached = this.packageDirs.get(dir);
    if (cached !== undefined) return cached;
    let result = false;
    const manifest = dir ? `${dir}/manifest.json` : 'manifest.json';
    const st = await this.fs.lstat(manifest);
    if (st?.kind === 'file' && st.size < MAX_FILE_BYTES) {
      try {
        const data: unknown = JSON.parse(Buffer.from(await this.fs.readFile(manifest)).toString('utf8'));
        result = typeof data === 'object' && data !== null && (data as Record<string, unknown>)['format'] === PACKAGE_FORMAT;
      } catch {
        result = false;
      }
    }
    this.packageDirs.set(dir, result);
    return result;
  }

  /** `real` must come from resolve(): the port reads it without any further check. */
  async readText(real: string, entry: FsEntry): Promise<ReadResult> {
    if (entry.size > MAX_FILE_BYTES) return { ok: false, reason: 'too-large', detail: `${entry.size} bytes, more than ${MAX_FILE_BYTES}` };
    let bytes: Uint8Array;
    try {
      bytes = await this.fs.readFile(real);
    } catch (e) {
      return { ok: false, reason: 'unreadable', detail: (e as NodeJS.ErrnoException).code ?? String(e) };
    }
    if (bytes.length > MAX_FILE_BYTES) return { ok: false, reason: 'too-large', detail: `${bytes.length} bytes, more than ${MAX_FILE_BYTES}` };
    // Binary content cannot be checked for secret values, so it is never packaged.
    if (bytes.subarray(0, 8000).includes(0)) return { ok: false, reason: 'binary', detail: 'binary content cannot be checked for secret values' };
    try {
      return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), bytes: bytes.length };
    } catch {
      return { ok: false, reason: 'binary', detail: 'not UTF-8 text, so it cannot be checked for secret values' };
    }
  }

  /** The level of a file reached as `reached` whose real path is `real`: the stricter of the two paths' labels. */
  label(reached: string, real: string, text: string | undefined): Label {
    const conf = this.config.confidentiality;
    const own = labelFile(reached, text, conf);
    return real === reached ? own : stricter(own, labelFile(real, text, conf));
  }

  /**
   * Files and links under `dir` (workspace-relative, already resolved), sorted. Links are listed, not followed:
   * each is resolved on its own when it is packaged. Package folders and never-packaged folders are skipped.
   */
  async walk(dir: string): Promise<{ files: string[]; truncated: boolean }> {
    const files: string[] = [];
    let truncated = false;
    const visit = async (d: string): Promise<void> => {
      let names: string[];
      try {
        names = await this.fs.readdir(d);
      } catch {
        return;
      }
      if (d && (await this.isPackageDir(d))) return;
      for (const name of names) {
        if (files.length >= MAX_WALK_FILES) {
          truncated = true;
          return;
        }
        const rel = d ? `${d}/${name}` : name;
        if (isNeverPackaged(rel)) continue;
        const st = await this.fs.lstat(rel);
        if (!st) continue;
        if (st.kind === 'dir') {
          if (!WALK_SKIP.has(name) && !WALK_SKIP_TOP.has(rel)) await visit(rel);
        } else if (st.kind === 'file' || st.kind === 'symlink') files.push(rel);
      }
    };
    await visit(dir);
    return { files: files.sort(), truncated };
  }

  /** Every file of the workspace (walked once), for globs. */
  workspaceFiles(): Promise<{ files: string[]; truncated: boolean }> {
    this.allFiles ??= this.walk('');
    return this.allFiles;
  }
}

function isAbsolute(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:\//.test(p);
}
