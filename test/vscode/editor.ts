// What the in-editor suites share: the extension's API, the workspace folder, and waiting for a state change
// (event-driven, no sleeps).
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { FederationSnapshot } from '../../src/core/federation/snapshot';
import type { FederationExtensionApi } from '../../src/extension/extension';

export const EXTENSION_ID = 'agent-federation.agent-federation';

export async function api(): Promise<FederationExtensionApi> {
  const ext = vscode.extensions.getExtension<FederationExtensionApi>(EXTENSION_ID);
  assert.ok(ext, 'extension not found');
  return ext.activate();
}

export function root(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder');
  return folder.uri.fsPath;
}

/** Resolves with the first snapshot that satisfies `predicate`; `what` names it in the timeout's message. */
export function waitForState(a: FederationExtensionApi, predicate: (s: FederationSnapshot) => boolean, timeoutMs = 10_000, what = 'the expected state change'): Promise<FederationSnapshot> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`${what}: not within ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = a.onDidChangeState((s) => {
      if (predicate(s)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(s);
      }
    });
  });
}
