import * as vscode from 'vscode';
import { ID_PATTERN } from '../../core/federation/state/schemas';
import { personas } from './common';
import { defineCommand } from './registry';

/**
 * Asks for the role (prefilled from a persona when there is one) and opens a brief skeleton that validates. Args
 * from tests/scripts: { persona?, role?, untitled? } (untitled: an unsaved document, not a file in the folder).
 */
export const newMissionBrief = defineCommand({
  id: 'agentFederation.newMissionBrief',
  needs: ['state'],
  args: (a) => {
    const o = a.options();
    return { persona: o?.string('persona'), role: o?.string('role'), untitled: o?.boolean('untitled') === true };
  },
  async run(s, given) {
    const known = await personas(s);
    let personaId = given.persona;
    if (!personaId && known.length > 0) {
      const pick = await vscode.window.showQuickPick(
        [...known.map((p) => ({ label: p.id, description: p.displayName, detail: `skills: ${p.skills.join(', ')}` })), { label: '(no persona)', description: '' }],
        { title: 'New Mission Brief (1/2)', placeHolder: 'Which persona will the agent play?' },
      );
      if (!pick) return undefined;
      personaId = pick.label === '(no persona)' ? undefined : pick.label;
    }
    const persona = known.find((p) => p.id === personaId);
    const role =
      given.role ??
      (await vscode.window.showInputBox({ title: 'New Mission Brief (2/2)', prompt: 'Role of the agent', value: persona ? `${persona.displayName} agent` : '' }));
    if (!role) return undefined;
    const slug = role.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'agent';
    const text = [
      '---',
      `role: ${role}`,
      ...(personaId && ID_PATTERN.test(personaId) ? [`persona: ${personaId}`] : []),
      'confidentiality: C1',
      'network: none',
      `output: /output/${slug}`,
      'report: json',
      '---',
      '',
      `# Mission Brief: ${role}`,
      '',
      '## Identity',
      '',
      `You are the ${role}${persona ? `, working within the skills ${persona.skills.join(', ')}` : ''}.`,
      '',
      '## Mission',
      '',
      '- [ ] Describe the first measurable outcome (for example: 3 options compared on latency and cost).',
      '',
      '## Resources',
      '',
      '- The repository at /workspace (read-only).',
      '',
      '## Output',
      '',
      `- A Markdown summary at /output/${slug}/summary.md.`,
      '',
      '## Reporting',
      '',
      `- Write /output/${slug}/report.json when done, following schemas/agent-report.schema.json.`,
      '',
      '## Boundaries',
      '',
      '- Never push to remote branches.',
      '- Do not read files outside /workspace.',
      '',
    ].join('\n');
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = folder ? vscode.Uri.joinPath(folder, `${slug}.brief.md`) : undefined;
    if (target && !given.untitled) {
      try {
        await vscode.workspace.fs.stat(target);
        // Never overwrite: open the existing brief instead.
        void vscode.window.showWarningMessage(`${vscode.workspace.asRelativePath(target)} exists already; opened it instead.`);
        return vscode.window.showTextDocument(target);
      } catch {
        await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
        return vscode.window.showTextDocument(target);
      }
    }
    return vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'markdown', content: text }));
  },
});
