// The outside world the editor's services are built from. extension.ts (the composition root) makes one set, Node's
// file system and the extension host's environment, and hands it down; nothing below it picks its own.
import type { Environment, FileSystem, HostProcesses } from '../core/ports';
import type { GitPort } from '../core/worktrees/git';

export interface EditorPorts {
  readonly fs: FileSystem;
  readonly env: Environment;
  /** git, for task worktrees and their review. */
  readonly git: GitPort;
  readonly processes: HostProcesses;
}
