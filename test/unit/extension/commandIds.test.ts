// The editor's command ids (src/extension/commands/ids.ts, which every command definition's id must be one of)
// against the commands package.json contributes. That each is registered in the editor: test/vscode/smoke.test.ts.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { AGENT_COMMAND_IDS, COMMAND_IDS, CORE_COMMAND_IDS, PANEL_COMMAND_IDS } from '../../../src/extension/commands/ids';

const repo = path.resolve(__dirname, '..', '..', '..', '..');

describe('editor command ids', () => {
  const manifest = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[]; menus: Record<string, { command: string }[]> } };
  const contributed = manifest.contributes.commands.map((c) => c.command);

  it('are exactly the commands package.json contributes', () => {
    assert.deepEqual([...COMMAND_IDS].sort(), [...contributed].sort());
  });

  it('name each command once, in one group', () => {
    assert.equal(new Set(COMMAND_IDS).size, COMMAND_IDS.length);
    assert.equal(COMMAND_IDS.length, CORE_COMMAND_IDS.length + AGENT_COMMAND_IDS.length + PANEL_COMMAND_IDS.length);
  });

  it('cover every command a menu names (besides the editor\'s own)', () => {
    const ours = new Set<string>(COMMAND_IDS);
    const named = Object.values(manifest.contributes.menus).flat().map((m) => m.command).filter((c) => c.startsWith('agentFederation.'));
    assert.deepEqual(named.filter((c) => !ours.has(c)), []);
  });
});
