// Workspace Trust for everything that runs something: a terminal, a container, a workspace-defined command. Every
// such entry point calls requireTrust itself (not only the menus, which a palette, a CodeLens or a script bypass): in
// an untrusted workspace the views still show state, but nothing runs.
import * as vscode from 'vscode';
import { FederationError, isFederationError } from '../core/errors';

export class UntrustedWorkspaceError extends FederationError {
  override readonly name = 'UntrustedWorkspaceError';
  constructor(readonly what: string) {
    super(
      'untrusted-workspace',
      `${what} is disabled in an untrusted workspace: it would run code the workspace defines. Trust the workspace (Manage Workspace Trust) to allow it.`,
      { what },
    );
  }
}

export function requireTrust(what: string): void {
  if (!vscode.workspace.isTrusted) throw new UntrustedWorkspaceError(what);
}

/** The editor's command-approval policy: a workspace-defined command runs only in a trusted workspace. */
export function trustGate(what: string): { approve(root: string, commands: string[]): Promise<void> } {
  return { approve: async () => requireTrust(what) };
}

export interface Refusal {
  command: string;
  message: string;
}

/**
 * Fired after a command was refused for want of trust and its message was shown: the in-editor tests count these
 * (a window message cannot be read back through the API).
 */
const refused = new vscode.EventEmitter<Refusal>();
export const onDidRefuseUntrusted: vscode.Event<Refusal> = refused.event;

/**
 * Shows a command's failure (the caller has logged it in full). A notification shows one line, so a long account
 * (a refused package lists every file and why) is cut to its first line and points at the log. A refusal for want
 * of trust offers to manage trust, and is reported to onDidRefuseUntrusted. A command that cannot run here at all
 * (no folder is open) is a warning, not an error.
 */
export function showCommandError(command: string, e: unknown, message: string, log: vscode.LogOutputChannel, severity: 'error' | 'warning' = 'error'): void {
  const [first = message, ...rest] = message.split('\n');
  const untrusted = isFederationError(e, 'untrusted-workspace');
  const actions = untrusted ? [MANAGE_TRUST, SHOW_LOG] : [SHOW_LOG];
  const show = severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
  void show(rest.some((l) => l.trim()) ? `${first} (the details are in the log)` : first, ...actions).then((pick) => {
    if (pick === SHOW_LOG) log.show(true);
    else if (pick === MANAGE_TRUST) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  if (untrusted) refused.fire({ command, message });
}

const SHOW_LOG = 'Show Log';
const MANAGE_TRUST = 'Manage Workspace Trust';
