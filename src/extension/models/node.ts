// What every tree node shows, as plain data (no vscode import, so models are tested and benchmarked without an
// editor). views/treeProvider.ts turns such nodes into TreeItems.

export type IconSpec = { id: string; color?: string };

/** A command a node runs when clicked. */
export interface NodeCommand {
  command: string;
  title: string;
  arguments?: unknown[];
}

export interface NodeBase {
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  contextValue: string;
  icon: IconSpec;
  expanded?: boolean;
  command?: NodeCommand;
}
