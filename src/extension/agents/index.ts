// The editor side of remote agents: the Agents view (grouped by engine, updated from Docker events) and the
// agent commands. One entry point, registerAgents, called from extension.ts. Docker support (dockerode) is
// loaded only when the view is first shown or a command runs, never at activation.
import * as vscode from 'vscode';
import type { AgentService } from '../../core/agents';
import type { Federation } from '../../core/federation';
import { AGENT_COMMANDS } from './commands';
import { makeService, register, type AgentsContext } from './context';
import { AgentsTreeProvider } from './provider';
import { SecretStorageSource } from './secretStorage';

export const AGENTS_VIEW_ID = 'agentFederation.agents';

export function registerAgents(
  context: vscode.ExtensionContext,
  deps: { root: string; log: vscode.LogOutputChannel; fed: Federation },
): { tree: AgentsTreeProvider; service: () => AgentService } {
  let service: AgentService | undefined;
  const current = (): AgentService => (service ??= makeService(deps));
  const tree = new AgentsTreeProvider(current, deps.log);
  const view = vscode.window.createTreeView(AGENTS_VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });
  const ctx: AgentsContext = {
    deps,
    service: current,
    tree,
    secrets: new SecretStorageSource(context.secrets),
    followers: new Map(),
  };
  context.subscriptions.push(
    tree,
    view,
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('agentFederation.docker') || e.affectsConfiguration('agentFederation.agent')) {
        service = undefined;
        tree.restart();
      }
    }),
    {
      dispose: () => {
        for (const f of ctx.followers.values()) {
          f.abort.abort();
          f.channel.dispose();
        }
        ctx.followers.clear();
      },
    },
  );
  register(context, ctx, AGENT_COMMANDS);
  return { tree, service: current };
}
