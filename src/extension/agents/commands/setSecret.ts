import * as vscode from 'vscode';
import { SECRET_NAME_PATTERN } from '../../../core/brief/schema';
import { noArgs } from '../../commands/args';
import { defineCommand } from '../../commands/registry';

/** Stores (or replaces, or with an empty value forgets) an agent secret in VS Code's secret storage. */
export const setSecret = defineCommand({
  id: 'agentFederation.agents.setSecret',
  needs: ['agents'],
  args: noArgs,
  async run({ agents: ctx }) {
    const name = await vscode.window.showInputBox({
      title: 'Agent secret', prompt: 'Secret name, as a brief declares it (secrets: [NAME])',
      validateInput: (v) => (SECRET_NAME_PATTERN.test(v) ? undefined : 'Letters, digits and _, starting with a letter or _'),
    });
    if (!name) return undefined;
    const value = await vscode.window.showInputBox({ title: `Secret ${name}`, prompt: 'The value (empty: forget it)', password: true, ignoreFocusOut: true });
    if (value === undefined) return undefined;
    if (value === '') await ctx.secrets.delete(name);
    else await ctx.secrets.set(name, value);
    void vscode.window.setStatusBarMessage(value === '' ? `Forgot secret ${name}` : `Stored secret ${name}`, 4000);
    return name;
  },
});
