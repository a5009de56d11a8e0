import * as vscode from 'vscode';
import type { Consumer } from '../../core/packages';
import { packages } from '../lazy';
import { operatorLevel } from '../settings';
import { pickPersona } from './common';
import { defineCommand } from './registry';

/**
 * Shows what a consumer would receive — the package's BOOTSTRAP.md and its manifest — without writing anything.
 * Args from tests/scripts: { consumer, persona?, brief? }.
 */
export const previewBootstrapPackage = defineCommand({
  id: 'agentFederation.previewBootstrapPackage',
  needs: ['fed', 'state'],
  // A brief (Explorer, CodeLens) is a remote agent's package; a Personas node, a terminal's.
  args: (a) => {
    const o = a.options();
    const fromUri = a.uri ? vscode.workspace.asRelativePath(a.uri, false) : undefined;
    const fromNode = a.node('persona')?.id.replace(/^persona:/, '');
    return {
      consumer: (o?.string('consumer') ?? (fromUri ? 'remote-agent' : fromNode ? 'parallel-terminal' : undefined)) as Consumer | undefined,
      persona: o?.string('persona') ?? fromNode,
      brief: o?.string('brief') ?? fromUri,
      show: o?.boolean('show') !== false,
    };
  },
  async run(s, given) {
    let consumer = given.consumer;
    if (!consumer) {
      consumer = (await vscode.window.showQuickPick([...packages().CONSUMERS], { placeHolder: 'Preview the bootstrap package of which consumer?' })) as Consumer | undefined;
      if (!consumer) return undefined;
    }
    let persona = given.persona;
    let brief = given.brief;
    if (consumer === 'parallel-terminal' && !persona) persona = await pickPersona(s, 'Package for which persona?');
    if (consumer === 'remote-agent' && !brief) {
      const picked = await vscode.window.showOpenDialog({ defaultUri: vscode.Uri.file(s.fed.root), filters: { 'Mission briefs': ['md'] }, openLabel: 'Preview' });
      brief = picked?.[0] ? vscode.workspace.asRelativePath(picked[0], false) : undefined;
    }
    if ((consumer === 'parallel-terminal' && !persona) || (consumer === 'remote-agent' && !brief)) return undefined;
    const audit = await packages().auditPackage({ consumer, operatorLevel: operatorLevel(), root: s.fed.root, disk: s.ports.fs, ...(persona ? { persona } : {}), ...(brief ? { brief } : {}) });
    const bootstrap = audit.files.find((f) => f.path === 'BOOTSTRAP.md')?.content ?? '';
    const content = [
      `<!-- Preview only: nothing was written. Consumer ${consumer}, operator level ${operatorLevel()}${audit.ok ? '' : ' — REFUSED'} -->`,
      '',
      audit.summary,
      '',
      '---',
      '',
      bootstrap,
      '',
      '---',
      '',
      '```json',
      JSON.stringify(audit.manifest, null, 2),
      '```',
      '',
    ].join('\n');
    if (given.show) {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'markdown', content }), { preview: true });
    }
    return audit;
  },
});
