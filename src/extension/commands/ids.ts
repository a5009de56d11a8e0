// Every command the extension contributes (package.json contributes.commands), by the part that defines it. Plain
// data, no vscode: a unit test holds this list equal to package.json, and a command definition's id must be one of
// these (CommandId), so a typo does not compile.

/** Federation, brief and matrix commands: defined in commands/, registered at activation. */
export const CORE_COMMAND_IDS = [
  'agentFederation.initialize',
  'agentFederation.refresh',
  'agentFederation.showLog',
  'agentFederation.registerPersona',
  'agentFederation.identifyPersona',
  'agentFederation.addTask',
  'agentFederation.claimNextTask',
  'agentFederation.claimTask',
  'agentFederation.startTask',
  'agentFederation.completeTask',
  'agentFederation.failTask',
  'agentFederation.cancelTask',
  'agentFederation.requeueTask',
  'agentFederation.handoffTask',
  'agentFederation.openHandoff',
  'agentFederation.acquireLock',
  'agentFederation.releaseLock',
  'agentFederation.routeArtifact',
  'agentFederation.openPersonaTerminal',
  'agentFederation.openTaskTerminal',
  'agentFederation.reviewTaskChanges',
  'agentFederation.mergeTask',
  'agentFederation.openTaskPullRequest',
  'agentFederation.discardTaskWorktree',
  'agentFederation.installMcpServer',
  'agentFederation.newMissionBrief',
  'agentFederation.validateBrief',
  'agentFederation.previewBootstrapPackage',
  'agentFederation.runMatrix',
  'agentFederation.cancelRun',
  'agentFederation.openTaskLog',
  'agentFederation.rerunFailed',
  'agentFederation.generateWorkflow',
  'agentFederation.startGithubRun',
  'agentFederation.followGithubRun',
  'agentFederation.setNatsToken',
] as const;

/** Remote agents: defined in agents/commands/, registered with the Agents view after activation. */
export const AGENT_COMMAND_IDS = [
  'agentFederation.agents.deploy',
  'agentFederation.agents.followLogs',
  'agentFederation.agents.stop',
  'agentFederation.agents.restart',
  'agentFederation.agents.remove',
  'agentFederation.agents.collect',
  'agentFederation.agents.openOutput',
  'agentFederation.agents.showReport',
  'agentFederation.agents.inspectHardening',
  'agentFederation.agents.prune',
  'agentFederation.agents.exportCompose',
  'agentFederation.agents.refresh',
  'agentFederation.agents.setSecret',
] as const;

/** Report panels: defined in panels/commands.ts, registered with the panels after activation. */
export const PANEL_COMMAND_IDS = ['agentFederation.showRunReport', 'agentFederation.showAgentReport', 'agentFederation.showDashboard'] as const;

export const COMMAND_IDS = [...CORE_COMMAND_IDS, ...AGENT_COMMAND_IDS, ...PANEL_COMMAND_IDS] as const;

export type CoreCommandId = (typeof CORE_COMMAND_IDS)[number];
export type AgentCommandId = (typeof AGENT_COMMAND_IDS)[number];
export type PanelCommandId = (typeof PANEL_COMMAND_IDS)[number];
export type CommandId = (typeof COMMAND_IDS)[number];
