// Keeps the token for a federation on NATS in the editor's secret storage (never in the workspace: config.yaml
// refuses one). An empty value forgets it; then FEDERATION_NATS_TOKEN of the editor's environment counts, if set.
import * as vscode from 'vscode';
import { FederationError } from '../../core/errors';
import { NATS_TOKEN_SECRET } from '../natsCredentials';
import { noArgs } from './args';
import { defineCommand } from './registry';

export const setNatsToken = defineCommand({
  id: 'agentFederation.setNatsToken',
  needs: [],
  args: noArgs,
  async run({ ports }) {
    const secrets = ports.secrets;
    if (!secrets) throw new FederationError('unavailable', 'This editor has no secret storage to keep the NATS token in.', {});
    const value = await vscode.window.showInputBox({
      title: 'NATS token',
      prompt: 'The token of the NATS servers your federations on NATS use (empty: forget it). Used the next time a federation connects: reload the window to reconnect now.',
      password: true,
      ignoreFocusOut: true,
    });
    if (value === undefined) return undefined;
    if (value === '') await secrets.delete(NATS_TOKEN_SECRET);
    else await secrets.store(NATS_TOKEN_SECRET, value);
    void vscode.window.setStatusBarMessage(value === '' ? 'Forgot the NATS token' : 'Stored the NATS token', 4000);
    return value === '' ? 'forgotten' : 'stored';
  },
});
