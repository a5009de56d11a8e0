// A Federation (or its store) on the real file system, as the composition roots build it: the core takes its
// FileSystem as a port and has no default, so every test goes through here instead of naming nodeFileSystem.
import { Federation, FederationOptions } from '../../src/core/federation';
import { FederationStore, StoreOptions } from '../../src/core/federation/state/store';
import { nodeFileSystem } from '../../src/node/fs';
import { nodeGit } from '../../src/node/git';
import { nodeHostProcesses } from '../../src/node/processes';

export function newFederation(root: string, options: Partial<FederationOptions> = {}): Federation {
  return new Federation(root, { fs: nodeFileSystem, git: nodeGit, processes: nodeHostProcesses, ...options });
}

export function newStore(root: string, options: Partial<StoreOptions> = {}): FederationStore {
  return new FederationStore(root, { fs: nodeFileSystem, processes: nodeHostProcesses, ...options });
}
