// Settings read in more than one place.
import * as vscode from 'vscode';
import { OperatorLevel, isOperatorLevel } from '../core/packages';

/**
 * The operator's level. Only the user's own value counts: the setting is application-scoped (and restricted in
 * untrusted workspaces), and a workspace or folder value is ignored here too, so a workspace can never raise it.
 */
export function operatorLevel(): OperatorLevel {
  const inspected = vscode.workspace.getConfiguration('agentFederation').inspect<string>('operatorLevel');
  const value = inspected?.globalValue ?? inspected?.defaultValue ?? 'L1';
  return isOperatorLevel(value) ? value : 'L1';
}
