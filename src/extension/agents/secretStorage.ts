// Secret values for agents from VS Code's SecretStorage (the OS keychain). A value the brief needs and the
// storage lacks is asked for once (a password box) and kept; it is never logged or shown.
import * as vscode from 'vscode';
import type { SecretSource } from '../../core/agents';

const KEY_PREFIX = 'agentFederation.agentSecret.';

export class SecretStorageSource implements SecretSource {
  readonly description = 'VS Code secret storage';

  constructor(private readonly storage: vscode.SecretStorage, private readonly ask = true) {}

  async get(name: string): Promise<string | undefined> {
    const stored = await this.storage.get(KEY_PREFIX + name);
    if (stored !== undefined) return stored;
    if (!this.ask) return undefined;
    const value = await vscode.window.showInputBox({
      title: `Secret ${name}`,
      prompt: `The brief needs the secret ${name}. It is kept in VS Code's secret storage and given to agents only as the file /secrets/${name}.`,
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.length === 0 ? 'Enter the value, or press Escape to cancel the deployment.' : undefined),
    });
    if (value === undefined) return undefined;
    await this.storage.store(KEY_PREFIX + name, value);
    return value;
  }

  async set(name: string, value: string): Promise<void> {
    await this.storage.store(KEY_PREFIX + name, value);
  }

  async delete(name: string): Promise<void> {
    await this.storage.delete(KEY_PREFIX + name);
  }
}
