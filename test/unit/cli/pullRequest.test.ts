// `task merge T --pr` through the shipped CLI (dist/cli.js): real git, a bare repository as the remote (the
// remote's URL is a github.com one that git's url.insteadOf sends to the bare repository, so the repository is
// read from the remote as for a real clone), and the real Octokit against the local fake GitHub server.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { cliIn } from '../../helpers/cli';
import { FakeGithub, startFakeGithub } from '../../helpers/fakeGithub';
import { WORKTREES_ON, commitAll, makeRepo, sh, write } from '../../helpers/git';
import { useTempDir } from '../../helpers/tmp';

interface JsonTask {
  id: string;
  status: string;
  worktree?: { path: string; branch: string; base: string; mergedAt?: string; pullRequest?: { url: string; number: number } };
  history: { action: string; note?: string }[];
}
interface PrResult {
  task: JsonTask;
  pullRequest: { number: number; url: string; draft: boolean; existing: boolean; head: string; base: string };
  push: { remote: string; branch: string; commit: string; result: string };
}
interface JsonError {
  reason: string;
  message: string;
  details: Record<string, unknown>;
}

const BRANCH = 'federation/T1-add-the-parser';
const GITHUB_URL = 'https://github.com/octo/demo.git';

describe('federation CLI: task merge --pr (as shipped, real git, fake GitHub)', function () {
  this.timeout(60_000);
  const tmp = useTempDir('fed-prcli-');
  let repo = '';
  let bare = '';
  let github: FakeGithub;
  let env: Record<string, string | undefined> = {};
  const run = (...argv: string[]) => cliIn(() => repo, env)(...argv);
  const ok = async (...argv: string[]) => {
    const r = await run(...argv);
    assert.equal(r.code, 0, `${argv.join(' ')}: ${r.err}`);
    return r;
  };
  const json = async <T>(...argv: string[]): Promise<T> => JSON.parse((await ok(...argv, '--json')).out) as T;
  const refusal = async (...argv: string[]): Promise<JsonError> => {
    const r = await run(...argv, '--json');
    assert.equal(r.code, 1, `${argv.join(' ')}: exit ${r.code}\n${r.out}${r.err}`);
    return (JSON.parse(r.err) as { error: JsonError }).error;
  };
  /** The bare repository's commit for the task branch, or undefined when it has none. */
  const remoteBranch = (branch = BRANCH): string | undefined => {
    try {
      return execFileSync('git', ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], { cwd: bare, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  const pullCalls = () => github.requests.filter((r) => r.url.startsWith('/repos/octo/demo/pulls'));

  /** T1 claimed, one commit in its worktree, completed: ready for review. */
  async function doneTask(): Promise<JsonTask> {
    const { task } = await json<{ task: JsonTask }>('task', 'claim', '--persona', 'dev');
    write(task.worktree!.path, 'parser.js', 'module.exports = (s) => s.split(",");\n');
    commitAll(task.worktree!.path, 'parser');
    await ok('task', 'complete', 'T1', '--persona', 'dev', '--note', 'parser in place; @reviewer look at the split');
    return task;
  }

  beforeEach(async () => {
    repo = makeRepo(path.join(tmp.path, 'repo'));
    bare = path.join(tmp.path, 'origin.git');
    sh(tmp.path, 'init', '-q', '--bare', '-b', 'main', bare);
    sh(repo, 'remote', 'add', 'origin', GITHUB_URL);
    sh(repo, 'config', `url.${bare}.insteadOf`, GITHUB_URL);
    sh(repo, 'push', '-q', 'origin', 'main');
    github = await startFakeGithub({ pulls: { hasBranch: (b) => remoteBranch(b) !== undefined } });
    env = { GITHUB_TOKEN: 'test-token', GH_TOKEN: undefined, GITHUB_API_URL: github.url };
    await ok('init');
    writeFileSync(path.join(repo, '.federation', 'config.yaml'), WORKTREES_ON);
    await ok('persona', 'register', 'dev', '--skills', 'code');
    await ok('task', 'add', 'Add the parser', '--skills', 'code', '--description', 'Split the **input** on commas.');
  });

  afterEach(async () => {
    await github.close();
  });

  it('pushes the branch, opens the pull request and records it; a second --pr finds it again; merge still works', async () => {
    const task = await doneTask();
    const head = sh(task.worktree!.path, 'rev-parse', 'HEAD');
    const first = await json<PrResult>('task', 'merge', 'T1', '--pr', '--by', 'reviewer');
    assert.equal(remoteBranch(), head, 'the bare repository has the branch');
    assert.deepEqual([first.push.result, first.push.remote, first.push.commit], ['created', 'origin', head]);
    assert.deepEqual([first.pullRequest.number, first.pullRequest.existing, first.pullRequest.draft], [1, false, false]);
    assert.equal(first.pullRequest.url, 'https://github.com/octo/demo/pull/1');

    const posts = github.requests.filter((r) => r.method === 'POST' && r.url === '/repos/octo/demo/pulls');
    assert.equal(posts.length, 1);
    const sent = JSON.parse(posts[0]!.body) as { head: string; base: string; title: string; body: string; draft: boolean };
    assert.deepEqual([sent.head, sent.base, sent.title, sent.draft], [BRANCH, 'main', 'Add the parser', false]);
    assert.match(sent.body, /Task \*\*T1\*\*/);
    assert.match(sent.body, /Split the \*\*input\*\* on commas\./);
    assert.match(sent.body, /completed +dev: parser in place; @reviewer look at the split/);
    assert.match(sent.body, /```text\n[^]*@reviewer[^]*\n```/, 'the history is in a code block, where @names mention nobody');
    assert.match(sent.body, /Opened by Agent Federation from the task's branch `federation\/T1-add-the-parser` \(1 commit ahead of `main`\)/);
    assert.equal(posts[0]!.auth, 'token test-token');

    assert.deepEqual(first.task.worktree?.pullRequest, { number: 1, url: 'https://github.com/octo/demo/pull/1' });
    assert.equal(first.task.history.at(-1)?.note, 'pull request #1 https://github.com/octo/demo/pull/1');
    assert.ok(existsSync(task.worktree!.path), 'the worktree stays for review changes');
    assert.equal(first.task.worktree?.mergedAt, undefined);

    const listed = await json<{ worktrees: { task: { id: string }; worktree: { pullRequest?: { number: number } }; awaitingReview: boolean }[] }>('worktree', 'list');
    assert.deepEqual(listed.worktrees.map((w) => [w.task.id, w.worktree.pullRequest?.number, w.awaitingReview]), [['T1', 1, true]]);
    assert.match((await ok('worktree', 'list')).out, /T1 +review +federation\/T1-add-the-parser .* PR #1 https:\/\/github\.com\/octo\/demo\/pull\/1/);
    const human = await run('task', 'merge', 'T1', '--pr');
    assert.equal(human.code, 0, human.err);
    assert.match(human.out, /T1 already has pull request #1: https:\/\/github\.com\/octo\/demo\/pull\/1/);

    // A review change, pushed with a second --pr: GitHub answers 422 (one exists), and that one is recorded.
    write(task.worktree!.path, 'parser.js', 'module.exports = (s) => s.split(",").map((x) => x.trim());\n');
    const fixed = commitAll(task.worktree!.path, 'trim');
    const again = await json<PrResult>('task', 'merge', 'T1', '--pr');
    assert.deepEqual([again.pullRequest.number, again.pullRequest.existing, again.push.result], [1, true, 'updated']);
    assert.equal(remoteBranch(), fixed);
    assert.equal(github.pulls.length, 1);
    assert.ok(github.requests.some((r) => r.method === 'GET' && r.url.startsWith('/repos/octo/demo/pulls?') && r.url.includes(`head=${encodeURIComponent(`octo:${BRANCH}`)}`)));
    assert.equal(again.task.history.filter((e) => e.note?.startsWith('pull request #1')).length, 1, 'the same pull request is recorded once');

    const merged = await json<{ task: JsonTask; merge: { fastForward: boolean } }>('task', 'merge', 'T1');
    assert.equal(merged.merge.fastForward, true);
    assert.equal(sh(repo, 'rev-parse', 'main'), fixed);
    assert.deepEqual(merged.task.worktree?.pullRequest, { number: 1, url: 'https://github.com/octo/demo/pull/1' });
    assert.equal(existsSync(task.worktree!.path), false);
  });

  it('--draft opens a draft; --remote and --repo name another remote (a plain path) and the repository', async () => {
    await doneTask();
    sh(repo, 'remote', 'add', 'upstream', bare);
    const r = await json<PrResult>('task', 'merge', 'T1', '--pr', '--draft', '--remote', 'upstream', '--repo', 'octo/demo', '--api-url', github.url);
    assert.deepEqual([r.pullRequest.draft, r.push.remote], [true, 'upstream']);
    assert.equal(github.pulls[0]?.draft, true);
    assert.ok(remoteBranch());
  });

  it('no token, or one GitHub refuses: github-auth, and nothing is pushed', async () => {
    await doneTask();
    env = { ...env, GITHUB_TOKEN: undefined };
    const none = await refusal('task', 'merge', 'T1', '--pr');
    assert.equal(none.reason, 'github-auth');
    assert.match(none.message, /GITHUB_TOKEN/);
    env = { ...env, GITHUB_TOKEN: 'wrong-token' };
    assert.equal((await refusal('task', 'merge', 'T1', '--pr')).reason, 'github-auth');
    assert.equal(remoteBranch(), undefined, 'nothing was pushed');
    assert.equal(pullCalls().length, 0);
  });

  it('uncommitted changes in the worktree: unsaved-work, nothing pushed and GitHub not asked', async () => {
    const task = await doneTask();
    write(task.worktree!.path, 'notes.md', 'not committed\n');
    const err = await refusal('task', 'merge', 'T1', '--pr');
    assert.equal(err.reason, 'unsaved-work');
    assert.match(err.message, /notes\.md/);
    assert.equal(remoteBranch(), undefined);
    assert.equal(github.requests.length, 0);
  });

  it('a push the remote refuses (its branch moved on) is a git-error; nothing is forced and no pull request is opened', async () => {
    await doneTask();
    const elsewhere = sh(repo, 'commit-tree', 'main^{tree}', '-p', 'main', '-m', 'pushed from elsewhere');
    sh(repo, 'push', '-q', bare, `${elsewhere}:refs/heads/${BRANCH}`);
    const err = await refusal('task', 'merge', 'T1', '--pr');
    assert.equal(err.reason, 'git-error');
    assert.match(err.message, /origin refused the push of federation\/T1-add-the-parser/);
    assert.equal(remoteBranch(), elsewhere, 'the remote branch is left as it was');
    assert.equal(github.requests.filter((r) => r.method === 'POST').length, 0);
  });

  it('refuses a task not done, a task without commits, an unknown remote, and the --pr flags without --pr', async () => {
    const { task } = await json<{ task: JsonTask }>('task', 'claim', '--persona', 'dev');
    assert.equal((await refusal('task', 'merge', 'T1', '--pr')).reason, 'invalid-transition');
    await ok('task', 'complete', 'T1', '--persona', 'dev');
    assert.equal((await refusal('task', 'merge', 'T1', '--pr')).reason, 'invalid-input', 'no commits');
    write(task.worktree!.path, 'a.txt', 'a\n');
    commitAll(task.worktree!.path, 'a');
    const noRemote = await refusal('task', 'merge', 'T1', '--pr', '--remote', 'nope', '--repo', 'octo/demo');
    assert.equal(noRemote.reason, 'not-found');
    assert.match(noRemote.message, /no git remote "nope"/);
    const usage = await run('task', 'merge', 'T1', '--draft');
    assert.equal(usage.code, 2);
    assert.match(usage.err, /--draft goes with --pr/);
    assert.equal(remoteBranch(), undefined);
  });
});
