// One TreeDataProvider for both views: the model (a pure function of the snapshot) decides what is shown,
// this class only turns plain nodes into TreeItems.
import * as vscode from 'vscode';
import { FederationSnapshot } from '../../core/federation/snapshot';
import type { NodeBase } from '../models/node';

export interface PlainNode extends NodeBase {
  kind: string;
  children: PlainNode[];
  /** Set on error nodes: clicking opens the bad file. */
  file?: string;
}

/** Turns a model (a pure function of some source's data) into a tree; S is the source's data. */
export class SnapshotTreeProvider<N extends PlainNode, S = FederationSnapshot> implements vscode.TreeDataProvider<N>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<N | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private roots: Promise<N[]>;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly source: { snapshot(): Promise<S>; onDidChange: vscode.Event<S> },
    private readonly build: (snapshot: S) => N[],
  ) {
    this.roots = source.snapshot().then(build);
    this.subscription = source.onDidChange((snap) => this.update(snap));
  }

  /** Rebuilds from the snapshot (also when something else the model reads, like the window's persona, changed). */
  update(snapshot?: S): void {
    this.roots = snapshot ? Promise.resolve(this.build(snapshot)) : this.source.snapshot().then(this.build);
    this.emitter.fire(undefined);
  }

  async getChildren(element?: N): Promise<N[]> {
    if (element) return element.children as N[];
    return this.roots;
  }

  getTreeItem(node: N): vscode.TreeItem {
    return treeItem(node);
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}

/** The TreeItem for a plain node: every view shows its nodes this way (the Agents view too). */
export function treeItem(node: NodeBase & { children: readonly unknown[]; file?: string }): vscode.TreeItem {
  const state =
    node.children.length === 0
      ? vscode.TreeItemCollapsibleState.None
      : node.expanded === false
        ? vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.Expanded;
  const item = new vscode.TreeItem(node.label, state);
  item.id = node.id;
  if (node.description) item.description = node.description;
  if (node.tooltip) item.tooltip = node.tooltip;
  item.contextValue = node.contextValue;
  item.iconPath = new vscode.ThemeIcon(node.icon.id, node.icon.color ? new vscode.ThemeColor(node.icon.color) : undefined);
  if (node.file) {
    item.command = { command: 'vscode.open', title: 'Open File', arguments: [vscode.Uri.file(node.file)] };
  } else if (node.command) {
    item.command = { ...node.command };
  }
  return item;
}
