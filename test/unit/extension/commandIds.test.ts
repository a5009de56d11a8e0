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

  it('show the worktree actions on the Task Queue items they fit (the models\' context values)', () => {
    const items = manifest.contributes.menus['view/item/context'] as { command: string; when: string }[];
    /** Whether some entry of the command's shows on an item with this context value. */
    const shows = (command: string, contextValue: string) =>
      items.some((m) => m.command === command && new RegExp(/viewItem =~ \/(.+?)\/(?: |$)/.exec(m.when)![1]!).test(contextValue));
    const cases: [string, string[], string[]][] = [
      ['agentFederation.reviewTaskChanges', ['task:in_progress:worktree', 'task:awaiting_review:worktree', 'task:failed:worktree'], ['task:done', 'task:in_progress']],
      ['agentFederation.openTaskTerminal', ['task:claimed:worktree', 'task:handed_off:handoff:worktree'], ['task:claimed']],
      ['agentFederation.mergeTask', ['task:awaiting_review:worktree'], ['task:done', 'task:in_progress:worktree']],
      ['agentFederation.openTaskPullRequest', ['task:awaiting_review:worktree'], ['task:claimed:worktree']],
      ['agentFederation.discardTaskWorktree', ['task:awaiting_review:worktree', 'task:failed:worktree', 'task:queued:blocked:worktree'], ['task:claimed:worktree', 'task:in_progress:worktree', 'task:handed_off:handoff:worktree', 'task:failed']],
    ];
    for (const [command, yes, no] of cases) {
      for (const v of yes) assert.ok(shows(command, v), `${command} on ${v}`);
      for (const v of no) assert.ok(!shows(command, v), `${command} not on ${v}`);
    }
  });

  it('cover every command a menu names (besides the editor\'s own)', () => {
    const ours = new Set<string>(COMMAND_IDS);
    const named = Object.values(manifest.contributes.menus).flat().map((m) => m.command).filter((c) => c.startsWith('agentFederation.'));
    assert.deepEqual(named.filter((c) => !ours.has(c)), []);
  });
});
