// The MCP server's claim tools with worktrees on, as shipped: the claimed task comes back with its worktree (path,
// branch, ports) and the text tells the agent to work and commit there; a handoff's receiver gets the same one.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { cliIn } from '../../helpers/cli';
import { WORKTREES_ON, makeRepo, sh } from '../../helpers/git';
import { openMcp, type McpSession } from '../../helpers/mcp';
import { useTempDir } from '../../helpers/tmp';

describe('federation mcp: claims with task worktrees (as shipped, real git)', function () {
  this.timeout(60_000);
  const sessions: McpSession[] = [];
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close().catch(() => {})));
  });
  const tmp = useTempDir('fed-mcpwt-');
  let repo = '';
  const cli = cliIn(() => repo);

  beforeEach(async () => {
    repo = makeRepo(path.join(tmp.path, 'repo'));
    assert.equal((await cli('init')).code, 0);
    writeFileSync(path.join(repo, '.federation', 'config.yaml'), WORKTREES_ON);
    for (const argv of [['persona', 'register', 'dev', '--skills', 'code'], ['persona', 'register', 'qa', '--skills', 'code'], ['task', 'add', 'Wire the API', '--skills', 'code']]) {
      const r = await cli(...argv);
      assert.equal(r.code, 0, r.err);
    }
  });

  it('claim_next_task returns the worktree and says to work there; the receiver of a handoff gets the same one', async () => {
    const dev = await openMcp(repo, ['--persona', 'dev']);
    sessions.push(dev);
    const r = await dev.call('claim_next_task');
    assert.equal(r.isError, false, r.text);
    const wt = (r.data['task'] as { worktree: { path: string; branch: string; portBase: number } }).worktree;
    assert.equal(wt.branch, 'federation/T1-wire-the-api');
    assert.equal(wt.portBase, 4100);
    assert.equal(sh(wt.path, 'rev-parse', '--abbrev-ref', 'HEAD'), wt.branch);
    assert.match(r.text, new RegExp(`Work in its worktree ${wt.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(branch federation/T1-wire-the-api`));
    assert.match(r.text, /your ports start at 4100/);

    const handed = await dev.call('hand_off_task', { task: 'T1', to: 'qa', context: 'tests left' });
    assert.equal(handed.isError, false, handed.text);
    const qa = await openMcp(repo, ['--persona', 'qa']);
    sessions.push(qa);
    const got = await qa.call('claim_task', { task: 'T1' });
    assert.equal(got.isError, false, got.text);
    assert.deepEqual((got.data['task'] as { worktree: unknown }).worktree, wt);
  });

  it('a claim whose worktree cannot be made is a tool error with the reason, and the task stays queued', async () => {
    sh(repo, 'branch', 'federation/T1-wire-the-api');
    sh(repo, 'worktree', 'add', '-q', path.join(tmp.path, 'elsewhere'), 'federation/T1-wire-the-api');
    const dev = await openMcp(repo, ['--persona', 'dev']);
    sessions.push(dev);
    const r = await dev.call('claim_next_task');
    assert.equal(r.isError, true, r.text);
    assert.equal((r.data['error'] as { reason: string }).reason, 'already-exists');
    assert.match(r.text, /checked out in .*elsewhere/);
    const list = JSON.parse((await cli('task', 'list', '--json')).out) as { tasks: { status: string }[] };
    assert.equal(list.tasks[0]!.status, 'queued');
  });
});
