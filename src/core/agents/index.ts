// Remote agents in Docker: deploy MISSION_BRIEFs as hardened containers, watch and collect them. No vscode here;
// the extension and the CLI both use this module.
export { AgentService, type AgentServiceOptions, type AgentChange, type AgentWatcher, type DeployOptions, type DeployResult, type HostStatus, type ListResult, type PruneResult, type RemoveResult, type ReportResult } from './service';
export { AGENT_STATUSES, FINISHED_STATUSES, describeAgent, formatDuration, statusOf, statusPhrase, type AgentInfo, type AgentStatus } from './status';
export { FolderSecretSource, MapSecretSource, resolveSecrets, type SecretSource } from './secrets';
export { DEFAULT_LIMITS, MASK_OPTIONS, TMPFS_OPTIONS, containerSpecFor, parseMemory, parseTimeout, planBrief, workspaceReferences, type AgentPlan, type Limits, type PlanOptions, type WorkspaceChoice } from './plan';
export { CONTAINER_PATHS, DEFAULT_COMMAND_TEMPLATE, TEMPLATE_PLACEHOLDERS, expandCommand, splitCommand } from './template';
export { checkHardening, formatHardeningCheck, type HardeningCheck } from './hardening';
export { composeDocument, composeYaml, type ComposeOptions } from './compose';
export { LABEL, workspaceHash, internalNetworkName } from './labels';
export { agentFolders, readOutputFile, type AgentFolders, type CollectResult } from './files';
export { AGENTS_FILE, AgentRecordSchema, AgentReportSchema, AgentsFileSchema, REPORT_FILE, REPORT_PATH, REPORT_STATUSES, type AgentRecord, type AgentReport, type Deliverable } from './schema';
