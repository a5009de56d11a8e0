// Remote agents against the real engine: a fixture brief deployed with the default command template (a stand-in
// agent CLI in a locally built busybox image), its logs and report, stop, restart, collect, remove, and nothing
// left behind; several agents at once; an internal network; a tcp:// engine; an engine that is down; a deploy
// that fails half-way. Needs a running engine (scripts/ensure-docker.sh).
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createAgentCommand } from '../../src/cli/commands/agent';
import { parseArgs } from '../../src/cli/args';
import { CliServices } from '../../src/cli/services';
import { EXIT, type CliContext } from '../../src/cli/types';
import { FolderSecretSource, internalNetworkName, LABEL } from '../../src/core/agents';
import { readAgents } from '../../src/core/agents/records';
import type { DockerClient } from '../../src/core/docker/client';
import { isFederationError } from '../../src/core/errors';
import {
  assertNothingLeft, buildAgentImages, filesContaining, logText, makeWorkspace, markers, tcpProxyToSocket, waitForAgent,
} from '../fixtures/agents/engine';
import { RUN_LABEL, RUN_ID, runLabels, useEngine } from './helpers';
import { failure } from '../helpers/failure';
import { nodeFileSystem } from '../../src/node/fs';

const SECRET = `s3cr3t-${RUN_ID}-value-9f8e7d`;

