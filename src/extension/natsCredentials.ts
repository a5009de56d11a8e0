// The NATS credentials of this editor: the user's own settings (a .creds file, a CA certificate) and a token in
// secret storage, else FEDERATION_NATS_TOKEN from the editor's environment. Never the workspace's: the settings are
// machine-scoped and only their user value is read, so a repository cannot point the editor at its own creds.
import * as vscode from 'vscode';
import type { Environment } from '../core/ports';
import type { NatsCredentials } from '../node/stateBackend';

export const NATS_TOKEN_SECRET = 'agentFederation.nats.token';

function userValue(key: string): string | undefined {
  const v = vscode.workspace.getConfiguration('agentFederation').inspect<string>(key)?.globalValue;
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

export async function editorNatsCredentials(secrets: vscode.SecretStorage, env: Environment): Promise<NatsCredentials> {
  const token = (await secrets.get(NATS_TOKEN_SECRET)) || env['FEDERATION_NATS_TOKEN'];
  const credsFile = userValue('nats.credentialsFile') ?? env['FEDERATION_NATS_CREDS'];
  const caFile = userValue('nats.caFile') ?? env['FEDERATION_NATS_CA'];
  return { ...(token ? { token } : {}), ...(credsFile ? { credsFile } : {}), ...(caFile ? { caFile } : {}) };
}
