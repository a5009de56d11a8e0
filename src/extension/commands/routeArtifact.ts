import * as vscode from 'vscode';
import { defineCommand } from './registry';

/** Moves a file where its kind of artifact goes: the Explorer's file, a path, else the active editor's (or asks). */
export const routeArtifact = defineCommand({
  id: 'agentFederation.routeArtifact',
  needs: ['fed'],
  args: (a) => a.uri ?? (a.text !== undefined ? vscode.Uri.file(a.text) : undefined),
  async run(s, given) {
    let uri = given ?? vscode.window.activeTextEditor?.document.uri;
    if (!uri) {
      uri = (await vscode.window.showOpenDialog({ defaultUri: vscode.Uri.file(s.fed.root), canSelectMany: false, openLabel: 'Route' }))?.[0];
      if (!uri) return undefined;
    }
    const result = await s.fed.routeArtifact(uri.fsPath);
    void vscode.window.showInformationMessage(result.moved ? `Moved ${result.from} to ${result.to} (${result.kind}).` : `${result.from} is already where ${result.kind} artifacts go.`);
    return result;
  },
});
