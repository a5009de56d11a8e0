// Report panels (issue 8): run reports for CI matrix runs, agent reports and the federation dashboard, as webviews.
// registerPanels is the one entry point: the three commands and a serializer per panel type, so panels come back
// after a window reload.
import * as vscode from 'vscode';
import type { FederationSnapshot } from '../../core/snapshot';
import { RUN_ID_PATTERN } from '../../core/matrix/results';
import { AGENT_ID_PATTERN } from '../../core/agents/schema';
import { isPageState } from '../../core/reports/protocol';
import { PanelEnv, VIEW_TYPES, webviewOptions } from './base';
import { AgentRef, AgentSource, resolveAgentRef, resolveRunId } from '../../core/reports/data';
import { AgentReportPanel, agentKey } from './agentPanel';
import { DashboardPanel } from './dashboardPanel';
import { RunReportPanel } from './runPanel';
import { describeError } from '../../core/errors';

export { VIEW_TYPES } from './base';
export type { AgentSource } from '../../core/reports/data';

export const PANEL_COMMANDS = {
  showRunReport: 'agentFederation.showRunReport',
  showAgentReport: 'agentFederation.showAgentReport',
  showDashboard: 'agentFederation.showDashboard',
} as const;

export interface PanelDeps {
  log: vscode.LogOutputChannel;
  root?: string;
  snapshot(): Promise<FederationSnapshot | undefined>;
  /** The engines' view of agents; by default an AgentService over the shipped Docker client, made on first use. */
  agents?: () => Promise<AgentSource | undefined>;
}

function message(e: unknown): string {
  return describeError(e);
}

export function registerPanels(context: vscode.ExtensionContext, deps: PanelDeps): void {
  const runs = new Set<RunReportPanel>();
  const agents = new Map<string, AgentReportPanel>();
  let dashboard: DashboardPanel | undefined;

  let source: Promise<AgentSource | undefined> | undefined;
  const defaultAgents = (): Promise<AgentSource | undefined> =>
    (source ??= (async () => {
      if (!deps.root) return undefined;
      try {
        // Required on first use, so activation never evaluates the agents code (require, not import(): esbuild
        // bundles it either way, and the transpiled copy under out/ stays CommonJS).
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { AgentService } = require('../../core/agents/service') as typeof import('../../core/agents/service');
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { loadDockerClient } = require('../../core/docker/loader') as typeof import('../../core/docker/loader');
        const logger = { debug: (m: string) => deps.log.debug(m), info: (m: string) => deps.log.info(m), warn: (m: string) => deps.log.warn(m), error: (m: string) => deps.log.error(m) };
        return new AgentService({ root: deps.root, clientFactory: loadDockerClient, logger });
      } catch (e) {
        deps.log.warn(`report panels: no Docker support (${message(e)}); agents show from their records only`);
        return undefined;
      }
    })());

  const env: PanelEnv = {
    context,
    log: deps.log,
    root: deps.root,
    snapshot: deps.snapshot,
    agents: deps.agents ?? defaultAgents,
    show: async (kind, arg) => {
      await vscode.commands.executeCommand(kind === 'run' ? PANEL_COMMANDS.showRunReport : PANEL_COMMANDS.showAgentReport, arg);
    },
  };

  const trackRun = (p: RunReportPanel) => {
    runs.add(p);
    p.onDidDispose(() => runs.delete(p));
    return p;
  };
  const trackAgent = (key: string, p: AgentReportPanel) => {
    agents.set(key, p);
    p.onDidDispose(() => agents.get(key) === p && agents.delete(key));
    return p;
  };
  const trackDashboard = (p: DashboardPanel) => {
    dashboard = p;
    p.onDidDispose(() => dashboard === p && (dashboard = undefined));
    return p;
  };

  const needsFolder = (): string | undefined => {
    if (deps.root) return deps.root;
    void vscode.window.showWarningMessage('Agent Federation reports need an open folder: runs and agents live in its .federation/.');
    return undefined;
  };

  context.subscriptions.push(
    vscode.commands.registerCommand(PANEL_COMMANDS.showRunReport, async (arg?: unknown) => {
      const root = needsFolder();
      if (!root) return;
      try {
        const runId = await resolveRunId(root, arg);
        const open = [...runs].find((p) => p.currentRunId === runId);
        if (open) return open.reveal();
        trackRun(await RunReportPanel.create(env, root, runId));
      } catch (e) {
        void vscode.window.showErrorMessage(`Cannot show the run report: ${message(e)}`);
      }
    }),
    vscode.commands.registerCommand(PANEL_COMMANDS.showAgentReport, async (arg?: unknown) => {
      const root = needsFolder();
      if (!root) return;
      try {
        let ref: AgentRef;
        if (arg === undefined) {
          const id = await vscode.window.showInputBox({ prompt: 'Agent id', placeHolder: 'reviewer-1a2b3c', validateInput: (v) => (AGENT_ID_PATTERN.test(v) ? undefined : 'An agent id: lowercase letters, digits and -') });
          if (!id) return;
          ref = { agentId: id };
        } else {
          ref = resolveAgentRef(root, arg);
        }
        const key = agentKey(ref);
        const open = agents.get(key);
        if (open) return open.reveal();
        trackAgent(key, await AgentReportPanel.create(env, ref));
      } catch (e) {
        void vscode.window.showErrorMessage(`Cannot show the agent report: ${message(e)}`);
      }
    }),
    vscode.commands.registerCommand(PANEL_COMMANDS.showDashboard, async () => {
      if (dashboard) return dashboard.reveal();
      try {
        trackDashboard(await DashboardPanel.create(env));
      } catch (e) {
        void vscode.window.showErrorMessage(`Cannot show the dashboard: ${message(e)}`);
      }
    }),

    // Restored panels read their reference from the state the page saved; anything malformed closes the panel.
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPES.run, {
      async deserializeWebviewPanel(panel, state: unknown) {
        panel.webview.options = webviewOptions(context.extensionUri);
        const runId = isPageState(state) && state.kind === 'run' ? state.ref['runId'] : undefined;
        if (!deps.root || typeof runId !== 'string' || !RUN_ID_PATTERN.test(runId)) return panel.dispose();
        trackRun(RunReportPanel.restore(env, panel, runId));
      },
    }),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPES.agent, {
      async deserializeWebviewPanel(panel, state: unknown) {
        panel.webview.options = webviewOptions(context.extensionUri);
        if (!deps.root || !isPageState(state) || state.kind !== 'agent') return panel.dispose();
        const { agentId, reportPath } = state.ref;
        const ref: AgentRef | undefined = typeof agentId === 'string' && AGENT_ID_PATTERN.test(agentId) ? { agentId }
          : typeof reportPath === 'string' && reportPath.endsWith('.json') ? { reportPath } : undefined;
        if (!ref) return panel.dispose();
        trackAgent(agentKey(ref), AgentReportPanel.restore(env, panel, ref));
      },
    }),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPES.dashboard, {
      async deserializeWebviewPanel(panel, state: unknown) {
        panel.webview.options = webviewOptions(context.extensionUri);
        if (!isPageState(state) || state.kind !== 'dashboard' || dashboard) return panel.dispose();
        trackDashboard(DashboardPanel.restore(env, panel));
      },
    }),
    { dispose: () => [...runs, ...agents.values(), ...(dashboard ? [dashboard] : [])].forEach((p) => p.dispose()) },
  );
}
