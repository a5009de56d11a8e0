// The editor side of remote agents: the Agents view (grouped by engine, updated from Docker events) and what the
// agent commands (./commands, registered by features.ts) get as their `agents` service. Docker support (dockerode)
// is loaded only when the view is first shown or a command runs, never at activation.
import * as vscode from 'vscode';
import type { AgentService } from '../../core/agents';
import { Disposable, toDisposable } from '../lifecycle';
import { makeService, type AgentsContext, type AgentsDeps } from './context';
import { AgentsTreeProvider } from './provider';
import { SecretStorageSource } from './secretStorage';

export const AGENTS_VIEW_ID = 'agentFederation.agents';

export class Agents extends Disposable {
  /** The agent commands' service. */
  readonly context: AgentsContext;
  readonly tree: AgentsTreeProvider;
  private current: AgentService | undefined;

  constructor(deps: AgentsDeps, secrets: vscode.SecretStorage) {
    super();
    const service = (): AgentService => (this.current ??= makeService(deps));
    this.tree = this._register(new AgentsTreeProvider(service, deps.log));
    this._register(vscode.window.createTreeView(AGENTS_VIEW_ID, { treeDataProvider: this.tree, showCollapseAll: true }));
    this.context = { deps, service, tree: this.tree, secrets: new SecretStorageSource(secrets), followers: new Map() };
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('agentFederation.docker') || e.affectsConfiguration('agentFederation.agent')) {
          this.current = undefined;
          this.tree.restart();
        }
      }),
    );
    const followers = this.context.followers;
    this._register(
      toDisposable(() => {
        for (const f of followers.values()) {
          f.abort.abort();
          f.channel.dispose();
        }
        followers.clear();
      }),
    );
  }

  /** The service over the configured engines (made on first use, again after the Docker settings changed). */
  service(): AgentService {
    return this.context.service();
  }
}
