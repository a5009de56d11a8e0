import * as vscode from 'vscode';
import { agentIdOf } from '../../commands/args';
import { defineCommand } from '../../commands/registry';
import { pickAgent } from '../context';

/** Every item of the hardening list against what the engine reports for the agent's container. */
export const inspectHardening = defineCommand({
  id: 'agentFederation.agents.inspectHardening',
  needs: ['agents'],
  args: agentIdOf,
  async run({ agents: ctx }, given) {
    const id = await pickAgent(ctx, given, 'Inspect the hardening of which agent?', (a) => a.status !== 'missing' && a.status !== 'unknown');
    if (!id) return undefined;
    const checks = await ctx.service().inspectHardening(id);
    const failed = checks.filter((c) => !c.ok).length;
    const cell = (s: string): string => s.replace(/\|/g, '\\|');
    const content = [
      `# Hardening of ${id}: ${failed === 0 ? 'all checks pass' : `${failed} check(s) fail`}`,
      '',
      '| | check | engine reports | expected |',
      '| --- | --- | --- | --- |',
      ...checks.map((c) => `| ${c.ok ? '✓' : '✗'} | ${cell(c.title)} | ${cell(c.actual)} | ${cell(c.expected)} |`),
    ].join('\n');
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: content + '\n' });
    await vscode.window.showTextDocument(doc, { preview: true });
    return checks;
  },
});
