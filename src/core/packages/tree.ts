// The clearance of a whole folder the consumer will see as it is (a task's worktree mounted at /workspace): nothing
// is copied or redacted there, so every file must be one the consumer's package could hold unchanged. Each file is
// judged by the workspace's confidentiality rules, as packages are: its label (front matter, path rules, default)
// within the clearance, no secret value in its text, no link out of the folder. Binary and very large files cannot
// be scanned for secret values; they are judged by their path rules and the default alone.
import { findSecretValues } from '../brief';
import type { RefusedFile } from '../errors';
import type { FileSystem } from '../ports';
import type { PackageConfig } from './config';
import { diskWorkspaceFs } from './fs';
import { clearanceFor, rank, type Consumer, type OperatorLevel } from './model';
import { MAX_WALK_FILES, Workspace } from './workspace';

export interface TreeClearance {
  /** Files judged. */
  files: number;
  /** Files the consumer may not see, in path order (at most `limit`), and how many there were. */
  refused: RefusedFile[];
  refusedCount: number;
}

export interface TreeClearanceOptions {
  disk: FileSystem;
  /** The folder, absolute. Its top-level .git (a worktree's pointer file) is left out: it holds no content. */
  folder: string;
  /** The workspace's config (its confidentiality rules name paths from the folder's top). */
  config: PackageConfig;
  consumer: Consumer;
  operatorLevel: OperatorLevel;
  /** Values of the consumer's secrets: a file holding one verbatim is refused (they are only ever mounted). */
  secretValues?: readonly string[];
  limit?: number;
}

export async function treeClearance(o: TreeClearanceOptions): Promise<TreeClearance> {
  const ws = Workspace.over(await diskWorkspaceFs(o.disk, o.folder), o.config);
  const clearance = clearanceFor(o.consumer, o.operatorLevel);
  const limit = o.limit ?? 50;
  const refused: RefusedFile[] = [];
  let refusedCount = 0;
  let files = 0;
  const refuse = (source: string, reason: string, detail: string): void => {
    refusedCount++;
    if (refused.length < limit) refused.push({ source, reason, detail, blocking: true });
  };

  const judge = async (rel: string): Promise<void> => {
    files++;
    const r = await ws.resolve(rel);
    if (!r.ok) return refuse(rel, r.reason, r.detail);
    // A link to a folder inside: that folder is walked where it is.
    if (r.kind === 'dir') return;
    const read = await ws.readText(r.real, r.entry);
    if (!read.ok && read.reason === 'unreadable') return refuse(rel, 'unreadable', `${rel}: ${read.detail}`);
    const label = ws.label(rel, r.real, read.ok ? read.text : undefined);
    if (label.source === 'unreadable') return refuse(rel, 'unreadable-label', `${rel} counts as C3 because ${label.problem ?? 'its label cannot be read'}`);
    if (label.level === 'C3') return refuse(rel, 'confidential', `${rel} is C3: never shown to an agent`);
    if (rank(label.level) > rank(clearance.effective)) {
      return refuse(rel, 'above-clearance', `${rel} is ${label.level}, above what ${o.consumer} at operator level ${o.operatorLevel} may see (${clearance.effective})`);
    }
    if (read.ok) {
      const secret = o.secretValues?.find((v) => read.text.includes(v));
      if (secret !== undefined) return refuse(rel, 'secret-value', `${rel} holds the value of one of the agent's secrets, which are only ever mounted under /secrets`);
      const found = findSecretValues(read.text);
      if (found.length > 0) return refuse(rel, 'secret-value', `${rel} holds what looks like a secret value (${found[0]!.label}, line ${lineOf(read.text, found[0]!.start)}), which cannot be redacted in place`);
    }
  };

  let truncated = false;
  const visit = async (dir: string): Promise<void> => {
    let names: string[];
    try {
      names = await ws.fs.readdir(dir);
    } catch (e) {
      return refuse(dir || '.', 'unreadable', `${dir || 'the folder'} cannot be listed (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    for (const name of names) {
      const rel = dir ? `${dir}/${name}` : name;
      if (rel === '.git') continue;
      if (truncated || files >= MAX_WALK_FILES) {
        truncated = true;
        return;
      }
      const st = await ws.fs.lstat(rel);
      if (!st) continue;
      if (st.kind === 'dir') await visit(rel);
      else await judge(rel);
    }
  };
  await visit('');
  if (truncated) refuse('.', 'too-many-files', `the folder holds more than ${MAX_WALK_FILES} files, too many to check one by one`);
  return { files, refused, refusedCount };
}

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}
