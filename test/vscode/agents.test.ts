// Remote agents in a real editor against the real Docker engine: Deploy Agent (the command, with a locally built
// image whose stand-in agent CLI writes a report and exits) puts the agent in the Agents view, and the view
// updates from the engine's event stream when the container exits. Everything is removed afterwards. And an agent
// on an engine that cannot see our files (the second engine of scripts/remote-docker.sh, set as
// agentFederation.docker.host): its report, written into a volume there, shows in the report panel.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DockerClient } from '../../src/core/docker/client';
import { createDockerodeClient } from '../../src/node/docker/dockerodeClient';
import type { FederationExtensionApi } from '../../src/extension/extension';
import { Sweeper } from '../docker/helpers';
import { buildAgentImages } from '../fixtures/agents/engine';
import { REMOTE_HOST, useRemoteEngine } from '../docker/remoteEngine';
import { LABEL, workspaceHash } from '../../src/core/agents/labels';
import { nodeFileSystem } from '../../src/node/fs';

interface AgentLike {
  kind: string;
  agentId?: string;
  agent?: { status: string; exitCode: number | null };
  children: AgentLike[];
}

async function findAgent(tree: vscode.TreeDataProvider<unknown>, id: string): Promise<AgentLike | undefined> {
  for (const host of ((await tree.getChildren()) ?? []) as AgentLike[]) {
    for (const node of ((await tree.getChildren(host)) ?? []) as AgentLike[]) if (node.agentId === id) return node;
  }
  return undefined;
}

/** Waits for the tree to show the agent in a state `match` accepts, re-checking on every tree change (no polling). */
function agentWhere(tree: vscode.TreeDataProvider<unknown>, id: string, match: (a: AgentLike) => boolean, timeoutMs: number): Promise<AgentLike> {
  return new Promise((resolve, reject) => {
    let done = false;
    const check = async () => {
      const node = await findAgent(tree, id);
      if (!done && node && match(node)) {
        done = true;
        clearTimeout(timer);
        sub?.dispose();
        resolve(node);
      }
    };
    const timer = setTimeout(async () => {
      done = true;
      sub?.dispose();
      reject(new Error(`agent ${id} never matched; last seen: ${JSON.stringify((await findAgent(tree, id))?.agent ?? null)}`));
    }, timeoutMs);
    const sub = tree.onDidChangeTreeData?.(() => void check());
    void check();
  });
}

function writeBrief(root: string, name: string, image: string): string {
  const brief = path.join(root, 'briefs', `${name}.brief.md`);
  fs.writeFileSync(
    brief,
    [
      '---',
      'role: research',
      'persona: research',
      `image: ${image}`,
      'confidentiality: C1',
      'network: none',
      'resources: { cpus: 0.5, memory: 64m, pids: 64 }',
      'output: /output/review',
      'report: json',
      '---',
      '# Editor test agent',
      '## Identity',
      'You are the research agent of the editor test.',
      '## Mission',
      '- [ ] Write 1 finding to /output/review.',
      '## Resources',
      '- The repository at /workspace (read-only).',
      '## Output',
      '- /output/review/finding-1.md',
      '## Reporting',
      '- Write the JSON report when done.',
      '## Boundaries',
      '- Never write outside /output.',
      '',
    ].join('\n'),
  );
  return brief;
}

