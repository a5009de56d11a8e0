// Shows how a matrix run ended (unless agentFederation.matrix.notifications is off) and runs the button picked:
// Open Report and Rerun Failed are the extension's own commands, run as the Runs view and the report panel do.
import * as vscode from 'vscode';
import { OPEN_ON_GITHUB, OPEN_REPORT, RERUN_FAILED, runNotice, undeliveredNotice, type RunEnd, type RunNotice } from '../matrix/runNotice';
import type { NotificationDelivery } from '../../core/matrix/notifications';
import { matrixNotifications } from '../settings';
import { runCommand } from './common';

const shown = new vscode.EventEmitter<RunNotice & { runId: string }>();
/** Fires when a run's end was shown (the extension API passes it on: tests read what the user was told). */
export const onDidShowRunEnd: vscode.Event<RunNotice & { runId: string }> = shown.event;

/** Never waits for the user: the command that ran the matrix returns at once. */
export function showRunEnd(end: RunEnd): void {
  if (!matrixNotifications()) return;
  const n = runNotice(end);
  shown.fire({ ...n, runId: end.runId });
  const show = n.severity === 'information' ? vscode.window.showInformationMessage : n.severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
  void show(n.text, ...n.actions).then((pick) => {
    // A failure of the command picked is shown by that command (the registry's error path).
    if (pick === OPEN_REPORT) void runCommand('agentFederation.showRunReport', end.runId).then(undefined, () => undefined);
    else if (pick === RERUN_FAILED) void runCommand('agentFederation.rerunFailed', { runId: end.runId }).then(undefined, () => undefined);
    else if (pick === OPEN_ON_GITHUB && end.url) void vscode.env.openExternal(vscode.Uri.parse(end.url));
  });
}

/** A local run's webhooks, told after its notice: a warning when some were not (the log has why). */
export function showUndelivered(runId: string, deliveries: readonly NotificationDelivery[]): void {
  const text = undeliveredNotice(runId, deliveries);
  if (text && matrixNotifications()) void vscode.window.showWarningMessage(text);
}
