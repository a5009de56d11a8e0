// The composition root: builds the services once, wires views, commands and watchers, and hands every
// disposable to VS Code. Activation reads nothing heavy: no Docker, no network; state loads in the background.
import * as vscode from 'vscode';
import { Federation } from '../core/federation';
import { FederationSnapshot, valueOr } from '../core/federation/snapshot';
import type { BriefOptions } from '../core/brief';
import { BriefDiagnostics } from './brief/diagnostics';
import { registerBriefProviders } from './brief/providers';
import { CORE_COMMANDS } from './commands';
import { editorCommandRegistry } from './commands/host';
import { AGENT_COMMAND_IDS, PANEL_COMMAND_IDS } from './commands/ids';
import { placeholders } from './commands/registry';
import { FederationState } from './federationState';
import { PersonasTreeNode, buildPersonasTree } from './models/personasModel';
import { TaskTreeNode, buildTaskTree } from './models/taskQueueModel';
import { SnapshotTreeProvider } from './views/treeProvider';
import type { Features } from './features';
import { onDidRefuseUntrusted, type Refusal } from './trust';
import { WindowPersona } from './windowPersona';
import { loggerFrom } from './logger';
import type { EditorPorts } from './ports';
import { nodeFileSystem } from '../node/fs';
import { nodeGit } from '../node/git';
import { nodeHostProcesses } from '../node/processes';
import { WorktreeService } from '../core/worktrees/service';
import { WorktreeStatusCache } from './worktrees/status';
import { GIT_SCHEME, GitContentProvider } from './worktrees/gitContent';
import { configuredBackend } from '../node/stateBackend';
import { editorNatsCredentials } from './natsCredentials';
import { BackendStatusItem } from './views/backendStatus';
import type { McpServerDefinitionInfo } from './mcp/agentMcp';
import type { AgentReportModel } from '../core/reports/protocol';
import type { BackendStatus } from '../core/federation/state/backend';
import { onDidShowRunEnd } from './commands/runNotice';
import type { RunNotice } from './matrix/runNotice';

declare const __AF_LOAD_START__: number | undefined;
declare const __AF_LOAD_END__: number | undefined;

/** What activate() returns: used by the in-editor tests and by other extensions. */
export interface FederationExtensionApi {
  readonly root: string | undefined;
  snapshot(): Promise<FederationSnapshot | undefined>;
  readonly onDidChangeState: vscode.Event<FederationSnapshot>;
  readonly personasTree: vscode.TreeDataProvider<PersonasTreeNode> | undefined;
  readonly taskQueueTree: vscode.TreeDataProvider<TaskTreeNode> | undefined;
  readonly agentsTree: vscode.TreeDataProvider<unknown> | undefined;
  readonly runsTree: vscode.TreeDataProvider<unknown> | undefined;
  /** Bundle evaluation plus the activate() call, in milliseconds. */
  readonly activationMs: number;
  readonly loadMs: number;
  readonly windowPersona: () => string | undefined;
  /** Fires when a command was refused for want of Workspace Trust and its message was shown (tests count these). */
  readonly onDidRefuseUntrusted: vscode.Event<Refusal>;
  /** True when the editor took our MCP server definitions (VS Code 1.101+; in 1.100 the API is only a proposal). */
  readonly mcpServerDefinitionsRegistered: () => boolean;
  /** The MCP server definitions as last handed to the editor, one per persona (waits for its first request); undefined where it took none. */
  readonly mcpServerDefinitions: () => Promise<readonly McpServerDefinitionInfo[] | undefined>;
  /** The state backend's connection (NATS: connected or not); undefined before it opened, or without a folder. */
  readonly backendStatus: () => BackendStatus | undefined;
  readonly onDidChangeBackendStatus: vscode.Event<BackendStatus>;
  /** Fires when the end of a matrix run was shown as a notification: its text, severity and buttons. */
  readonly onDidShowRunEnd: vscode.Event<RunNotice & { runId: string }>;
  /** What the open report panel of an agent last gave its page; undefined when none is open (tests read it). */
  readonly agentReportShown: (agentId: string) => AgentReportModel | undefined;
}

