// Task worktrees against real git repositories in temp folders: made on claim, passed on with a handoff, merged
// and removed; and each never-lose-work rule with a test that tries to lose work.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { isFederationError } from '../../../src/core/errors';
import type { Federation } from '../../../src/core/federation';
import { WorktreeService } from '../../../src/core/worktrees/service';
import { nodeGit } from '../../../src/node/git';
import { newFederation } from '../../helpers/federation';
import { WORKTREES_ON, commitAll, makeRepo, sh, write } from '../../helpers/git';
import { useTempDir } from '../../helpers/tmp';

async function reason(p: Promise<unknown>): Promise<{ reason: string; message: string; details: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    if (isFederationError(e)) return e;
    throw e;
  }
  assert.fail('expected a refusal');
}

describe('task worktrees (real git)', function () {
  this.timeout(30_000);
  const tmp = useTempDir('fed-wt-');
  let repo: string;
  let fed: Federation;
  let wts: WorktreeService;

  beforeEach(async () => {
    repo = makeRepo(path.join(tmp.path, 'project'));
    fed = newFederation(repo);
    await fed.init();
    writeFileSync(path.join(repo, '.federation', 'config.yaml'), WORKTREES_ON);
    write(repo, '.env.local', 'SECRET=1\n');
    await fed.registerPersona({ id: 'dev', skills: [] });
    await fed.registerPersona({ id: 'rev', skills: [] });
    wts = new WorktreeService(fed, nodeGit);
  });

  it('a claim makes the task its worktree on a new branch beside the checkout, copies .env*, gives it ports', async () => {
    await fed.addTask({ title: 'Fix the login!' });
    await fed.addTask({ title: 'Second' });
    const { task } = await fed.claimNext('dev');
    const wt = task!.worktree!;
    assert.equal(wt.branch, 'federation/T1-fix-the-login');
    assert.equal(wt.base, 'main');
    assert.equal(wt.path, path.join(tmp.path, 'project.worktrees', 'T1-fix-the-login'));
    assert.equal(wt.portBase, 4100);
    assert.equal(sh(wt.path, 'rev-parse', '--abbrev-ref', 'HEAD'), 'federation/T1-fix-the-login');
    assert.equal(readFileSync(path.join(wt.path, '.env.local'), 'utf8'), 'SECRET=1\n');
    assert.ok(task!.history.some((e) => e.action === 'worktree'));
    // The record is in queue.json, not only in what claim returned.
    assert.deepEqual((await fed.getTask('T1')).worktree, wt);
    const second = await fed.claimTask('T2', 'rev');
    assert.equal(second.worktree!.portBase, 4110, 'each live worktree gets its own block of ports');
  });

  it('with worktrees off (the default) a claim makes none', async () => {
    writeFileSync(path.join(repo, '.federation', 'config.yaml'), 'version: 1\n');
    await fed.addTask({ title: 'Plain' });
    const { task } = await fed.claimNext('dev');
    assert.equal(task!.worktree, undefined);
    assert.equal(existsSync(path.join(tmp.path, 'project.worktrees')), false);
  });

  it('a handoff passes the worktree: the receiver continues on the same branch', async () => {
    await fed.addTask({ title: 'Relay' });
    const { task } = await fed.claimNext('dev');
    write(task!.worktree!.path, 'notes.md', 'half done\n');
    commitAll(task!.worktree!.path, 'half');
    await fed.handoff('T1', { from: 'dev', to: 'rev' });
    const { task: received } = await fed.claimNext('rev');
    assert.deepEqual(received!.worktree, task!.worktree);
    assert.equal(readFileSync(path.join(received!.worktree!.path, 'notes.md'), 'utf8'), 'half done\n');
  });

  it('when the worktree cannot be made the claim fails with the reason and nothing is claimed (no fall-back)', async () => {
    await fed.addTask({ title: 'Blocked path' });
    const squatter = path.join(tmp.path, 'project.worktrees', 'T1-blocked-path');
    mkdirSync(squatter, { recursive: true });
    writeFileSync(path.join(squatter, 'mine.txt'), 'not yours\n');
    const err = await reason(fed.claimNext('dev'));
    assert.equal(err.reason, 'already-exists');
    assert.match(err.message, /left alone/);
    const t = await fed.getTask('T1');
    assert.deepEqual([t.status, t.assignee, t.worktree], ['queued', null, undefined]);
    assert.equal(readFileSync(path.join(squatter, 'mine.txt'), 'utf8'), 'not yours\n');
  });

  it('outside a git repository, worktrees on refuses the claim with what to do', async () => {
    const plain = path.join(tmp.path, 'plain');
    mkdirSync(plain);
    const other = newFederation(plain);
    await other.init();
    writeFileSync(path.join(plain, '.federation', 'config.yaml'), WORKTREES_ON);
    await other.registerPersona({ id: 'dev', skills: [] });
    await other.addTask({ title: 'Anything' });
    const err = await reason(other.claimTask('T1', 'dev'));
    assert.equal(err.reason, 'unavailable');
    assert.match(err.message, /not in a git repository/);
    assert.equal((await other.getTask('T1')).status, 'queued');
  });

  it('a done task with an unmerged branch is awaiting review and blocks its dependents; merging readies them', async () => {
    await fed.addTask({ title: 'Schema' });
    await fed.addTask({ title: 'API', dependsOn: ['T1'] });
    const { task } = await fed.claimNext('dev');
    write(task!.worktree!.path, 'schema.sql', 'create table t();\n');
    commitAll(task!.worktree!.path, 'schema');
    await fed.completeTask('T1', 'dev');
    const blocked = await fed.claimNext('rev');
    assert.equal(blocked.task, null);
    assert.match(blocked.explanation!, /T1 \(awaiting_review\)/);
    assert.equal((await wts.status('T1')).awaitingReview, true);

    const { merge, task: merged } = await wts.merge('T1', 'rev');
    assert.equal(merge.fastForward, true);
    assert.equal(readFileSync(path.join(repo, 'schema.sql'), 'utf8'), 'create table t();\n', 'the main checkout has the merged file');
    assert.equal(sh(repo, 'rev-parse', 'main'), merge.commit);
    assert.ok(merged.worktree!.mergedAt);
    assert.equal(existsSync(task!.worktree!.path), false, 'the worktree is removed');
    assert.equal(sh(repo, 'branch', '--list', 'federation/*'), '', 'and its branch');
    const next = await fed.claimNext('rev');
    assert.equal(next.task?.id, 'T2');
  });

  it('a base that moved on gets a merge commit with both parents; the main checkout follows', async () => {
    await fed.addTask({ title: 'Feature' });
    const { task } = await fed.claimNext('dev');
    write(task!.worktree!.path, 'feature.txt', 'feature\n');
    const branchTip = commitAll(task!.worktree!.path, 'feature');
    write(repo, 'other.txt', 'other\n');
    const mainTip = commitAll(repo, 'other');
    await fed.completeTask('T1', 'dev');
    const { merge } = await wts.merge('T1', 'rev');
    assert.equal(merge.fastForward, false);
    assert.equal(sh(repo, 'rev-parse', `${merge.commit}^1`), mainTip);
    assert.equal(sh(repo, 'rev-parse', `${merge.commit}^2`), branchTip);
    assert.ok(existsSync(path.join(repo, 'feature.txt')) && existsSync(path.join(repo, 'other.txt')));
    assert.equal(sh(repo, 'status', '--porcelain'), '');
  });

  it('a merge that would conflict is refused with the files, and nothing changes', async () => {
    await fed.addTask({ title: 'Clash' });
    const { task } = await fed.claimNext('dev');
    const wt = task!.worktree!;
    write(wt.path, 'src/app.txt', 'line 1\nbranch line\nline 3\n');
    commitAll(wt.path, 'branch edit');
    write(repo, 'src/app.txt', 'line 1\nmain line\nline 3\n');
    const mainTip = commitAll(repo, 'main edit');
    await fed.completeTask('T1', 'dev');
    const err = await reason(wts.merge('T1', 'rev'));
    assert.equal(err.reason, 'merge-conflict');
    assert.deepEqual(err.details['files'], ['src/app.txt']);
    assert.equal(sh(repo, 'rev-parse', 'main'), mainTip);
    assert.equal(sh(repo, 'status', '--porcelain'), '');
    assert.equal(readFileSync(path.join(wt.path, 'src/app.txt'), 'utf8'), 'line 1\nbranch line\nline 3\n');
    assert.equal((await fed.getTask('T1')).worktree!.mergedAt, undefined);
  });

  it('tries to lose uncommitted changes: merge, rm and prune refuse; only rm --force takes them', async () => {
    await fed.addTask({ title: 'Dirty' });
    const { task } = await fed.claimNext('dev');
    const wt = task!.worktree!;
    write(wt.path, 'wip.txt', 'unsaved\n');
    await fed.completeTask('T1', 'dev');
    assert.equal((await reason(wts.merge('T1', 'rev'))).reason, 'unsaved-work');
    const rm = await reason(wts.remove('T1', { by: 'rev' }));
    assert.equal(rm.reason, 'unsaved-work');
    assert.deepEqual(rm.details['dirty'], ['wip.txt']);
    const pruned = await wts.prune('rev');
    assert.deepEqual(pruned.removed, []);
    assert.equal(pruned.kept[0]?.task, 'T1');
    assert.equal(readFileSync(path.join(wt.path, 'wip.txt'), 'utf8'), 'unsaved\n');
    const forced = await wts.remove('T1', { by: 'rev', force: true });
    assert.equal(forced.discardedWork, true);
    assert.equal(forced.task.status, 'failed', 'a done task whose work was thrown away is not done any more');
    assert.equal(existsSync(wt.path), false);
  });

  it('tries to lose unmerged commits: rm refuses without --force, and the branch survives', async () => {
    await fed.addTask({ title: 'Commits' });
    const { task } = await fed.claimNext('dev');
    write(task!.worktree!.path, 'done.txt', 'x\n');
    commitAll(task!.worktree!.path, 'work');
    await fed.failTask('T1', 'dev', 'gave up');
    const err = await reason(wts.remove('T1', { by: 'rev' }));
    assert.equal(err.reason, 'unsaved-work');
    assert.equal(err.details['ahead'], 1);
    assert.match(sh(repo, 'branch', '--list', 'federation/*'), /federation\/T1-commits/);
  });

  it('tries to recycle a live persona\'s worktree: rm refuses even with --force, prune keeps it', async () => {
    await fed.addTask({ title: 'Live' });
    const { task } = await fed.claimNext('dev');
    await fed.startTask('T1', 'dev');
    const err = await reason(wts.remove('T1', { by: 'rev', force: true }));
    assert.equal(err.reason, 'invalid-transition');
    assert.match(err.message, /in_progress by dev/);
    const pruned = await wts.prune('rev');
    assert.deepEqual(pruned.removed, []);
    assert.ok(existsSync(task!.worktree!.path));
  });

  it('a requeued task keeps its worktree: the next claimant continues on the same branch', async () => {
    await fed.addTask({ title: 'Retry' });
    const { task } = await fed.claimNext('dev');
    write(task!.worktree!.path, 'attempt.txt', 'first\n');
    commitAll(task!.worktree!.path, 'first attempt');
    await fed.failTask('T1', 'dev', 'flaky');
    await fed.requeueTask('T1', 'cli');
    const again = await fed.claimTask('T1', 'rev');
    assert.deepEqual(again.worktree, task!.worktree);
    assert.ok(existsSync(path.join(again.worktree!.path, 'attempt.txt')));
  });

  it('a worktree whose folder was deleted is made again on the same branch (its commits are kept)', async () => {
    await fed.addTask({ title: 'Lost folder' });
    const { task } = await fed.claimNext('dev');
    write(task!.worktree!.path, 'kept.txt', 'committed\n');
    commitAll(task!.worktree!.path, 'kept');
    await fed.failTask('T1', 'dev', 'machine died');
    await fed.requeueTask('T1', 'cli');
    rmSync(task!.worktree!.path, { recursive: true, force: true });
    const again = await fed.claimTask('T1', 'rev');
    assert.equal(readFileSync(path.join(again.worktree!.path, 'kept.txt'), 'utf8'), 'committed\n');
  });

  it('prune takes clean worktrees of finished tasks and leaves the rest, saying why', async () => {
    await fed.addTask({ title: 'Nothing done' });
    await fed.addTask({ title: 'Holding' });
    await fed.addTask({ title: 'Dependent', dependsOn: ['T1'] });
    const { task: t1 } = await fed.claimNext('dev');
    await fed.completeTask('T1', 'dev');
    await fed.claimTask('T2', 'rev');
    const pruned = await wts.prune('cli');
    assert.deepEqual(pruned.removed.map((r) => r.task), ['T1']);
    assert.deepEqual(pruned.kept.map((k) => k.task), ['T2']);
    assert.equal(existsSync(t1!.worktree!.path), false);
    // Nothing was lost, so T1 counts as merged and its dependent is ready.
    assert.equal((await fed.claimNext('dev')).task?.id, 'T3');
  });

  it('changes lists committed, uncommitted and new files against the merge base; diff prints the branch', async () => {
    await fed.addTask({ title: 'Review me' });
    const { task } = await fed.claimNext('dev');
    const wt = task!.worktree!;
    write(wt.path, 'src/app.txt', 'line 1\nchanged\nline 3\n');
    write(wt.path, 'added.txt', 'new\n');
    commitAll(wt.path, 'work');
    write(wt.path, 'untracked.txt', 'later\n');
    sh(wt.path, 'rm', '-q', 'README.md');
    const changes = await wts.changes('T1');
    assert.deepEqual(changes.files.map((f) => `${f.status} ${f.path}`), ['A added.txt', 'D README.md', 'M src/app.txt', 'A untracked.txt']);
    assert.equal(changes.mergeBase, sh(repo, 'rev-parse', 'main'));
    const { diff, uncommitted } = await wts.diff('T1', { stat: true });
    assert.match(diff, /added\.txt/);
    assert.match(diff, /src\/app\.txt/);
    assert.doesNotMatch(diff, /untracked/);
    assert.equal(uncommitted, 2);
  });
});
