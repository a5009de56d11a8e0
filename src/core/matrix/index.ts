// Public API of the CI matrix capability for the editor and the CLI. See docs/matrix.md. The local process runner
// is the Node adapter in src/node/process (the core only has its port).
export { MATRIX_CONFIG_FILE, MatrixConfigSchema } from './schema';
export type { MatrixConfig, MatrixTask, MatrixPriority } from './schema';
export { validateMatrixConfig, moduleFindings, formatFinding, moduleDir } from './validate';
export type { MatrixFinding, MatrixValidation, FindingCode, Position, Range } from './validate';
export { planMatrix, waveOrder, retryDelayMs, shardUnitId } from './plan';
export type { MatrixPlan, MatrixWave, MatrixUnit, PlanOptions, RetryPolicy } from './plan';
export type { ProcessRunner, ProcessSpec, ProcessOutcome, IsolationStrategy } from './processPort';
export { runSetup, planModules, CACHE_DIR } from './setup';
export { runMatrix } from './runner';
export type { MatrixEvent, RunOptions, RunOutcome } from './runner';
export { listRuns, readRun, readTaskResults, summarizeRun, runDir, newRunId, RUNS_DIR } from './results';
export type { TaskResult, RunSummary, WaveTiming, ModuleSetupResult, RunListing, TaskStatus, AttemptResult } from './results';
export { renderMarkdownReport, renderJsonReport, statusLabel } from './report';
export { generateWorkflow, githubMatrix, githubOutputLines, workflowJobIds, WORKFLOW_FILE } from './workflow';
export { loadMatrixConfig } from './load';
export { ContainerProcessRunner, MATRIX_LABEL } from './containerRunner';
export { dockerFindings, effectiveIsolation, imageFindings, planImages, prepareDockerIsolation, removeRunContainers, unitImage, unitNetwork, ISOLATIONS } from './dockerIsolation';
export type { Isolation, DockerIsolationOptions } from './dockerIsolation';
export { buildPayload, describeDelivery, notificationVariables, redactUrl } from './notifications';
export type { HttpPoster, NotificationDelivery, NotificationPayload } from './notifications';
