// The worktree flow through the shipped CLI (dist/cli.js) in a real git repository: claim → work in the task's
// worktree → task diff → task merge → the dependent task becomes ready; worktree list/rm/prune and their refusals.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { cliIn } from '../../helpers/cli';
import { WORKTREES_ON, commitAll, makeRepo, sh, write } from '../../helpers/git';
import { useTempDir } from '../../helpers/tmp';

interface JsonTask {
  id: string;
  status: string;
  worktree?: { path: string; branch: string; base: string; portBase?: number; mergedAt?: string };
}

describe('federation CLI: task worktrees (as shipped, real git)', function () {
  this.timeout(60_000);
  const tmp = useTempDir('fed-wtcli-');
  let repo = '';
  const run = cliIn(() => repo);
  const ok = async (...argv: string[]) => {
    const r = await run(...argv);
    assert.equal(r.code, 0, `${argv.join(' ')}: ${r.err}`);
    return r;
  };
  const json = async <T>(...argv: string[]): Promise<T> => JSON.parse((await ok(...argv, '--json')).out) as T;
  const refusal = async (...argv: string[]) => {
    const r = await run(...argv, '--json');
    assert.equal(r.code, 1, `${argv.join(' ')}: exit ${r.code}\n${r.out}${r.err}`);
    return JSON.parse(r.err).error as { reason: string; message: string; details: Record<string, unknown> };
  };

  beforeEach(async () => {
    repo = makeRepo(path.join(tmp.path, 'repo'));
    await ok('init');
    writeFileSync(path.join(repo, '.federation', 'config.yaml'), WORKTREES_ON);
    await ok('persona', 'register', 'dev', '--skills', 'code');
    await ok('task', 'add', 'Add the parser', '--skills', 'code');
    await ok('task', 'add', 'Use the parser', '--skills', 'code', '--depends-on', 'T1');
  });

  it('claim → commit in the worktree → diff → merge → the dependent is ready', async () => {
    const { task } = await json<{ task: JsonTask }>('task', 'claim', '--persona', 'dev');
    assert.equal(task.worktree?.branch, 'federation/T1-add-the-parser');
    assert.equal(task.worktree?.portBase, 4100);
    write(task.worktree!.path, 'parser.js', 'module.exports = (s) => s.split(",");\n');
    commitAll(task.worktree!.path, 'parser');

    const listed = await json<{ worktrees: { task: { id: string }; status: { ahead: number; dirtyCount: number } }[] }>('worktree', 'list');
    assert.deepEqual(listed.worktrees.map((w) => [w.task.id, w.status.ahead, w.status.dirtyCount]), [['T1', 1, 0]]);
    assert.match((await ok('worktree', 'list')).out, /T1 +claimed +federation\/T1-add-the-parser +\+1 −0/);

    const stat = await ok('task', 'diff', 'T1', '--stat');
    assert.match(stat.out, /parser\.js \| 1 \+/);
    assert.match((await ok('task', 'diff', 'T1')).out, /^\+module\.exports/m);

    // Not done yet: no merge; the dependent is blocked.
    assert.equal((await refusal('task', 'merge', 'T1')).reason, 'invalid-transition');
    await ok('task', 'complete', 'T1', '--persona', 'dev');
    const waiting = await run('task', 'claim', '--persona', 'dev', '--json');
    assert.equal(waiting.code, 3);
    assert.match(JSON.parse(waiting.out).explanation, /T1 \(awaiting_review\)/);

    const merged = await json<{ task: JsonTask; merge: { fastForward: boolean; commit: string } }>('task', 'merge', 'T1', '--by', 'reviewer');
    assert.equal(merged.merge.fastForward, true);
    assert.ok(merged.task.worktree?.mergedAt);
    assert.equal(readFileSync(path.join(repo, 'parser.js'), 'utf8'), 'module.exports = (s) => s.split(",");\n');
    assert.equal(existsSync(task.worktree!.path), false);
    const next = await json<{ task: JsonTask }>('task', 'claim', '--persona', 'dev');
    assert.equal(next.task.id, 'T2');
    assert.equal(next.task.worktree?.branch, 'federation/T2-use-the-parser');
    assert.equal(sh(next.task.worktree!.path, 'log', '-1', '--format=%s'), 'parser', 'the dependent starts from the merged base');
  });

  it('rm refuses to lose uncommitted work (exit 1, unsaved-work), --force takes it; prune keeps what holds work', async () => {
    const { task } = await json<{ task: JsonTask }>('task', 'claim', '--persona', 'dev');
    write(task.worktree!.path, 'draft.md', 'unsaved\n');
    assert.equal((await refusal('worktree', 'rm', 'T1', '--force')).reason, 'invalid-transition', 'held by dev');
    await ok('task', 'fail', 'T1', '--persona', 'dev', '--reason', 'stuck');
    const err = await refusal('worktree', 'rm', 'T1');
    assert.equal(err.reason, 'unsaved-work');
    assert.match(err.message, /draft\.md/);
    const pruned = await json<{ removed: unknown[]; kept: { task: string }[] }>('worktree', 'prune');
    assert.deepEqual([pruned.removed.length, pruned.kept.map((k) => k.task)], [0, ['T1']]);
    assert.equal(readFileSync(path.join(task.worktree!.path, 'draft.md'), 'utf8'), 'unsaved\n');
    await ok('worktree', 'rm', 'T1', '--force');
    assert.equal(existsSync(task.worktree!.path), false);
    assert.match((await ok('worktree', 'list')).out, /No task has a worktree/);
  });

  it('a merge conflict is refused with the files listed and exit 1; nothing changes', async () => {
    const { task } = await json<{ task: JsonTask }>('task', 'claim', '--persona', 'dev');
    write(task.worktree!.path, 'src/app.txt', 'branch\n');
    commitAll(task.worktree!.path, 'branch');
    write(repo, 'src/app.txt', 'main\n');
    const tip = commitAll(repo, 'main');
    await ok('task', 'complete', 'T1', '--persona', 'dev');
    const err = await refusal('task', 'merge', 'T1');
    assert.equal(err.reason, 'merge-conflict');
    assert.deepEqual(err.details['files'], ['src/app.txt']);
    assert.equal(sh(repo, 'rev-parse', 'HEAD'), tip);
    const human = await run('task', 'merge', 'T1');
    assert.equal(human.code, 1);
    assert.match(human.err, /would conflict in src\/app\.txt; nothing was changed/);
    assert.doesNotMatch(human.err, /\n\s+at /, 'no stack trace');
  });

  it('FEDERATION_ROOT points the CLI at the federation from inside a worktree', async () => {
    const { task } = await json<{ task: JsonTask }>('task', 'claim', '--persona', 'dev');
    const fromWorktree = cliIn(() => task.worktree!.path, { FEDERATION_ROOT: repo });
    const r = await fromWorktree('task', 'start', 'T1', '--persona', 'dev', '--json');
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).task.status, 'in_progress');
  });
});
