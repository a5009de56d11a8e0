// The shipped CLI (dist/cli.js as a process, which loads dist/docker.js) against the real engine, for the
// failures a new user hits: an image without the agent CLI, and containers removed behind our back.
import * as assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import * as path from 'node:path';
import { federationLabels, workspaceHash } from '../../src/core/agents/labels';
import type { DockerClient } from '../../src/core/docker/client';
import { buildAgentImages, FIXTURES } from '../fixtures/agents/engine';
import { cliIn, hasStack, type CliResult } from '../helpers/cli';
import { useEngine } from './helpers';
import { nodeFileSystem } from '../../src/node/fs';

describe('federation CLI as shipped (dist/cli.js, real engine)', function () {
  this.timeout(90_000);
  const engine = useEngine();
  const { suite, each, closers } = engine;
  let client: DockerClient;
  let images: { agent: string; plain: string };
  before(async () => {
    client = engine.client;
    images = await buildAgentImages(client, suite);
  });

  /** A workspace with a federation and the fixture briefs; its containers are removed after the test. */
  async function workspace(): Promise<(...argv: string[]) => Promise<CliResult>> {
    const root = each.tempDir('cli-ws');
    const cli = cliIn(() => root);
    assert.equal((await cli('init')).code, 0);
    copyFileSync(path.join(FIXTURES, 'internal.brief.md'), path.join(root, 'internal.brief.md'));
    closers.push(async () => {
      for (const c of await client.listContainers({ labels: federationLabels(workspaceHash(nodeFileSystem, root)) })) {
        await client.removeContainer(c.id, { force: true, removeVolumes: true }).catch(() => undefined);
      }
    });
    return cli;
  }

  const json = (r: CliResult): { error: { reason: string; message: string; details: Record<string, unknown> } } => JSON.parse(r.err);

  it('an image without the command\'s executable: says which image, which executable and how to fix it', async () => {
    const cli = await workspace();
    const r = await cli('--json', 'agent', 'deploy', 'internal.brief.md', '--image', images.plain);
    assert.equal(r.code, 1, r.err);
    assert.equal(hasStack(r.err), false, r.err);
    const { error } = json(r);
    assert.equal(error.reason, 'docker-error');
    assert.equal(error.details['cause'], 'executable-not-found');
    assert.equal(error.details['executable'], 'claude');
    assert.equal(error.details['image'], images.plain);
    const text = await cli('agent', 'deploy', 'internal.brief.md', '--image', images.plain);
    assert.equal(text.code, 1);
    assert.equal(hasStack(text.err), false, text.err);
    assert.ok(text.err.includes(`image ${images.plain} has no "claude" on its PATH`), text.err);
    for (const fix of ['--image', '--command', 'agentFederation.agent.image', 'agentFederation.agent.commandTemplate']) {
      assert.ok(text.err.includes(fix), `the message names ${fix}: ${text.err}`);
    }
    // Nothing was left: the failed deploy was rolled back.
    assert.deepEqual(JSON.parse((await cli('--json', 'agent', 'list')).out).agents, []);
  });

  it('a container removed behind our back: logs, stop and inspect say it is gone; rm and rm --force drop the record', async () => {
    const cli = await workspace();
    const deploy = (): Promise<CliResult> => cli('--json', 'agent', 'deploy', 'internal.brief.md', '--image', images.agent, '--command', 'sleep 300');
    const a = JSON.parse((await deploy()).out).agents[0];
    const b = JSON.parse((await deploy()).out).agents[0];
    await client.removeContainer(a.containerId, { force: true });
    await client.removeContainer(b.containerId, { force: true });
    for (const sub of ['logs', 'stop', 'inspect']) {
      const r = await cli('--json', 'agent', sub, a.id);
      assert.equal(r.code, 1, `${sub}: ${r.err}`);
      assert.equal(hasStack(r.err), false, r.err);
      const { error } = json(r);
      assert.equal(error.reason, 'not-found', `${sub}: ${r.err}`);
      assert.equal(error.details['gone'], true);
      const text = await cli('agent', sub, a.id);
      assert.match(text.err, new RegExp(`The container of agent ${a.id} is gone`), text.err);
      assert.match(text.err, new RegExp(`federation agent rm ${a.id}`));
    }
    const listed = JSON.parse((await cli('--json', 'agent', 'list')).out).agents;
    assert.deepEqual(listed.map((x: { id: string; status: string }) => [x.id, x.status]).sort(), [[a.id, 'missing'], [b.id, 'missing']].sort());
    assert.equal((await cli('agent', 'rm', a.id)).code, 0);
    assert.equal((await cli('agent', 'rm', '--force', b.id)).code, 0);
    assert.deepEqual(JSON.parse((await cli('--json', 'agent', 'list')).out).agents, []);
  });

  it('prune removes vanished agents and is never blocked by one of them', async () => {
    const cli = await workspace();
    const deploy = async (command: string): Promise<{ id: string; containerId: string }> =>
      JSON.parse((await cli('--json', 'agent', 'deploy', 'internal.brief.md', '--image', images.agent, '--command', command)).out).agents[0];
    const gone1 = await deploy('sleep 300');
    const gone2 = await deploy('sleep 300');
    const finished = await deploy('true');
    await client.waitContainer(finished.containerId);
    await client.removeContainer(gone1.containerId, { force: true });
    await client.removeContainer(gone2.containerId, { force: true });
    const r = await cli('--json', 'agent', 'prune');
    assert.equal(r.code, 0, r.err);
    const pruned = JSON.parse(r.out);
    assert.deepEqual([...pruned.removed].sort(), [gone1.id, gone2.id, finished.id].sort(), r.out);
    assert.deepEqual(pruned.kept, []);
    assert.deepEqual(JSON.parse((await cli('--json', 'agent', 'list')).out).agents, []);
  });
});
