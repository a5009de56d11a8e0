import * as vscode from 'vscode';
import type { Consumer } from '../../core/packages';
import { packages } from '../lazy';
import { operatorLevel } from '../settings';
import { CommandDef, isPlainArgs, personaFromArg, pickPersona } from './common';

/**
 * Shows what a consumer would receive — the package's BOOTSTRAP.md and its manifest — without writing anything.
 * Args from tests/scripts: { consumer, persona?, brief? }.
 */
export const previewBootstrapPackage: CommandDef = {
  id: 'agentFederation.previewBootstrapPackage',
  async run(s, arg) {
    const plain = isPlainArgs(arg) ? arg : {};
    const fromUri = arg instanceof vscode.Uri ? vscode.workspace.asRelativePath(arg, false) : undefined;
    const fromNode = arg && typeof arg === 'object' && (arg as { kind?: unknown }).kind === 'persona' ? personaFromArg(arg) : undefined;
    let consumer = (typeof plain['consumer'] === 'string' ? plain['consumer'] : fromUri ? 'remote-agent' : fromNode ? 'parallel-terminal' : undefined) as Consumer | undefined;
    if (!consumer) {
      consumer = (await vscode.window.showQuickPick([...packages().CONSUMERS], { placeHolder: 'Preview the bootstrap package of which consumer?' })) as Consumer | undefined;
      if (!consumer) return undefined;
    }
    let persona = typeof plain['persona'] === 'string' ? plain['persona'] : fromNode;
    let brief = typeof plain['brief'] === 'string' ? plain['brief'] : fromUri;
    if (consumer === 'parallel-terminal' && !persona) persona = await pickPersona(s, 'Package for which persona?');
    if (consumer === 'remote-agent' && !brief) {
      const picked = await vscode.window.showOpenDialog({ defaultUri: vscode.Uri.file(s.fed.root), filters: { 'Mission briefs': ['md'] }, openLabel: 'Preview' });
      brief = picked?.[0] ? vscode.workspace.asRelativePath(picked[0], false) : undefined;
    }
    if ((consumer === 'parallel-terminal' && !persona) || (consumer === 'remote-agent' && !brief)) return undefined;
    const audit = await packages().auditPackage({ consumer, operatorLevel: operatorLevel(), root: s.fed.root, ...(persona ? { persona } : {}), ...(brief ? { brief } : {}) });
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
    if (!(isPlainArgs(arg) && arg['show'] === false)) {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'markdown', content }), { preview: true });
    }
    return audit;
  },
};
