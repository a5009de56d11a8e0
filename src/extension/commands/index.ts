import { acquireLock } from './acquireLock';
import { addTask } from './addTask';
import { cancelTask } from './cancelTask';
import { claimNextTask } from './claimNextTask';
import { claimTask } from './claimTask';
import { completeTask } from './completeTask';
import { failTask } from './failTask';
import { handoffTask } from './handoffTask';
import { identifyPersona } from './identifyPersona';
import { initialize } from './initialize';
import { openHandoff } from './openHandoff';
import { installMcpServer, openPersonaTerminal, openTaskTerminal } from './openPersonaTerminal';
import { reviewTaskChanges } from './reviewTaskChanges';
import { mergeTask } from './mergeTask';
import { openTaskPullRequest } from './openTaskPullRequest';
import { discardTaskWorktree } from './discardTaskWorktree';
import { refresh } from './refresh';
import { registerPersona } from './registerPersona';
import { releaseLock } from './releaseLock';
import { requeueTask } from './requeueTask';
import { routeArtifact } from './routeArtifact';
import { showLog } from './showLog';
import { startTask } from './startTask';
import { newMissionBrief } from './newMissionBrief';
import { validateBrief } from './validateBrief';
import { previewBootstrapPackage } from './previewBootstrapPackage';
import { cancelRun } from './cancelRun';
import { generateWorkflow } from './generateWorkflow';
import { openTaskLog } from './openTaskLog';
import { rerunFailed } from './rerunFailed';
import { runMatrix } from './runMatrix';
import { startGithubRun } from './startGithubRun';
import { followGithubRun } from './followGithubRun';
import { setNatsToken } from './setNatsToken';
import type { Command } from './registry';

/** The commands registered at activation (ids: CORE_COMMAND_IDS). */
export const CORE_COMMANDS: readonly Command[] = [
  initialize, refresh, showLog, registerPersona, identifyPersona, addTask, claimNextTask, claimTask, startTask, completeTask,
  failTask, cancelTask, requeueTask, handoffTask, openHandoff, acquireLock, releaseLock, routeArtifact, openPersonaTerminal, installMcpServer,
  openTaskTerminal, reviewTaskChanges, mergeTask, openTaskPullRequest, discardTaskWorktree,
  newMissionBrief, validateBrief, previewBootstrapPackage, runMatrix, cancelRun, openTaskLog, rerunFailed, generateWorkflow,
  startGithubRun, followGithubRun, setNatsToken,
];
