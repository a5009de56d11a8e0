import * as vscode from 'vscode';
import { AgentCommand } from '../context';

/** Removes finished agents whose output is collected or empty; lists the ones kept. */
export const prune: AgentCommand = {
  id: 'agentFederation.agents.prune',
  async run(ctx, options) {
    const force = !!options && typeof options === 'object' && (options as { force?: unknown }).force === true;
    if (!force) {
      const pick = await vscode.window.showWarningMessage(
        'Remove every finished agent whose output is collected or empty?',
        { modal: true, detail: 'Agents with output not yet collected are kept. Their containers and secrets folders are deleted.' },
        'Prune',
      );
      if (!pick) return undefined;
    }
    const result = await ctx.service().prune({ force });
    for (const k of result.kept) ctx.deps.log.info(`prune kept ${k.id}: ${k.why}`);
    void vscode.window.showInformationMessage(
      `${result.removed.length ? `Removed ${result.removed.join(', ')}.` : 'Nothing to prune.'}${result.kept.length ? ` Kept ${result.kept.length} with output not yet collected.` : ''}`,
    );
    return result;
  },
};
