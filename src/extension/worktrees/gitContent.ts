// The left side of Review Task Changes: a file as it was at the commit the task's branch left its base, read with
// `git show <commit>:<path>` through the Git port; and an empty document for the side a file is missing on (the
// base side of an added file, the worktree side of a deleted one). Read-only, like every content provider's.
import * as vscode from 'vscode';
import type { ChangedFile } from '../../core/worktrees/review';
import { git, type GitPort } from '../../core/worktrees/git';
import * as path from 'path';

export const GIT_SCHEME = 'federation-git';

/** Where the content comes from: a commit and a repository path in a checkout (any worktree shares the objects). */
interface Source {
  cwd?: string;
  ref?: string;
}

/** `file` (repository-relative, as git names it) at `ref`, read in the checkout `cwd`. */
export function gitUri(cwd: string, ref: string, file: string): vscode.Uri {
  // The path is the file's, so the editor names the tab and picks the language by it; the query says where from.
  return vscode.Uri.from({ scheme: GIT_SCHEME, path: `/${file}`, query: JSON.stringify({ cwd, ref } satisfies Source) });
}

/** An empty document named like `file`. */
export function emptyUri(file: string): vscode.Uri {
  return vscode.Uri.from({ scheme: GIT_SCHEME, path: `/${file}`, query: '{}' });
}

/** The multi-file diff's [resource, original, modified] for one changed file of a worktree against `mergeBase`. */
export function changeTriple(worktree: string, mergeBase: string, f: ChangedFile): [vscode.Uri, vscode.Uri, vscode.Uri] {
  const onDisk = vscode.Uri.file(path.join(worktree, ...f.path.split('/')));
  const original = f.status === 'A' ? emptyUri(f.path) : gitUri(worktree, mergeBase, f.oldPath ?? f.path);
  const modified = f.status === 'D' ? emptyUri(f.path) : onDisk;
  return [onDisk, original, modified];
}

export class GitContentProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly port: GitPort) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const source = JSON.parse(uri.query || '{}') as Source;
    if (!source.cwd || !source.ref) return '';
    return git(this.port, source.cwd, ['show', `${source.ref}:${uri.path.slice(1)}`]);
  }
}
