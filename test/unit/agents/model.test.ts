import * as assert from 'node:assert/strict';
import type { AgentInfo, ListResult } from '../../../src/core/agents';
import { buildAgentsTree, errorTree, type AgentNode, type HostNode } from '../../../src/extension/agents/model';

function agent(id: string, over: Partial<AgentInfo> = {}): AgentInfo {
  return {
    id, status: 'running', exitCode: null, oomKilled: false, createdAt: '2026-11-21T10:00:00.000Z', host: '', hostLabel: 'unix:///var/run/docker.sock',
    image: 'img:1', persona: 'research', role: 'reviewer', brief: 'review.brief.md', group: 'g', tracked: true, outputDir: '/o', uptimeSeconds: 75, ...over,
  };
}

describe('Agents tree model', () => {
  it('groups agents by engine, with status, time and persona in the description', () => {
    const list: ListResult = {
      hosts: [
        { host: '', hostLabel: 'unix:///var/run/docker.sock', reachable: true },
        { host: 'ssh://ci@build', hostLabel: 'ssh://ci@build:22', reachable: true },
        { host: 'tcp://idle:2375', hostLabel: 'tcp://idle:2375', reachable: true },
      ],
      agents: [
        agent('research-aaaaaa'),
        agent('builder-bbbbbb', { status: 'succeeded', exitCode: 0, durationSeconds: 42, uptimeSeconds: undefined, persona: null, role: 'builder', collectedAt: '2026-11-21T11:00:00Z' }),
        agent('remote-cccccc', { host: 'ssh://ci@build', hostLabel: 'ssh://ci@build:22', status: 'oom-killed', exitCode: 137, oomKilled: true, durationSeconds: 3, uptimeSeconds: undefined }),
      ],
    };
    const tree = buildAgentsTree(list) as HostNode[];
    assert.deepEqual(tree.map((h) => [h.label, h.description]), [
      ['unix:///var/run/docker.sock', '2 agents, 1 running'],
      ['ssh://ci@build:22', '1 agent'],
    ], 'an engine with no agents shows only when it is the default one');
    const [running, done] = tree[0]!.children as AgentNode[];
    assert.equal(running!.description, 'running · 1m 15s · research');
    assert.equal(running!.contextValue, 'agent:running');
    assert.deepEqual(running!.command, { command: 'agentFederation.agents.followLogs', title: 'Follow Logs', arguments: ['research-aaaaaa'] });
    assert.equal(done!.description, 'exit 0 · 42s · builder');
    assert.equal(done!.contextValue, 'agent:succeeded:collected');
    const oom = tree[1]!.children[0] as AgentNode;
    assert.equal(oom.contextValue, 'agent:oom-killed');
    assert.equal(oom.icon.id, 'flame');
    assert.match(oom.tooltip!, /OOM-killed/);
  });

  it('shows an engine that is down with what to do about it', () => {
    const tree = buildAgentsTree({
      hosts: [{ host: '', hostLabel: 'unix:///var/run/docker.sock', reachable: false, error: 'Docker is not running or not reachable at unix:///var/run/docker.sock. Is Docker running?', reason: 'docker-unavailable' }],
      agents: [agent('research-aaaaaa', { status: 'unknown', error: 'Docker is not running' })],
    }) as HostNode[];
    assert.equal(tree[0]!.description, 'not reachable');
    const labels = tree[0]!.children.map((c) => c.label);
    assert.deepEqual(labels, ['Docker is not running', 'Start Docker, then retry', 'Use another Docker engine…', 'research-aaaaaa']);
    assert.equal(tree[0]!.children[1]!.command?.command, 'agentFederation.agents.refresh');
    assert.deepEqual(tree[0]!.children[2]!.command?.arguments, ['agentFederation.docker.host']);
    assert.match(tree[0]!.children[0]!.tooltip!, /Is Docker running\?/);
    const remote = buildAgentsTree({ hosts: [{ host: 'tcp://x:2375', hostLabel: 'tcp://x:2375', reachable: false }], agents: [] }) as HostNode[];
    assert.equal(remote[0]!.children[0]!.label, 'Docker is not reachable');
    assert.equal(errorTree('agents.json: bad')[0]!.label, 'Cannot list agents');
  });
});