describe('Remote agents (real engine)', function () {
  this.timeout(90_000);
  const engine = useEngine();
  const { suite, each, closers } = engine;
  let client: DockerClient;
  let images: { agent: string; plain: string };
  before(async () => {
    client = engine.client;
    images = await buildAgentImages(client, suite);
  });

  it('deploys a brief with the default command, collects its report and removes it without a trace', async () => {
    const ws = await makeWorkspace(each, images.agent, SECRET);
    const { agents, warnings } = await ws.service.deploy(['reviewer.brief.md'], { operatorLevel: 'L3', secrets: new FolderSecretSource(nodeFileSystem, ws.secretsDir), labels: runLabels() });
    assert.equal(agents.length, 1);
    const id = agents[0]!.id;
    assert.deepEqual(warnings.filter((w) => !/MB05[01]/.test(w)), []);

    const done = await waitForAgent(ws.service, id, (a) => a.status !== 'running' && a.status !== 'created', 30_000);
    const { stdout, stderr } = await logText(ws.service, id);
    assert.equal(done.status, 'succeeded', `stdout:\n${stdout}\nstderr:\n${stderr}`);
    assert.equal(done.exitCode, 0);
    assert.match(stdout, /^agent: --print Read the mission brief at \/brief\/MISSION_BRIEF\.md and carry it out\./m);
    assert.match(stdout, /Write every result under \/output\/review\. When done, write the JSON report .* to \/output\/agent-report\.json\./);
    assert.match(stdout, /agent: done/);

    const listed = (await ws.service.list()).agents.find((a) => a.id === id)!;
    assert.equal(listed.status, 'succeeded');
    assert.equal(listed.exitCode, 0);
    assert.equal(typeof listed.durationSeconds, 'number');
    assert.equal(listed.hostLabel, 'unix:///var/run/docker.sock');
    assert.equal(listed.persona, 'research');
    assert.equal(listed.brief, 'reviewer.brief.md');
    assert.equal(listed.briefTitle, 'Review the sample project');

    const report = await ws.service.report(id);
    assert.equal(report.report.status, 'succeeded');
    assert.equal(report.report.summary, 'The stand-in agent ran.');
    assert.deepEqual(report.report.metrics, { findings: 1 });
    assert.deepEqual(report.deliverables.map((d) => [d.path, d.exists, d.bytes]), [['review/finding-1.md', true, 12]]);
    assert.ok(Date.parse(report.report.finishedAt) >= Date.parse(report.report.startedAt));

    // Stopping a finished agent is fine; a restart runs it again.
    assert.equal((await ws.service.stop(id)).status, 'succeeded');
    await ws.service.restart(id);
    await waitForAgent(ws.service, id, (a) => a.status === 'succeeded', 30_000);

    // Its output is not lost by accident: removal needs a collect (or force).
    const refused = await failure(ws.service.remove(id));
    assert.equal(refused.reason, 'invalid-transition');
    const collected = await ws.service.collect(id, { to: 'collected' });
    assert.deepEqual(collected.files, ['agent-report.json', 'review/finding-1.md']);
    assert.equal(readFileSync(path.join(ws.root, 'collected', 'review', 'finding-1.md'), 'utf8'), 'finding one\n');
    const secretsDir = ws.service.folders(id).secretsDir;
    assert.ok(existsSync(secretsDir));
    assert.deepEqual(await ws.service.remove(id), { id, removedContainer: true, removedOutput: true });
    assert.equal(existsSync(secretsDir), false);
    await assertNothingLeft(ws, client);
    assert.deepEqual(filesContaining(path.join(ws.root, '.federation'), SECRET), []);
    assert.ok(!ws.logs.join('\n').includes(SECRET));
  });

  it('deploys several agents at once and on an internal network, then prunes them', async () => {
    const ws = await makeWorkspace(each, images.agent, SECRET);
    const script = 'echo "IFACES=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\\n" " ")"; echo "ME=$AGENT_ID"';
    const { agents } = await ws.service.deploy(['internal.brief.md', 'reviewer.brief.md'], {
      copies: 3, command: ['sh', '-c', script], operatorLevel: 'L3', secrets: new FolderSecretSource(nodeFileSystem, ws.secretsDir), labels: runLabels(),
    });
    assert.equal(agents.length, 6);
    const net = internalNetworkName(ws.service.federationHash);
    const nets = await client.listNetworks({ labels: { [LABEL.federation]: ws.service.federationHash } });
    assert.deepEqual(nets.map((n) => n.name), [net]);
    assert.equal(nets[0]!.labels[RUN_LABEL], RUN_ID);
    for (const a of agents) await waitForAgent(ws.service, a.id, (x) => x.status === 'succeeded', 30_000);
    for (const a of agents) {
      const m = markers((await logText(ws.service, a.id)).stdout);
      assert.equal(m['ME'], a.id);
      const ifaces = (m['IFACES'] ?? '').split(' ').filter(Boolean).sort();
      assert.deepEqual(ifaces, a.role === 'builder' ? ['eth0', 'lo'] : ['lo'], `${a.id} (${a.role})`);
    }
    const pruned = await ws.service.prune();
    assert.deepEqual(pruned.removed.sort(), agents.map((a) => a.id).sort(), JSON.stringify(pruned.kept));
    await assertNothingLeft(ws, client);
  });

  it('deploys to an engine named by a tcp:// address and records it', async () => {
    const proxy = await tcpProxyToSocket('/var/run/docker.sock');
    closers.push(proxy.close);
    const host = `tcp://127.0.0.1:${proxy.port}`;
    const ws = await makeWorkspace(each, images.agent, SECRET);
    const { agents } = await ws.service.deploy(['internal.brief.md'], { host, command: ['sh', '-c', 'echo remote; exec sleep 60'], labels: runLabels() });
    const id = agents[0]!.id;
    const [record] = await readAgents(ws.service.store);
    assert.equal(record!.host, host);
    assert.equal(record!.hostLabel, host);
    const { agents: listed, hosts } = await ws.service.list();
    assert.deepEqual(hosts.map((h) => [h.host, h.reachable]), [['', true], [host, true]]);
    const mine = listed.filter((a) => a.id === id);
    assert.equal(mine.length, 1, 'the same engine seen twice lists the agent once, under its own host');
    assert.equal(mine[0]!.host, host);
    assert.equal(mine[0]!.status, 'running');
    await ws.service.stop(id, { graceSeconds: 0 });
    await ws.service.remove(id);
    await assertNothingLeft(ws, client);
  });

  it('leaves no container, network or folder behind when a deploy fails half-way', async () => {
    const ws = await makeWorkspace(each, images.agent, SECRET);
    // The second brief's image has no agent CLI: its containers are created, then fail to start.
    const text = readFileSync(path.join(ws.root, 'internal.brief.md'), 'utf8').replace('role: builder', `role: builder\nimage: ${images.plain}`);
    writeFileSync(path.join(ws.root, 'no-cli.brief.md'), text);
    const e = await failure(ws.service.deploy(['internal.brief.md', 'no-cli.brief.md'], { copies: 2, labels: runLabels(), concurrency: 2 }));
    assert.equal(e.reason, 'docker-error');
    assert.match(e.message, /start container/);
    await assertNothingLeft(ws, client);
    assert.deepEqual((await client.listContainers({ labels: runLabels() })).length, 0);
  });

  it('reports an engine that is down clearly, from the service and the CLI, and leaves nothing behind', async () => {
    const down = 'unix:///tmp/af-no-engine-here.sock';
    const ws = await makeWorkspace(each, images.agent, SECRET, down);
    const e = await failure(ws.service.deploy(['internal.brief.md'], { labels: runLabels() }));
    assert.equal(e.reason, 'docker-unavailable');
    assert.match(e.message, /Docker is not running or not reachable at unix:\/\/\/tmp\/af-no-engine-here\.sock/);
    const { hosts } = await ws.service.list();
    assert.deepEqual(hosts.map((h) => [h.host, h.reachable, h.reason]), [[down, false, 'docker-unavailable']]);
    await assertNothingLeft(ws, client);

    const command = createAgentCommand({ onInterrupt: () => () => undefined });
    let out = '';
    let err = '';
    const ctx: CliContext = { root: ws.root, services: new CliServices(ws.root), json: false, out: (s) => (out += s + '\n'), err: (s) => (err += s + '\n'), print: (_v, human) => (out += human() + '\n') };
    const args = parseArgs(['deploy', 'internal.brief.md', '--host', down, '--image', images.agent]);
    let code: number;
    try {
      code = await command.run(ctx, args);
    } catch (x) {
      assert.ok(isFederationError(x), String(x));
      code = EXIT.error;
      err += x.message;
    }
    assert.equal(code, EXIT.error);
    assert.match(err, /Docker is not running or not reachable/);
    const list = parseArgs(['list', '--host', down]);
    assert.equal(await command.run(ctx, list), EXIT.error);
    assert.match(err, /not running or not reachable at unix:\/\/\/tmp\/af-no-engine-here\.sock/);
  });
});
