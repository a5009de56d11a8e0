import * as vscode from 'vscode';
import { agentIdOf } from '../../commands/args';
import { defineCommand } from '../../commands/registry';
import { pickAgent } from '../context';

/** The agent's JSON report, validated, as a Markdown document. */
export const showReport = defineCommand({
  id: 'agentFederation.agents.showReport',
  needs: ['agents'],
  args: agentIdOf,
  async run({ agents: ctx }, given) {
    const id = await pickAgent(ctx, given, 'Show the report of which agent?');
    if (!id) return undefined;
    const { report, deliverables } = await ctx.service().report(id);
    const lines = [
      `# Report of ${id}: ${report.status}`,
      '',
      `${report.startedAt} → ${report.finishedAt}`,
      '',
      report.summary,
      '',
      '## Deliverables',
      '',
      ...(deliverables.length ? deliverables.map((d) => `- ${d.exists ? '✓' : '✗ (missing)'} \`${d.path}\`${d.description ? ` — ${d.description}` : ''}`) : ['None.']),
      ...(report.metrics && Object.keys(report.metrics).length
        ? ['', '## Metrics', '', '| metric | value |', '| --- | --- |', ...Object.entries(report.metrics).map(([k, v]) => `| ${k} | ${v} |`)]
        : []),
    ];
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: lines.join('\n') + '\n' });
    await vscode.window.showTextDocument(doc, { preview: true });
    return report;
  },
});
