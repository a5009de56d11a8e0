// The editor as the command registry's host: VS Code's command registration, Workspace Trust, notifications.
import * as vscode from 'vscode';
import { describeError } from '../../core/errors';
import { requireTrust, showCommandError } from '../trust';
import { CommandRegistry, type CommandHost, type ServiceSource } from './registry';

export function editorCommandHost(log: vscode.LogOutputChannel): CommandHost {
  return {
    uriClass: vscode.Uri,
    registerCommand: (id, handler) => vscode.commands.registerCommand(id, handler),
    requireTrust,
    showError: (command, e, severity) => showCommandError(command, e, describeError(e), log, severity),
  };
}

/** A registry of editor commands over these services. */
export function editorCommandRegistry(services: ServiceSource): CommandRegistry {
  return new CommandRegistry(editorCommandHost(services.log), services);
}