describe('Agents view with a real Docker engine', function () {
  this.timeout(180_000);
  let client: DockerClient;
  let sweeper: Sweeper;
  let image = '';
  let engineUp = true;
  const deployed: string[] = [];

  before(async function () {
    client = createDockerodeClient({});
    try {
      await client.ping();
    } catch {
      engineUp = false;
    }
    assert.ok(engineUp, 'a Docker engine must answer (npm test starts one through scripts/ensure-docker.sh)');
    sweeper = new Sweeper(() => client);
    image = (await buildAgentImages(client, sweeper)).agent;
  });

  after(async () => {
    for (const id of deployed) await vscode.commands.executeCommand('agentFederation.agents.remove', id, { force: true }).then(undefined, () => undefined);
    if (sweeper) await sweeper.cleanup();
  });

  it('lists a deployed agent and updates when it exits', async () => {
    const ext = vscode.extensions.getExtension<FederationExtensionApi>('agent-federation.agent-federation')!;
    const api = await ext.activate();
    const tree = api.agentsTree;
    assert.ok(tree, 'the Agents view has a provider');
    const root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const brief = writeBrief(root, 'editor-test', image);
    const result = (await vscode.commands.executeCommand('agentFederation.agents.deploy', { briefs: [brief], copies: 1 })) as { agents: { id: string }[] };
    assert.strictEqual(result.agents.length, 1);
    const id = result.agents[0]!.id;
    deployed.push(id);
    await agentWhere(tree, id, () => true, 30_000);
    const finished = await agentWhere(tree, id, (n) => n.agent?.status === 'succeeded', 90_000);
    assert.strictEqual(finished.agent?.exitCode, 0);
  });
});

describe('An agent on an engine that cannot see our files, in the editor', function () {
  this.timeout(180_000);
  const engine = useRemoteEngine();
  let image = '';
  const deployed: string[] = [];
  const settings = () => vscode.workspace.getConfiguration('agentFederation');

  before(async function () {
    this.timeout(240_000);
    image = (await buildAgentImages(engine.client, engine.suite)).agent;
    await settings().update('docker.host', REMOTE_HOST, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    for (const id of deployed) await vscode.commands.executeCommand('agentFederation.agents.remove', id, { force: true }).then(undefined, () => undefined);
    await settings().update('docker.host', undefined, vscode.ConfigurationTarget.Global);
  });

  it('Deploy Agent copies its files there; the view follows it; the report panel shows the report it wrote there', async () => {
    const ext = vscode.extensions.getExtension<FederationExtensionApi>('agent-federation.agent-federation')!;
    const api = await ext.activate();
    const tree = api.agentsTree!;
    const root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const brief = writeBrief(root, 'remote-editor-test', image);
    const result = (await vscode.commands.executeCommand('agentFederation.agents.deploy', { briefs: [brief], copies: 1 })) as { agents: { id: string }[] };
    const id = result.agents[0]!.id;
    deployed.push(id);
    const finished = await agentWhere(tree, id, (n) => n.agent?.status === 'succeeded', 90_000);
    assert.strictEqual(finished.agent?.exitCode, 0);
    // Under the engine's own node, and its output is not here yet: it is in a volume on that engine.
    const hosts = ((await tree.getChildren()) ?? []) as Array<AgentLike & { hostLabel?: string; label?: string }>;
    assert.ok(JSON.stringify(hosts).includes(REMOTE_HOST), `hosts: ${JSON.stringify(hosts.map((h) => h.kind))}`);
    const report = path.join(root, '.federation', 'agents', id, 'output', 'agent-report.json');
    assert.strictEqual(fs.existsSync(report), false, 'the report is only on that engine before the panel asks');

    await vscode.commands.executeCommand('agentFederation.showAgentReport', id);
    const shown = api.agentReportShown(id);
    assert.ok(shown, 'the panel is open');
    assert.strictEqual(shown.error ?? null, null);
    assert.strictEqual(shown.host, REMOTE_HOST);
    assert.strictEqual(shown.report?.summary, 'The stand-in agent ran.');
    assert.deepStrictEqual(shown.report?.deliverables.map((d) => [d.path, d.exists]), [['review/finding-1.md', true]]);
    assert.ok(fs.existsSync(report), 'the panel brought the output here');
    assert.strictEqual(fs.readFileSync(path.join(root, '.federation', 'agents', id, 'output', 'review', 'finding-1.md'), 'utf8'), 'finding one\n');

    await vscode.commands.executeCommand('agentFederation.agents.remove', id, { force: true });
    deployed.pop();
    const labels = { [LABEL.federation]: workspaceHash(nodeFileSystem, root) };
    assert.deepStrictEqual(await engine.client.listVolumes({ labels }), [], 'volumes left on that engine');
    assert.deepStrictEqual(await engine.client.listContainers({ labels }), [], 'containers left on that engine');
  });
});
