// The Agents view: the tree model over AgentService.list(), refreshed from the engines' event streams (no
// polling). Docker is first touched when the view is first shown, never at activation.
import * as vscode from 'vscode';
import type { AgentService, AgentWatcher } from '../../core/agents';
import { describeError } from '../../core/errors';
import { treeItem } from '../views/treeProvider';
import { buildAgentsTree, errorTree, type AgentsTreeNode } from './model';

export class AgentsTreeProvider implements vscode.TreeDataProvider<AgentsTreeNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<AgentsTreeNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private roots: Promise<AgentsTreeNode[]> | undefined;
  private watcher: AgentWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(private readonly service: () => AgentService, private readonly log: vscode.LogOutputChannel) {}

  /** Looks again (after a command, a setting change, or the Retry item). */
  refresh(): void {
    if (!this.roots) return; // not shown yet: the first getChildren lists
    this.roots = this.list();
    this.emitter.fire(undefined);
  }

  /** The settings changed, or the user asked to retry: a new watcher over the current service, and a new listing. */
  restart(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.roots) {
      this.watch();
      this.refresh();
    }
  }

  private list(): Promise<AgentsTreeNode[]> {
    return this.service().list().then(buildAgentsTree, (e: unknown) => {
      this.log.warn(`agents: listing failed: ${describeError(e)}`);
      return errorTree(describeError(e));
    });
  }

  private watch(): void {
    if (this.disposed || this.watcher) return;
    this.watcher = this.service().watch((change) => {
      if (change.type === 'host-error') {
        // That engine's stream ended; it is not retried by itself (no polling): the view's Retry item does.
        this.log.warn(`agents: watching ${change.hostLabel} stopped: ${change.error.message}`);
      }
      // Several events arrive together (create, start); one listing answers them all.
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.refresh(), 150);
    });
  }

  getChildren(element?: AgentsTreeNode): Promise<AgentsTreeNode[]> | AgentsTreeNode[] {
    if (element) return element.children;
    if (!this.roots) this.roots = this.list();
    if (!this.watcher) this.watch();
    return this.roots;
  }

  getTreeItem(node: AgentsTreeNode): vscode.TreeItem {
    return treeItem(node);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.watcher?.close();
    this.emitter.dispose();
  }
}
