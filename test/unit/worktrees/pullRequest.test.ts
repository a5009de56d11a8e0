// A task's pull request in process (the CLI's flow is test/unit/cli/pullRequest.test.ts): real git with a bare
// repository as origin, GithubPulls over the real Octokit against the fake GitHub server; and the body it writes.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { isFederationError } from '../../../src/core/errors';
import type { Federation } from '../../../src/core/federation';
import type { Task, TaskWorktree } from '../../../src/core/federation/state/schemas';
import { GithubActions } from '../../../src/core/matrix/github';
import { GithubPulls } from '../../../src/core/matrix/githubPulls';
import { pullRequestBody } from '../../../src/core/worktrees/pullRequest';
import { WorktreeService } from '../../../src/core/worktrees/service';
import { nodeGit } from '../../../src/node/git';
import { FakeGithub, startFakeGithub } from '../../helpers/fakeGithub';
import { newFederation } from '../../helpers/federation';
import { WORKTREES_ON, commitAll, makeRepo, sh, write } from '../../helpers/git';
import { useTempDir } from '../../helpers/tmp';

describe('task pull requests (real git, fake GitHub)', function () {
  this.timeout(30_000);
  const tmp = useTempDir('fed-pr-');
  let repo: string;
  let bare: string;
  let fed: Federation;
  let github: FakeGithub | undefined;

  beforeEach(async () => {
    repo = makeRepo(path.join(tmp.path, 'project'));
    bare = path.join(tmp.path, 'origin.git');
    sh(tmp.path, 'init', '-q', '--bare', '-b', 'main', bare);
    sh(repo, 'remote', 'add', 'origin', bare);
    sh(repo, 'push', '-q', 'origin', 'main');
    fed = newFederation(repo);
    await fed.init();
    writeFileSync(path.join(repo, '.federation', 'config.yaml'), WORKTREES_ON);
    await fed.registerPersona({ id: 'dev', skills: [] });
    await fed.addTask({ title: 'Add the parser' });
    const { task } = await fed.claimNext('dev');
    write(task!.worktree!.path, 'parser.js', 'x\n');
    commitAll(task!.worktree!.path, 'parser');
    await fed.completeTask('T1', 'dev');
  });

  afterEach(async () => {
    await github?.close();
    github = undefined;
  });

  const pulls = (g: FakeGithub) => new GithubPulls(new GithubActions({ baseUrl: g.url, owner: 'octo', repo: 'demo', token: async () => 'test-token' }));

  it('says each step as it begins, and records the pull request on the task', async () => {
    github = await startFakeGithub();
    const steps: string[] = [];
    const r = await new WorktreeService(fed, nodeGit).openPullRequest('T1', { by: 'rev', github: pulls(github), onStep: (s) => steps.push(s) });
    assert.deepEqual(steps, ['checking', 'checking', 'pushing', 'opening']);
    assert.deepEqual((await fed.getTask('T1')).worktree?.pullRequest, { number: r.pullRequest.number, url: r.pullRequest.url });
    assert.equal(sh(bare, 'rev-parse', 'refs/heads/federation/T1-add-the-parser'), r.push.commit);
  });

  it("a refusal of GitHub's other than \"one exists\" is invalid-input with what GitHub said failed; nothing is recorded", async () => {
    github = await startFakeGithub({ pulls: { hasBranch: (b) => b === 'main' } });
    try {
      await new WorktreeService(fed, nodeGit).openPullRequest('T1', { by: 'rev', github: pulls(github) });
      assert.fail('expected a refusal');
    } catch (e) {
      assert.ok(isFederationError(e, 'invalid-input'), String(e));
      assert.match(e.message, /\(422\): Validation Failed: head invalid/);
      assert.equal(e.details['status'], 422);
    }
    assert.ok(github.requests.some((q) => q.method === 'GET' && q.url.startsWith('/repos/octo/demo/pulls?')), 'it looked for an open one first');
    assert.equal((await fed.getTask('T1')).worktree?.pullRequest, undefined);
  });
});

describe('the pull request body', () => {
  const wt: TaskWorktree = { path: '/w/T1', branch: 'federation/T1-x', base: 'main', createdAt: '2026-01-01T10:00:00.000Z' };
  const task = (over: Partial<Task>): Task => ({
    id: 'T1', title: 'X', description: '', priority: 3, skills: [], status: 'done', assignee: 'dev',
    createdAt: '2026-01-01T10:00:00.000Z', updatedAt: '2026-01-01T10:00:00.000Z', createdBy: 'cli', history: [], ...over,
  });

  it('fences the history longer than any backticks in it, so a note cannot end the block', () => {
    const body = pullRequestBody(task({ history: [{ at: '2026-01-01T10:00:00.000Z', by: 'dev', action: 'completed', from: 'in_progress', to: 'done', note: 'see ```` here\nand @all' }] }), wt, 2);
    assert.match(body, /\n`````text\n2026-01-01 10:00 {2}completed {4}dev: see ```` here and @all\n`````\n/);
    assert.match(body, /\(2 commits ahead of `main`\)\.$/);
  });

  it('keeps the description as written, cut when very long, and the last 50 events', () => {
    const history = Array.from({ length: 60 }, (_, i) => ({ at: '2026-01-01T10:00:00.000Z', by: `p${i}`, action: 'requeued' as const, from: 'failed' as const, to: 'queued' as const }));
    const body = pullRequestBody(task({ description: `# Plan\n${'a'.repeat(30_000)}`, history }), wt, 1);
    assert.match(body, /^Task \*\*T1\*\*: X\n\n# Plan\na+\n\n…\(cut\)\n\nHistory \(the last 50 of 60 events\):/);
    assert.ok(!body.includes(' p9\n') && body.includes(' p10\n') && body.includes(' p59\n'));
  });
});