export function activate(context: vscode.ExtensionContext): FederationExtensionApi {
  const activateStart = performance.now();
  // Unbundled (tests from out/), there is no banner: count the activate() call only.
  const loadMs = typeof __AF_LOAD_START__ === 'number' && typeof __AF_LOAD_END__ === 'number' ? __AF_LOAD_END__ - __AF_LOAD_START__ : 0;
  const elapsed = () => loadMs + performance.now() - activateStart;
  const log = vscode.window.createOutputChannel('Agent Federation', { log: true });
  context.subscriptions.push(log);
  // The one set of ports every service below is built from.
  const ports: EditorPorts = { fs: nodeFileSystem, env: process.env, git: nodeGit, processes: nodeHostProcesses, secrets: context.secrets };

  // Mission briefs work with or without a federation; the registry sharpens validation when there is one.
  let briefOptions: BriefOptions = {};
  const briefs = new BriefDiagnostics(() => briefOptions, loggerFrom(log));
  context.subscriptions.push(briefs, ...registerBriefProviders(() => briefOptions));
  // The workspace scan reads files: after activation, never during it.
  const scan = setTimeout(() => void briefs.validateWorkspace(), 250);
  context.subscriptions.push({ dispose: () => clearTimeout(scan) });

  const folder = vscode.workspace.workspaceFolders?.[0];
  const emptyEvent = new vscode.EventEmitter<FederationSnapshot>();
  const noStatus = new vscode.EventEmitter<BackendStatus>();
  context.subscriptions.push(emptyEvent, noStatus);
  if (!folder || folder.uri.scheme !== 'file') {
    // No folder: the welcome view offers to open one. Commands that need the federation, runs, agents or panels
    // refuse with the reason (a warning), the others (Show Log, Validate Brief) work. The agents' and the panels'
    // commands are defined with their features, which are not set up here: placeholders refuse as they would.
    void vscode.commands.executeCommand('setContext', 'agentFederation.initialized', false);
    const commands = editorCommandRegistry({ log, ports, briefs });
    context.subscriptions.push(commands);
    commands.add(CORE_COMMANDS);
    commands.add(placeholders(AGENT_COMMAND_IDS, 'agents'));
    commands.add(placeholders(PANEL_COMMAND_IDS, 'panels'));
    return {
      root: undefined,
      snapshot: async () => undefined,
      onDidChangeState: emptyEvent.event,
      personasTree: undefined,
      taskQueueTree: undefined,
      agentsTree: undefined,
      runsTree: undefined,
      activationMs: elapsed(),
      loadMs,
      windowPersona: () => undefined,
      onDidRefuseUntrusted,
      // Without a folder there is no federation to serve.
      mcpServerDefinitionsRegistered: () => false,
      mcpServerDefinitions: async () => undefined,
      agentReportShown: () => undefined,
      onDidShowRunEnd,
      backendStatus: () => undefined,
      onDidChangeBackendStatus: noStatus.event,
    };
  }

  const logger = loggerFrom(log);
  // The backend config.yaml names, opened when the state first loads (after activation); NATS credentials from
  // the user's settings and secret storage, handoffs copied into .federation/handoffs/ to open them as files.
  const backend = configuredBackend({ fs: ports.fs, logger, credentials: () => editorNatsCredentials(context.secrets, ports.env), nats: { mirrorDocs: true } });
  const fed = new Federation(folder.uri.fsPath, { fs: ports.fs, logger, git: ports.git, processes: ports.processes, backend });
  context.subscriptions.push({ dispose: () => void fed.close() });
  const state = new FederationState(fed, logger);
  context.subscriptions.push(new BackendStatusItem(state));
  const persona = new WindowPersona(state, context.workspaceState, log);
  const offlineAfterMs = () => vscode.workspace.getConfiguration('agentFederation').get<number>('heartbeat.offlineAfterSeconds', 120) * 1000;

  const personasTree = new SnapshotTreeProvider<PersonasTreeNode>(state, (snap) =>
    buildPersonasTree(snap, {
      now: new Date(),
      offlineAfterMs: snap.config.ok ? Math.min(offlineAfterMs(), snap.config.value.heartbeat.offlineAfterSeconds * 1000) : offlineAfterMs(),
      ...(persona.id ? { windowPersona: persona.id } : {}),
    }),
  );
  // The tasks' worktrees: their git state for the Task Queue (read in the background, never while it renders; not
  // in an untrusted workspace, where git could run what the repository configures) and the review's left side.
  const worktrees = new WorktreeService(fed, ports.git);
  const worktreeStatus = new WorktreeStatusCache(state, worktrees, { enabled: () => vscode.workspace.isTrusted, logger });
  const taskQueueTree = new SnapshotTreeProvider<TaskTreeNode>(state, (snap) => buildTaskTree(snap, worktreeStatus.statuses));
  context.subscriptions.push(
    worktreeStatus,
    worktreeStatus.onDidChange(() => taskQueueTree.update()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void state.snapshot().then((snap) => worktreeStatus.refresh(snap))),
    vscode.workspace.registerTextDocumentContentProvider(GIT_SCHEME, new GitContentProvider(ports.git)),
  );
  let registryKey = '';
  const personasView = vscode.window.createTreeView('agentFederation.personas', { treeDataProvider: personasTree, showCollapseAll: false });
  const taskView = vscode.window.createTreeView('agentFederation.taskQueue', { treeDataProvider: taskQueueTree, showCollapseAll: true });
  context.subscriptions.push(state, persona, personasTree, taskQueueTree, personasView, taskView);

  // View badges: open work at a glance without expanding anything.
  context.subscriptions.push(
    state.onDidChange((snap) => {
      const tasks = valueOr(snap.queue, { version: 1, revision: 0, nextId: 1, tasks: [] }).tasks;
      const queued = tasks.filter((t) => t.status === 'queued').length;
      taskView.badge = queued ? { value: queued, tooltip: `${queued} queued task${queued > 1 ? 's' : ''}` } : undefined;
      taskView.message = snap.queue.ok ? undefined : snap.queue.error.message;
    }),
    persona.onDidChange(() => personasTree.update()),
    state.onDidChange((snap) => {
      const registry = snap.initialized && snap.personas.ok ? { personas: snap.personas.value.personas.map((p) => ({ id: p.id, skills: p.skills })) } : undefined;
      const key = JSON.stringify(registry ?? null);
      if (key !== registryKey) {
        registryKey = key;
        briefOptions = registry ? { registry } : {};
        briefs.revalidateAll();
      }
    }),
  );

  // Agents, matrix runs, panels: set up right after activation (or on first use), not during it. The commands that
  // need them get them through the getters, which set them up if a command comes first.
  let features: Features | undefined;
  const commands = editorCommandRegistry({
    log,
    ports,
    fed,
    state,
    worktrees,
    persona,
    briefs,
    get runs() {
      return ensureFeatures().runs;
    },
    get agents() {
      return ensureFeatures().agents;
    },
    get panels() {
      return ensureFeatures().panels;
    },
    get mcp() {
      return ensureFeatures().mcp;
    },
  });
  context.subscriptions.push(commands);
  const ensureFeatures = (): Features => {
    if (!features) {
      const { Features: Setup } = require('./features') as typeof import('./features');
      features = new Setup(context, { fed, state, log, logger, ports, briefs, snapshot: () => state.snapshot() }, commands);
      context.subscriptions.push(features);
    }
    return features;
  };
  const afterActivation = setImmediate(() => ensureFeatures());
  context.subscriptions.push({ dispose: () => clearImmediate(afterActivation) });
  commands.add(CORE_COMMANDS);

  const activationMs = elapsed();
  log.info(`activated for ${fed.root} in ${activationMs.toFixed(1)} ms (loading the code ${loadMs.toFixed(1)} ms)`);
  return {
    root: fed.root,
    snapshot: () => state.snapshot(),
    onDidChangeState: state.onDidChange,
    personasTree,
    taskQueueTree,
    get agentsTree() {
      return ensureFeatures().agentsTree;
    },
    get runsTree() {
      return ensureFeatures().runsTree;
    },
    activationMs,
    loadMs,
    windowPersona: () => persona.id,
    onDidRefuseUntrusted,
    mcpServerDefinitionsRegistered: () => ensureFeatures().mcp.registered,
    mcpServerDefinitions: () => ensureFeatures().mcp.definitions(),
    agentReportShown: (agentId) => ensureFeatures().panels.agentShown(agentId),
    onDidShowRunEnd,
    backendStatus: () => state.status,
    onDidChangeBackendStatus: state.onDidChangeStatus,
  };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
