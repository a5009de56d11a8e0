// Report panels (issue 8): run reports for CI matrix runs, agent reports and the federation dashboard, as webviews.
// Panels keeps the open ones (one per run, per agent, one dashboard) and a serializer per panel type, so panels
// come back after a window reload; it is the `panels` service of the three commands (./commands).
import * as vscode from 'vscode';
import type { FederationSnapshot } from '../../core/federation/snapshot';
import { RUN_ID_PATTERN } from '../../core/matrix/results';
import { AGENT_ID_PATTERN } from '../../core/agents/schema';
import { isPageState, type AgentReportModel } from '../../core/reports/protocol';
import { PanelEnv, VIEW_TYPES, webviewOptions } from './base';
import { AgentRef, AgentSource, resolveAgentRef, resolveRunId } from '../../core/reports/data';
import { AgentReportPanel, agentKey } from './agentPanel';
import { DashboardPanel } from './dashboardPanel';
import { RunReportPanel } from './runPanel';
import { FederationError, describeError } from '../../core/errors';
import { editorCommandRegistry } from '../commands/host';
import { Disposable, toDisposable } from '../lifecycle';
import type { EditorPorts } from '../ports';
import { PANEL_COMMANDS } from './commands';

export { VIEW_TYPES } from './base';
export type { AgentSource } from '../../core/reports/data';

export interface PanelDeps {
  log: vscode.LogOutputChannel;
  ports: EditorPorts;
  root?: string;
  snapshot(): Promise<FederationSnapshot | undefined>;
  /** The engines' view of agents; by default an AgentService over the shipped Docker client, made on first use. */
  agents?: () => Promise<AgentSource | undefined>;
}

/** What a report command is given: a run (its id or folder), an agent (its id or its report file), or nothing. */
export type RunRef = string | undefined;
export type AgentReportRef = { id?: string | undefined; file?: string | undefined } | undefined;

export class Panels extends Disposable {
  private readonly runs = new Set<RunReportPanel>();
  private readonly agents = new Map<string, AgentReportPanel>();
  private dashboard: DashboardPanel | undefined;
  private readonly env: PanelEnv;
  private source: Promise<AgentSource | undefined> | undefined;

