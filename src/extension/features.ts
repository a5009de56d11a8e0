// What the extension sets up right after activation rather than during it: Docker agents, matrix runs, report
// panels and the clearance check of briefs, and the commands of the agents and the panels. Loaded with require() by
// the composition root, so none of this code is evaluated before activate() has returned.
import * as vscode from 'vscode';
import { briefClearanceFindings } from '../core/packages';
import type { Logger } from '../core/ports';
import type { Federation } from '../core/federation';
import type { FederationSnapshot } from '../core/federation/snapshot';
import type { FederationState } from './federationState';
import { Agents } from './agents';
import { AGENT_COMMANDS } from './agents/commands';
import type { AgentsContext } from './agents/context';
import type { BriefDiagnostics } from './brief/diagnostics';
import type { CommandRegistry } from './commands/registry';
import { Disposable, toDisposable } from './lifecycle';
import { MatrixConfigDiagnostics } from './matrix/configDiagnostics';
import { dockerClientLoader } from '../core/docker/loader';
import { MatrixService } from '../core/matrix/service';
import { nodeHttpPoster } from '../node/http';
import { newLocalProcessRunner } from '../node/process';
import { RunsController } from './matrix/runs';
import { trustGate } from './trust';
import { RunsTreeNode, buildRunsTree } from './matrix/runsModel';
import { AgentMcp } from './mcp/agentMcp';
import { Panels } from './panels';
import { PANEL_COMMANDS } from './panels/commands';
import type { EditorPorts } from './ports';
import { operatorLevel } from './settings';
import { SnapshotTreeProvider } from './views/treeProvider';

export interface FeatureDeps {
  fed: Federation;
  state: FederationState;
  log: vscode.LogOutputChannel;
  logger: Logger;
  ports: EditorPorts;
  briefs: BriefDiagnostics;
  snapshot: () => Promise<FederationSnapshot>;
}

export class Features extends Disposable {
  readonly runs: RunsController;
  readonly runsTree: vscode.TreeDataProvider<unknown>;
  readonly agentsTree: vscode.TreeDataProvider<unknown>;
  /** The agent commands' service. */
  readonly agents: AgentsContext;
  readonly panels: Panels;
  /** The MCP server for agents (definitions per persona, client configs, presets). */
  readonly mcp: AgentMcp;

  /** Sets everything up and adds the agents' and the panels' commands to `commands`. */
  constructor(context: vscode.ExtensionContext, deps: FeatureDeps, commands: CommandRegistry) {
    super();
    // Half set up is worse than not at all: what registered (a webview serializer, views) is undone, so the next
    // use can try again instead of failing on "already registered".
    try {
      const { fed, log, logger, ports, briefs } = deps;
      // Briefs naming files above a remote agent's clearance get a finding too (reads the workspace, so it is async).
      briefs.extra = (text, file) => briefClearanceFindings(text, { root: fed.root, disk: ports.fs }, { consumer: 'remote-agent', operatorLevel: operatorLevel(), briefPath: file });
      briefs.revalidateAll();

      // The Agents view talks to Docker only when it is shown; dockerode (dist/docker.js) loads on that first use.
      const agents = this._register(new Agents({ root: fed.root, log, fed, ports }, context.secrets));
      this.agents = agents.context;
      this.agentsTree = agents.tree as vscode.TreeDataProvider<unknown>;
      // Report panels share the Agents view's service, so one engine connection serves both.
      this.panels = this._register(new Panels(context, { log, ports, root: fed.root, snapshot: deps.snapshot, agents: async () => agents.service() }));

      // CI matrix runs: the Runs view (live while a run is in progress) and problems in the matrix config.
      const matrix = new MatrixService({
        root: fed.root,
        fs: ports.fs,
        env: ports.env,
        clientFactory: dockerClientLoader(ports.fs),
        processRunnerFactory: newLocalProcessRunner,
        http: nodeHttpPoster,
        approvals: trustGate('Running the CI matrix'),
        logger,
      });
      this.runs = this._register(new RunsController(matrix, logger, ports.fs));
      const runsTree = this._register(new SnapshotTreeProvider<RunsTreeNode, Awaited<ReturnType<RunsController['snapshot']>>>(this.runs, buildRunsTree));
      this.runsTree = runsTree as vscode.TreeDataProvider<unknown>;
      this._register(vscode.window.createTreeView('agentFederation.runs', { treeDataProvider: runsTree, showCollapseAll: true }));
      const matrixConfig = this._register(new MatrixConfigDiagnostics(fed.root, ports.fs));
      const configScan = setTimeout(() => void matrixConfig.validateFile(), 300);
      this._register(toDisposable(() => clearTimeout(configScan)));

      // Agents reach the federation through its MCP server: one definition per persona where the editor takes them.
      this.mcp = this._register(new AgentMcp(context.extensionPath, deps.state, ports));

      // Their services are this object's (the composition root hands them to the registry).
      commands.add(AGENT_COMMANDS);
      commands.add(PANEL_COMMANDS);
    } catch (e) {
      this.dispose();
      throw e;
    }
  }
}
