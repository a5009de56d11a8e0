// A Docker agent committing to its task branch, on the real engine: a repository with worktrees on and a claimed
// task, an agent deployed from a brief that asks for the task's worktree, git run inside the container (an image
// with the host's git), and collect bringing the commit onto the branch on the host. Needs a running engine
// (scripts/ensure-docker.sh) and git on the host.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { AgentService } from '../../src/core/agents';
import type { DockerClient } from '../../src/core/docker/client';
import { createDockerodeClient } from '../../src/node/docker/dockerodeClient';
import { nodeFileSystem } from '../../src/node/fs';
import { nodeGit } from '../../src/node/git';
import { logText, markers, rawInspect, waitForAgent } from '../fixtures/agents/engine';
import { makeTaskRepo } from '../fixtures/agents/worktreeRepo';
import { sh } from '../helpers/git';
import { buildGitImage } from './gitImage';
import { runLabels, useEngine } from './helpers';

/** What the agent does: look at git's view, add a file, commit it, and try to repoint the worktree's .git file. */
const SCRIPT = [
  'echo "BRANCH=$(git rev-parse --abbrev-ref HEAD)"',
  'echo "BEFORE=$(git status --porcelain | wc -l)"',
  'echo "made by the agent" > agent.txt',
  'git add agent.txt',
  'git -c user.name=Agent -c user.email=agent@example.com commit -q -m "agent: add agent.txt"',
  'echo "AFTER=$(git status --porcelain | wc -l)"',
  'if echo "gitdir: /elsewhere" > /workspace/.git 2>/dev/null; then echo GITFILE=written; else echo GITFILE=refused; fi',
].join(' && ');

describe('A Docker agent committing to its task branch (real engine, real git)', function () {
  this.timeout(120_000);
  const engine = useEngine();
  const { each } = engine;
  let client: DockerClient;
  let image: string;
  before(async () => {
    client = engine.client;
    image = await buildGitImage(client);
  });

  it('commits inside its container and collect lands the commit on the task branch, the worktree clean', async () => {
    const { repo, task } = await makeTaskRepo(each.tempDir('agents-wt'));
    const wt = task.worktree!.path;
    const branch = task.worktree!.branch;
    const owner = statSync(wt).uid;
    const service = new AgentService({
      root: repo, fs: nodeFileSystem, git: nodeGit, env: process.env, defaultHost: '',
      clientFactory: async (o) => createDockerodeClient(o), defaults: { defaultImage: image },
    });
    const { agents } = await service.deploy(['worktree.brief.md'], { operatorLevel: 'L2', command: ['sh', '-c', SCRIPT], labels: runLabels() });
    const id = agents[0]!.id;
    const done = await waitForAgent(service, id, (a) => a.status !== 'running' && a.status !== 'created', 30_000);
    const { stdout, stderr } = await logText(service, id);
    assert.equal(done.status, 'succeeded', `stdout:\n${stdout}\nstderr:\n${stderr}`);
    const m = markers(stdout);
    assert.equal(m['BRANCH'], branch);
    assert.equal(m['BEFORE'], '0', 'git inside sees the worktree clean at the task branch');
    assert.equal(m['AFTER'], '0');
    assert.equal(m['GITFILE'], 'refused', "the worktree's .git file is read-only inside");

    // The hardening list holds for it, and no mount of the repository's .git is writable (none is mounted at all).
    const failed = (await service.inspectHardening(id)).filter((c) => !c.ok);
    assert.deepEqual(failed, []);
    const loc = await service.locate(id);
    const mounts = rawInspect(loc.containerId)['Mounts'] as Array<{ Source: string; Destination: string; RW: boolean }>;
    const commonDir = path.join(repo, '.git');
    assert.deepEqual(mounts.filter((x) => x.Source === commonDir || x.Source.startsWith(`${commonDir}/`)), []);
    assert.deepEqual(mounts.filter((x) => x.Source.split('/').includes('.git') && x.RW).map((x) => x.Source), []);
    assert.deepEqual(mounts.filter((x) => x.Destination === '/workspace').map((x) => [x.Source, x.RW]), [[wt, true]]);

    // Not on the host branch until collected.
    assert.equal(sh(repo, 'rev-parse', branch), loc.record!.worktree!.head);
    const collected = await service.collect(id);
    assert.equal(collected.commits!.count, 1);
    assert.equal(sh(repo, 'log', '-1', '--format=%s %an', branch), 'agent: add agent.txt Agent');
    assert.equal(sh(repo, 'rev-list', '--count', `${task.worktree!.base}..${branch}`), '1');
    assert.equal(readFileSync(path.join(wt, 'agent.txt'), 'utf8'), 'made by the agent\n');
    assert.equal(sh(wt, 'status', '--porcelain', '--untracked-files=all'), '', 'the host worktree shows the commit and no other change');
    assert.equal(sh(wt, 'rev-parse', 'HEAD'), sh(repo, 'rev-parse', branch));
    assert.equal(statSync(wt).uid, owner, 'the worktree is its owner’s again');
    assert.equal(statSync(path.join(wt, 'agent.txt')).uid, owner);
    sh(repo, 'fsck', '--strict', '--no-dangling');

    await service.remove(id);
    assert.equal(existsSync(service.folders(id).dir), false);
  });
});
