// The CLI as shipped (dist/cli.js, which loads dist/docker.js) deploying to an engine that cannot see our files,
// reached as a remote host is: over ssh:// (a real sshd whose side's docker is the second engine of
// scripts/remote-docker.sh) and over tcp://. The agent reads its workspace and secret, writes a report; the CLI
// reads the report, collects and removes, and nothing is left on that engine.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { LABEL, workspaceHash } from '../../src/core/agents/labels';
import { HOLDER_IMAGE } from '../../src/core/agents/holder';
import { nodeFileSystem } from '../../src/node/fs';
import { buildAgentImages, filesContaining, FIXTURES, markers } from '../fixtures/agents/engine';
import { cliIn, hasStack, type CliResult } from '../helpers/cli';
import { RUN_ID } from './helpers';
import { REMOTE_HOST, useRemoteEngine } from './remoteEngine';
import { canRunSshd, SSHD_SKIP_NOTE, startSshd, type Sshd } from './sshd';

const SECRET = `cli-r3mote-${RUN_ID}-3e9d`;

const SCRIPT = [
  'set -e',
  'mkdir -p /output/review',
  'cat /workspace/README.md > /output/review/readme.txt',
  "sha256sum /secrets/API_TOKEN | cut -d' ' -f1 > /output/review/secret.sha",
  '(touch /workspace/x 2>/dev/null && echo WS=writable) || echo WS=read-only',
  'printf \'{"status":"succeeded","summary":"shipped CLI, remote engine","deliverables":[{"path":"review/readme.txt"}],"startedAt":"2026-12-02T10:00:00Z","finishedAt":"2026-12-02T10:01:00Z"}\' > /output/agent-report.json',
  'echo FINISHED=yes',
].join('\n');

describe('federation CLI as shipped, deploying to an engine that cannot see our files', function () {
  this.timeout(180_000);
  const engine = useRemoteEngine();
  let images: { agent: string; plain: string };
  let sshd: Sshd | undefined;

  before(async function () {
    this.timeout(240_000);
    images = await buildAgentImages(engine.client, engine.suite);
    if (canRunSshd()) sshd = await startSshd(engine.suite.tempDir('sshd'), { dockerHost: REMOTE_HOST });
  });
  after(async () => {
    sshd?.stop();
    await engine.client.removeImage(HOLDER_IMAGE, { force: true }).catch(() => undefined);
  });

  async function workspace(): Promise<{ root: string; secretsDir: string; cli: (...argv: string[]) => Promise<CliResult> }> {
    const root = engine.each.tempDir('cli-remote-ws');
    const cli = cliIn(() => root);
    assert.equal((await cli('init')).code, 0);
    copyFileSync(path.join(FIXTURES, 'reviewer.brief.md'), path.join(root, 'reviewer.brief.md'));
    writeFileSync(path.join(root, 'README.md'), 'sample project\n');
    writeFileSync(path.join(root, 'agent.sh'), SCRIPT + '\n');
    const secretsDir = engine.each.tempDir('cli-remote-secrets');
    writeFileSync(path.join(secretsDir, 'API_TOKEN'), SECRET);
    return { root, secretsDir, cli };
  }

  async function deployCollectRemove(host: string): Promise<void> {
    const { root, secretsDir, cli } = await workspace();
    const ok = (r: CliResult, what: string): CliResult => {
      assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.err}`);
      assert.ok(!hasStack(r.err), r.err);
      return r;
    };
    const deployed = JSON.parse(ok(await cli('--json', 'agent', 'deploy', 'reviewer.brief.md', '--host', host, '--operator-level', 'L3',
      '--secrets-dir', secretsDir, '--image', images.agent, '--command', 'sh /workspace/agent.sh'), 'deploy').out) as { agents: Array<{ id: string }> };
    const id = deployed.agents[0]!.id;

    // `logs --follow` ends when the container does: the log of the whole run, over the same connection.
    const log = ok(await cli('agent', 'logs', id, '--follow'), 'logs').out;
    assert.equal(markers(log)['FINISHED'], 'yes', log);
    assert.equal(markers(log)['WS'], 'read-only');
    const listed = JSON.parse(ok(await cli('--json', 'agent', 'list', '--host', host), 'list').out) as { agents: Array<{ id: string; status: string; hostLabel: string }> };
    assert.deepEqual(listed.agents.map((a) => [a.id, a.status, a.hostLabel]), [[id, 'succeeded', host]]);

    const report = JSON.parse(ok(await cli('--json', 'agent', 'report', id), 'report').out) as { report: { summary: string }; deliverables: Array<{ path: string; exists: boolean }> };
    assert.equal(report.report.summary, 'shipped CLI, remote engine');
    assert.deepEqual(report.deliverables.map((d) => [d.path, d.exists]), [['review/readme.txt', true]]);
    ok(await cli('agent', 'collect', id, '--to', 'got'), 'collect');
    assert.equal(readFileSync(path.join(root, 'got', 'review', 'readme.txt'), 'utf8'), 'sample project\n');
    assert.equal(readFileSync(path.join(root, 'got', 'review', 'secret.sha'), 'utf8').trim(), createHash('sha256').update(SECRET).digest('hex'));

    const fed = { [LABEL.federation]: workspaceHash(nodeFileSystem, root) };
    assert.equal((await engine.client.listVolumes({ labels: fed })).length, 4, 'the agent\'s four volumes are on that engine');
    ok(await cli('agent', 'rm', id), 'rm');
    assert.deepEqual(await engine.client.listVolumes({ labels: fed }), [], 'volumes left on the engine');
    assert.deepEqual(await engine.client.listContainers({ labels: fed }), [], 'containers left on the engine');
    assert.deepEqual(filesContaining(path.join(root, '.federation'), SECRET), [], 'the secret in our files');
  }

  it('over ssh:// (a host whose own docker is that engine): deploy, logs, list, report, collect, rm', async function () {
    if (!sshd) {
      console.log(`      ${SSHD_SKIP_NOTE}`);
      this.skip();
    }
    await deployCollectRemove(sshd.host);
  });

  it('over tcp://: the same', async () => {
    await deployCollectRemove(REMOTE_HOST);
  });
});
