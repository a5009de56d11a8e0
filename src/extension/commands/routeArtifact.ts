import * as vscode from 'vscode';
import { CommandDef } from './common';

export const routeArtifact: CommandDef = {
  id: 'agentFederation.routeArtifact',
  async run(s, arg) {
    let uri = arg instanceof vscode.Uri ? arg : typeof arg === 'string' ? vscode.Uri.file(arg) : vscode.window.activeTextEditor?.document.uri;
    if (!uri) {
      uri = (await vscode.window.showOpenDialog({ defaultUri: vscode.Uri.file(s.fed.root), canSelectMany: false, openLabel: 'Route' }))?.[0];
      if (!uri) return undefined;
    }
    const result = await s.fed.routeArtifact(uri.fsPath);
    void vscode.window.showInformationMessage(result.moved ? `Moved ${result.from} to ${result.to} (${result.kind}).` : `${result.from} is already where ${result.kind} artifacts go.`);
    return result;
  },
};
