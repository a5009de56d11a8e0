import * as vscode from 'vscode';
import { operatorLevel } from '../../settings';
import { defineCommand } from '../../commands/registry';
import { briefsOf, pickBriefs } from '../context';

/** Deploys the selected (or picked) briefs, N copies each, to the configured engine. Args from tests/scripts: { briefs, copies? }. */
export const deploy = defineCommand({
  id: 'agentFederation.agents.deploy',
  needs: ['agents'],
  trust: 'Deploying agents',
  args: (a) => ({ briefs: briefsOf(a), copies: a.options()?.number('copies') }),
  async run({ agents: ctx }, given) {
    const briefs = await pickBriefs(given.briefs, 'Deploy agents from mission briefs');
    if (!briefs) return undefined;
    let copies = given.copies;
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
});
