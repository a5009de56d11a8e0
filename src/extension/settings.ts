// Settings read in more than one place.
import * as vscode from 'vscode';
import { effectiveIsolation, type Isolation } from '../core/matrix/isolation';
import type { OperatorLevel } from '../core/packages';

const LEVELS: readonly string[] = ['L0', 'L1', 'L2', 'L3'];

/**
 * The operator's level. Only the user's own value counts: the setting is application-scoped (and restricted in
 * untrusted workspaces), and a workspace or folder value is ignored here too, so a workspace can never raise it.
 */
export function operatorLevel(): OperatorLevel {
  const inspected = vscode.workspace.getConfiguration('agentFederation').inspect<string>('operatorLevel');
  const value = inspected?.globalValue ?? inspected?.defaultValue ?? 'L1';
  return LEVELS.includes(value) ? (value as OperatorLevel) : 'L1';
}

/**
 * How Run Matrix isolates tasks: the user's own value, which a workspace value may only make stricter (process →
 * docker). The setting is window-scoped, so a repository's .vscode/settings.json could otherwise turn the user's
 * docker back into process.
 */
export function matrixIsolation(): Isolation {
  return effectiveIsolation(vscode.workspace.getConfiguration('agentFederation').inspect<string>('matrix.isolation'));
}

/** Whether a matrix run's end (local, or followed on GitHub) is announced in a notification. */
export function matrixNotifications(): boolean {
  return vscode.workspace.getConfiguration('agentFederation').get<boolean>('matrix.notifications', true) !== false;
}