  constructor(context: vscode.ExtensionContext, private readonly deps: PanelDeps) {
    super();
    this.env = {
      context,
      log: deps.log,
      fs: deps.ports.fs,
      root: deps.root,
      snapshot: deps.snapshot,
      agents: deps.agents ?? (() => this.defaultAgents()),
      // Through the command, as a click elsewhere would; a failure there is already logged and shown.
      show: (kind, arg) =>
        Promise.resolve(vscode.commands.executeCommand(kind === 'run' ? 'agentFederation.showRunReport' : 'agentFederation.showAgentReport', arg)).then(
          () => undefined,
          () => undefined,
        ),
    };
    const env = this.env;
    // Restored panels read their reference from the state the page saved; anything malformed closes the panel.
    this._register(
      vscode.window.registerWebviewPanelSerializer(VIEW_TYPES.run, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          panel.webview.options = webviewOptions(context.extensionUri);
          const runId = isPageState(state) && state.kind === 'run' ? state.ref['runId'] : undefined;
          if (!deps.root || typeof runId !== 'string' || !RUN_ID_PATTERN.test(runId)) return panel.dispose();
          this.trackRun(RunReportPanel.restore(env, panel, runId));
        },
      }),
    );
    this._register(
      vscode.window.registerWebviewPanelSerializer(VIEW_TYPES.agent, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          panel.webview.options = webviewOptions(context.extensionUri);
          if (!deps.root || !isPageState(state) || state.kind !== 'agent') return panel.dispose();
          const { agentId, reportPath } = state.ref;
          const ref: AgentRef | undefined = typeof agentId === 'string' && AGENT_ID_PATTERN.test(agentId) ? { agentId }
            : typeof reportPath === 'string' && reportPath.endsWith('.json') ? { reportPath } : undefined;
          if (!ref) return panel.dispose();
          this.trackAgent(agentKey(ref), AgentReportPanel.restore(env, panel, ref));
        },
      }),
    );
    this._register(
      vscode.window.registerWebviewPanelSerializer(VIEW_TYPES.dashboard, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          panel.webview.options = webviewOptions(context.extensionUri);
          if (!isPageState(state) || state.kind !== 'dashboard' || this.dashboard) return panel.dispose();
          this.trackDashboard(DashboardPanel.restore(env, panel));
        },
      }),
    );
    this._register(toDisposable(() => [...this.runs, ...this.agents.values(), ...(this.dashboard ? [this.dashboard] : [])].forEach((p) => p.dispose())));
  }

  /** The run's report (the latest run's without a reference); an open one is brought to the front. */
  async showRun(ref: RunRef): Promise<void> {
    const root = this.root();
    const runId = await resolveRunId(this.env.fs, root, ref);
    const open = [...this.runs].find((p) => p.currentRunId === runId);
    if (open) return open.reveal();
    this.trackRun(await RunReportPanel.create(this.env, root, runId));
  }

  /** The agent's report; without a reference, asks for the agent's id. */
  async showAgent(given: AgentReportRef): Promise<void> {
    const root = this.root();
    let ref: AgentRef;
    if (given === undefined) {
      const id = await vscode.window.showInputBox({ prompt: 'Agent id', placeHolder: 'reviewer-1a2b3c', validateInput: (v) => (AGENT_ID_PATTERN.test(v) ? undefined : 'An agent id: lowercase letters, digits and -') });
      if (!id) return;
      ref = { agentId: id };
    } else {
      ref = resolveAgentRef(root, { agentId: given.id, reportPath: given.file });
    }
    const key = agentKey(ref);
    const open = this.agents.get(key);
    if (open) return open.reveal();
    this.trackAgent(key, await AgentReportPanel.create(this.env, ref));
  }

  /** The model the open panel of this agent last loaded (what its page shows), if one is open. */
  agentShown(agentId: string): AgentReportModel | undefined {
    return this.agents.get(agentKey({ agentId }))?.shown;
  }

  async showDashboard(): Promise<void> {
    if (this.dashboard) return this.dashboard.reveal();
    this.trackDashboard(await DashboardPanel.create(this.env));
  }

  private root(): string {
    if (this.deps.root) return this.deps.root;
    throw new FederationError('unavailable', 'Agent Federation reports need an open folder: runs and agents live in its .federation/.');
  }

  private defaultAgents(): Promise<AgentSource | undefined> {
    const root = this.deps.root;
    const log = this.deps.log;
    const { fs, env } = this.deps.ports;
    return (this.source ??= (async () => {
      if (!root) return undefined;
      try {
        // Required on first use, so activation never evaluates the agents code (require, not import(): esbuild
        // bundles it either way, and the transpiled copy under out/ stays CommonJS).
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { AgentService } = require('../../core/agents/service') as typeof import('../../core/agents/service');
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { dockerClientLoader } = require('../../core/docker/loader') as typeof import('../../core/docker/loader');
        const logger = { debug: (m: string) => log.debug(m), info: (m: string) => log.info(m), warn: (m: string) => log.warn(m), error: (m: string) => log.error(m) };
        return new AgentService({ root, fs, env, clientFactory: dockerClientLoader(fs), logger });
      } catch (e) {
        log.warn(`report panels: no Docker support (${describeError(e)}); agents show from their records only`);
        return undefined;
      }
    })());
  }

  private trackRun(p: RunReportPanel): void {
    this.runs.add(p);
    p.onDidDispose(() => this.runs.delete(p));
  }

  private trackAgent(key: string, p: AgentReportPanel): void {
    this.agents.set(key, p);
    p.onDidDispose(() => this.agents.get(key) === p && this.agents.delete(key));
  }

  private trackDashboard(p: DashboardPanel): void {
    this.dashboard = p;
    p.onDidDispose(() => this.dashboard === p && (this.dashboard = undefined));
  }
}

/**
 * The panels and their three commands in a registry of their own, for an extension without the federation's
 * (the webview tests' throwaway extension). The Agent Federation extension adds PANEL_COMMANDS to its registry.
 */
export function registerPanels(context: vscode.ExtensionContext, deps: PanelDeps): Panels {
  const panels = new Panels(context, deps);
  const registry = editorCommandRegistry({ log: deps.log, ports: deps.ports, panels });
  registry.add(PANEL_COMMANDS);
  context.subscriptions.push(panels, registry);
  return panels;
}
