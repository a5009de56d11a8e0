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
  /** The editor's secret storage (the NATS token); absent in tests that need none. */
  readonly secrets?: SecretStore;
}

/** What of vscode.SecretStorage the commands use. */
export interface SecretStore {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}
