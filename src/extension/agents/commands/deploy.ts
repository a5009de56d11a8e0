import * as vscode from 'vscode';
import { operatorLevel } from '../../settings';
import { AgentCommand, pickBriefs, requireTrust } from '../context';

/** Deploys the selected (or picked) briefs, N copies each, to the configured engine. */
export const deploy: AgentCommand = {
  id: 'agentFederation.agents.deploy',
  async run(ctx, arg, arg2) {
    requireTrust('Deploying agents');
    const plain = arg && typeof arg === 'object' && !(arg instanceof vscode.Uri) && !Array.isArray(arg) ? (arg as { briefs?: string[]; copies?: number }) : undefined;
    const briefs = plain?.briefs ?? (await pickBriefs(arg, arg2, 'Deploy agents from mission briefs'));
    if (!briefs) return undefined;
    let copies = plain?.copies;
    if (copies === undefined) {
      const answer = await vscode.window.showInputBox({
        title: 'Deploy agents',
        prompt: `How many agents per brief (${briefs.length} brief${briefs.length === 1 ? '' : 's'})?`,
        value: '1',
        validateInput: (v) => (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 100 ? undefined : 'A whole number from 1 to 100'),
      });
      if (answer === undefined) return undefined;
      copies = Number(answer);
    }
    const service = ctx.service();
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Deploying ${briefs.length * copies} agent(s)…` },
      // The operator's own level (a user setting a workspace cannot raise) caps each agent's bootstrap package.
      () => service.deploy(briefs, { copies, secrets: ctx.secrets, operatorLevel: operatorLevel() }),
    );
    for (const w of result.warnings) ctx.deps.log.warn(`deploy: ${w}`);
    ctx.deps.log.info(`deployed ${result.agents.map((a) => a.id).join(', ')}`);
    void vscode.window.showInformationMessage(
      `Deployed ${result.agents.map((a) => a.id).join(', ')}${result.warnings.length ? ` (${result.warnings.length} warning(s) in the log)` : ''}.`,
    );
    return result;
  },
};
