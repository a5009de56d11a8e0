import * as vscode from 'vscode';
import { defineCommand } from '../../commands/registry';

/** Removes finished agents whose output is collected or empty; lists the ones kept. Args from tests/scripts: { force? } (no confirmation). */
export const prune = defineCommand({
  id: 'agentFederation.agents.prune',
  needs: ['agents'],
  args: (a) => ({ force: a.options()?.boolean('force') === true }),
  async run({ agents: ctx, log }, { force }) {
    if (!force) {
      const pick = await vscode.window.showWarningMessage(
        'Remove every finished agent whose output is collected or empty?',
        { modal: true, detail: 'Agents with output not yet collected are kept. Their containers and secrets folders are deleted.' },
        'Prune',
      );
      if (!pick) return undefined;
    }
    const result = await ctx.service().prune({ force });
    for (const k of result.kept) log.info(`prune kept ${k.id}: ${k.why}`);
    void vscode.window.showInformationMessage(
      `${result.removed.length ? `Removed ${result.removed.join(', ')}.` : 'Nothing to prune.'}${result.kept.length ? ` Kept ${result.kept.length} with output not yet collected.` : ''}`,
    );
    return result;
  },
});
