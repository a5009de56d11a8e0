// Agents in a task's worktree (workspace: worktree) against real git and the fake engine: the brief's task checked
// at its field, the worktree's files against the clearance, the container's mounts and git environment, the agent's
// own git folder (the tip only, no host path), and collect bringing the commits onto the branch, fast-forward only.
// What runs "inside" is git run here with the container's GIT_DIR and GIT_WORK_TREE; the real engine's test
// (test/docker/agents-worktree.test.ts) runs it in a container.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { AgentService, checkHardening } from '../../../src/core/agents';
import { BriefChecker } from '../../../src/core/agents/briefCheck';
import type { Finding } from '../../../src/core/brief';
import { nodeFileSystem } from '../../../src/node/fs';
import { nodeGit } from '../../../src/node/git';
import { FakeDockerClient } from '../../helpers/fakeDocker';
import { failure } from '../../helpers/failure';
import { sh, write } from '../../helpers/git';
import { useTempDir } from '../../helpers/tmp';
import { makeTaskRepo, worktreeBrief } from '../../fixtures/agents/worktreeRepo';

const IMAGE = 'agent-federation/test-agent:1';

describe('agents in a task worktree (real git, fake engine)', function () {
  this.timeout(30_000);
  const tmp = useTempDir('af-agent-wt-');
  let repo: string;
  let wt: string;
  let branch: string;
  let fake: FakeDockerClient;
  let service: AgentService;

  beforeEach(async () => {
    const made = await makeTaskRepo(tmp.path);
    repo = made.repo;
    wt = made.task.worktree!.path;
    branch = made.task.worktree!.branch;
    fake = new FakeDockerClient();
    fake.addImage(IMAGE);
    service = new AgentService({ root: repo, fs: nodeFileSystem, git: nodeGit, env: {}, defaultHost: '', clientFactory: async () => fake, defaults: { defaultImage: IMAGE, commandTemplate: 'agent' } });
  });

  /** What the agent does in its container: git with the container's GIT_DIR and GIT_WORK_TREE, on the host paths. */
  function runWith(env: Record<string, string>, args: string[]): string {
    return execFileSync('git', ['-c', 'user.name=Agent', '-c', 'user.email=agent@example.com', ...args], { cwd: wt, encoding: 'utf8', env: { ...process.env, ...env } }).trim();
  }

  it('mounts the worktree writable, its .git file read-only and a git folder of the agent own, with nothing of the host in it', async () => {
    const { agents } = await service.deploy(['worktree.brief.md'], { operatorLevel: 'L2' });
    const id = agents[0]!.id;
    const [c] = await fake.listContainers({});
    const info = await fake.inspectContainer(c!.id);
    const folders = service.folders(id);
    const mounts = Object.fromEntries(info.mounts.map((m) => [m.target, [m.source, m.readOnly ? 'ro' : 'rw']]));
    assert.deepEqual(mounts['/workspace'], [wt, 'rw']);
    assert.deepEqual(mounts['/workspace/.git'], [path.join(wt, '.git'), 'ro']);
    assert.deepEqual(mounts['/git'], [folders.gitDir, 'rw']);
    assert.deepEqual([info.env['GIT_DIR'], info.env['GIT_WORK_TREE'], info.env['AGENT_TASK']], ['/git', '/workspace', 'T1']);
    const record = (await service.locate(id)).record!;
    assert.equal(record.workspace.mode, 'worktree');
    assert.equal(record.worktree!.task, 'T1');
    assert.equal(record.worktree!.head, sh(repo, 'rev-parse', branch));
    const failed = checkHardening(info, record).filter((x) => !x.ok);
    assert.deepEqual(failed, []);
    // No mount of the repository's .git folder at all, and no .git mount writable.
    assert.deepEqual(info.mounts.filter((m) => m.source.startsWith(path.join(repo, '.git'))), []);
    assert.deepEqual(info.mounts.filter((m) => m.source.split('/').includes('.git') && !m.readOnly), []);

    // The agent's git: the task branch at the tip, shallow, an index that matches the worktree.
    const env = { GIT_DIR: folders.gitDir, GIT_WORK_TREE: wt };
    assert.equal(runWith(env, ['rev-parse', '--abbrev-ref', 'HEAD']), branch);
    assert.equal(runWith(env, ['rev-list', '--count', 'HEAD']), '1');
    assert.equal(runWith(env, ['status', '--porcelain']), '');
    assert.equal(readFileSync(path.join(folders.gitDir, 'shallow'), 'utf8').trim(), record.worktree!.head);
    assert.equal(existsSync(path.join(folders.gitDir, 'FETCH_HEAD')), false);
    assert.equal(existsSync(path.join(folders.gitDir, 'hooks')), false);
    const hostPaths = filesUnder(folders.gitDir).filter((f) => readFileSync(f).includes(tmp.path));
    assert.deepEqual(hostPaths, [], 'no file of the agent git folder names a host path');
  });

  it('collect brings the agent commits onto the task branch and leaves the worktree clean', async () => {
    const { agents } = await service.deploy(['worktree.brief.md'], { operatorLevel: 'L2' });
    const id = agents[0]!.id;
    const env = { GIT_DIR: service.folders(id).gitDir, GIT_WORK_TREE: wt };
    writeFileSync(path.join(wt, 'agent.txt'), 'from the agent\n');
    runWith(env, ['add', 'agent.txt']);
    runWith(env, ['commit', '-q', '-m', 'agent: add agent.txt']);
    // Before the agent stops its commits are not taken.
    const running = await failure(service.collect(id));
    assert.equal(running.reason, 'invalid-transition');
    assert.equal(running.details['status'], 'running');
    fake.exit(fake.containerIds()[0]!, 0);
    // Not collected yet: removing would lose the commit.
    assert.equal((await failure(service.remove(id))).reason, 'unsaved-work');

    const result = await service.collect(id);
    assert.equal(result.commits!.count, 1);
    assert.equal(result.commits!.branch, branch);
    assert.deepEqual(result.commits!.uncommitted, []);
    assert.equal(sh(repo, 'log', '-1', '--format=%s', branch), 'agent: add agent.txt');
    assert.equal(sh(wt, 'status', '--porcelain'), '');
    assert.equal(sh(wt, 'ls-files', 'agent.txt'), 'agent.txt');
    sh(repo, 'fsck', '--strict', '--no-dangling');
    assert.equal(statSync(wt).uid, statSync(repo).uid, 'the worktree is its owner’s again');
    const record = (await service.locate(id)).record!;
    assert.equal(record.worktree!.landedCommit, sh(repo, 'rev-parse', branch));
    // Collected twice: nothing more to bring in.
    assert.equal((await service.collect(id, { to: 'again' })).commits, undefined);
    await service.remove(id);
  });

  it('never moves a branch that moved on the host meanwhile, and keeps the agent commits', async () => {
    const { agents } = await service.deploy(['worktree.brief.md'], { operatorLevel: 'L2' });
    const id = agents[0]!.id;
    const folders = service.folders(id);
    const env = { GIT_DIR: folders.gitDir, GIT_WORK_TREE: wt };
    writeFileSync(path.join(wt, 'agent.txt'), 'from the agent\n');
    runWith(env, ['add', 'agent.txt']);
    runWith(env, ['commit', '-q', '-m', 'agent commit']);
    fake.exit(fake.containerIds()[0]!, 0);
    const head = sh(repo, 'rev-parse', branch);
    const moved = sh(repo, 'commit-tree', '-p', head, '-m', 'moved on the host', `${head}^{tree}`);
    sh(repo, 'update-ref', `refs/heads/${branch}`, moved);

    const e = await failure(service.collect(id));
    assert.equal(e.reason, 'invalid-transition');
    assert.equal(e.details['moved'], true);
    assert.equal(e.details['actual'], moved);
    assert.equal(sh(repo, 'rev-parse', branch), moved, 'the branch is left where the host put it');
    assert.ok(existsSync(folders.gitDir));
    assert.equal((await service.locate(id)).record!.collectedAt, undefined);
    assert.equal((await failure(service.remove(id))).reason, 'unsaved-work');
    await service.remove(id, { force: true });
    assert.equal(sh(wt, 'rev-parse', 'HEAD'), moved);
  });

  it('refuses a brief whose task has no worktree, or is unknown, at the task field', async () => {
    writeFileSync(path.join(repo, 'unclaimed.brief.md'), worktreeBrief('T2'));
    const e = await failure(service.deploy(['unclaimed.brief.md'], { operatorLevel: 'L2' }));
    assert.equal(e.reason, 'invalid-input');
    const findings = e.details['findings'] as Finding[];
    assert.deepEqual(findings.map((f) => [f.code, f.data?.key, f.range.start.line]), [['MB053', 'task', 4]]);
    assert.match(e.message, /Task T2 has no worktree/);

    writeFileSync(path.join(repo, 'unknown.brief.md'), worktreeBrief('T9'));
    const u = await failure(service.deploy(['unknown.brief.md'], { operatorLevel: 'L2' }));
    assert.deepEqual((u.details['findings'] as Finding[]).map((f) => [f.code, f.data?.key]), [['MB052', 'task']]);

    // With the rule turned off the deployment checks the same itself.
    writeFileSync(path.join(repo, 'quiet.brief.md'), `${worktreeBrief('T2')}\n<!-- brief-disable MB053 -->\n`);
    const q = await failure(service.deploy(['quiet.brief.md'], { operatorLevel: 'L2' }));
    assert.equal(q.reason, 'not-found');
    assert.equal(q.details['field'], 'task');
    assert.equal(q.details['task'], 'T2');
    assert.deepEqual(fake.containerIds(), []);

    // `federation brief validate` says the same, and a Compose export refuses any worktree brief.
    const [checked] = await new BriefChecker(repo, nodeFileSystem).check([path.join(repo, 'unclaimed.brief.md')], { operatorLevel: 'L2' });
    assert.deepEqual(checked!.findings.filter((f) => f.severity === 'error').map((f) => f.code), ['MB053']);
    const c = await failure(service.compose(['worktree.brief.md'], { out: 'compose.yaml' }));
    assert.equal(c.details['field'], 'workspace');
    assert.equal(existsSync(path.join(repo, 'compose.yaml')), false);
  });

  it('refuses a worktree with a file above the clearance, or with uncommitted changes, before anything is made', async () => {
    write(wt, 'private/plan.md', '---\nconfidentiality: C3\n---\nthe plan\n');
    sh(wt, 'add', '-A');
    sh(wt, '-c', 'user.name=T', '-c', 'user.email=t@e', 'commit', '-q', '-m', 'private plan');
    const e = await failure(service.deploy(['worktree.brief.md'], { operatorLevel: 'L2' }));
    assert.equal(e.reason, 'package-refused');
    assert.match(e.message, /private\/plan\.md \(confidential\)/);

    sh(wt, 'rm', '-q', 'private/plan.md');
    const d = await failure(service.deploy(['worktree.brief.md'], { operatorLevel: 'L2' }));
    assert.equal(d.reason, 'unsaved-work');
    assert.deepEqual(d.details['dirty'], ['private/plan.md']);
    assert.deepEqual(fake.containerIds(), []);
    assert.equal(existsSync(path.join(repo, '.federation', 'agents')), false, 'no agent folder was made');
  });
});

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}
