// What the extension registers right after activation rather than during it: Docker agents, matrix runs, report
// panels and the clearance check of briefs, and the commands of the agents and the panels. Loaded with require()
// by the composition root, so none of this code is evaluated before activate() has returned.
import * as vscode from 'vscode';
import { briefClearanceFindings } from '../core/packages';
import type { Logger } from '../core/ports';
import type { Federation } from '../core/federation';
import type { FederationSnapshot } from '../core/snapshot';
import { Agents } from './agents';
import { AGENT_COMMANDS } from './agents/commands';
import type { AgentsContext } from './agents/context';
import type { BriefDiagnostics } from './brief/diagnostics';
import type { CommandRegistry } from './commands/registry';
import { MatrixConfigDiagnostics } from './matrix/configDiagnostics';
import { loadDockerClient } from '../core/docker/loader';
import { MatrixService } from '../core/matrix/service';
import { RunsController } from './matrix/runs';
import { trustGate } from './trust';
import { RunsTreeNode, buildRunsTree } from './matrix/runsModel';
import { Panels } from './panels';
import { PANEL_COMMANDS } from './panels/commands';
import { operatorLevel } from './settings';
import { SnapshotTreeProvider } from './views/treeProvider';

export interface Features {
  runs: RunsController;
  runsTree: vscode.TreeDataProvider<unknown>;
  agentsTree: vscode.TreeDataProvider<unknown>;
  /** The agent commands' service. */
  agents: AgentsContext;
  panels: Panels;
}

export function registerFeatures(
  context: vscode.ExtensionContext,
  deps: { fed: Federation; log: vscode.LogOutputChannel; logger: Logger; briefs: BriefDiagnostics; snapshot: () => Promise<FederationSnapshot> },
  commands: CommandRegistry,
): Features {
  const { fed, log, logger, briefs } = deps;
  // Briefs naming files above a remote agent's clearance get a finding too (reads the workspace, so it is async).
  briefs.extra = (text, file) => briefClearanceFindings(text, { root: fed.root }, { consumer: 'remote-agent', operatorLevel: operatorLevel(), briefPath: file });
  briefs.revalidateAll();

  // The Agents view talks to Docker only when it is shown; dockerode (dist/docker.js) loads on that first use.
  const agents = new Agents({ root: fed.root, log, fed }, context.secrets);
  context.subscriptions.push(agents);
  commands.add(AGENT_COMMANDS);
  // Report panels share the Agents view's service, so one engine connection serves both.
  const panels = new Panels(context, { log, root: fed.root, snapshot: deps.snapshot, agents: async () => agents.service() });
  context.subscriptions.push(panels);
  commands.add(PANEL_COMMANDS);

  // CI matrix runs: the Runs view (live while a run is in progress) and problems in the matrix config.
  const matrix = new MatrixService({ root: fed.root, clientFactory: loadDockerClient, approvals: trustGate('Running the CI matrix'), logger });
  const runs = new RunsController(matrix, logger);
  const runsTree = new SnapshotTreeProvider<RunsTreeNode, Awaited<ReturnType<RunsController['snapshot']>>>(runs, buildRunsTree);
  const runsView = vscode.window.createTreeView('agentFederation.runs', { treeDataProvider: runsTree, showCollapseAll: true });
  const matrixConfig = new MatrixConfigDiagnostics(fed.root);
  const configScan = setTimeout(() => void matrixConfig.validateFile(), 300);
  context.subscriptions.push(runs, runsTree, runsView, matrixConfig, { dispose: () => clearTimeout(configScan) });

  return { runs, runsTree: runsTree as vscode.TreeDataProvider<unknown>, agentsTree: agents.tree as vscode.TreeDataProvider<unknown>, agents: agents.context, panels };
}
