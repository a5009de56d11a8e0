// An untrusted workspace in the real editor (test/harness/run.mjs, pass "untrusted": Workspace Trust on, the folder
// opened in Restricted Mode). The views still show the federation's state, but every command that would run
// something the workspace defines (a container, a matrix run, a terminal) refuses with a clear message, and nothing
// starts: no container with this workspace's label, no new run folder, no terminal, no package or agent folder.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { LABEL, workspaceHash } from '../../src/core/agents/labels';
import type { DockerClient } from '../../src/core/docker/client';
import { createDockerodeClient } from '../../src/node/docker/dockerodeClient';
import type { FederationExtensionApi } from '../../src/extension/extension';
import { nodeFileSystem } from '../../src/node/fs';

const EXTENSION_ID = 'agent-federation.agent-federation';

/** Every command that runs something, with arguments that would make it run at once (no pickers) if it were let. */
const RUN_COMMANDS: Array<{ id: string; args: () => unknown[] }> = [
  { id: 'agentFederation.agents.deploy', args: () => [{ briefs: [path.join(root(), 'briefs', 'untrusted-test.brief.md')], copies: 1 }] },
  { id: 'agentFederation.agents.restart', args: () => ['research-abc123'] },
  { id: 'agentFederation.runMatrix', args: () => [{}] },
  { id: 'agentFederation.rerunFailed', args: () => [{ runId: 'latest' }] },
  { id: 'agentFederation.openPersonaTerminal', args: () => [{ persona: 'research' }] },
  // Task worktrees: each of these runs git in the workspace's repository (whose config may name commands to run).
  { id: 'agentFederation.openTaskTerminal', args: () => [{ taskId: 'T1', persona: 'research' }] },
  { id: 'agentFederation.reviewTaskChanges', args: () => [{ taskId: 'T1' }] },
  { id: 'agentFederation.mergeTask', args: () => [{ taskId: 'T1' }] },
  { id: 'agentFederation.openTaskPullRequest', args: () => [{ taskId: 'T1' }] },
  { id: 'agentFederation.discardTaskWorktree', args: () => [{ taskId: 'T1', force: true }] },
  { id: 'agentFederation.startGithubRun', args: () => [{ ref: 'main' }] },
  { id: 'agentFederation.followGithubRun', args: () => [{ runId: 'gh-1-1' }] },
];

function root(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder');
  return folder.uri.fsPath;
}

async function api(): Promise<FederationExtensionApi> {
  const ext = vscode.extensions.getExtension<FederationExtensionApi>(EXTENSION_ID);
  assert.ok(ext, 'extension not found');
  return ext.activate();
}

async function labels(provider: vscode.TreeDataProvider<unknown> | undefined, parent?: unknown): Promise<string[]> {
  assert.ok(provider, 'no tree provider');
  const out: string[] = [];
  for (const c of (await provider.getChildren(parent)) ?? []) {
    const item = await provider.getTreeItem(c);
    out.push(typeof item.label === 'string' ? item.label : item.label?.label ?? '');
  }
  return out;
}

function entries(rel: string): string[] {
  try {
    return fs.readdirSync(path.join(root(), rel)).sort();
  } catch {
    return [];
  }
}

describe('An untrusted workspace (Restricted Mode)', function () {
  this.timeout(60_000);
  let docker: DockerClient;
  let ours: Record<string, string>;

  before(async () => {
    docker = createDockerodeClient({});
    // This workspace's containers only: other test runs may share the engine.
    ours = { [LABEL.federation]: workspaceHash(nodeFileSystem, root()) };
    // A valid brief, so that Deploy Agent would get as far as the engine if it did not refuse first.
    fs.writeFileSync(
      path.join(root(), 'briefs', 'untrusted-test.brief.md'),
      [
        '---', 'role: research', 'persona: research', 'image: agent-federation-test/never:1', 'confidentiality: C1', 'network: none', '---',
        '# Untrusted test agent', '## Identity', 'The research agent.', '## Mission', '- [ ] Write 1 finding.', '## Resources', '- `/workspace/README.md`',
        '## Output', '- /output/finding.md', '## Reporting', '- Write the JSON report.', '## Boundaries', '- Never write outside /output.', '',
      ].join('\n'),
    );
  });

  it('is untrusted', () => {
    assert.strictEqual(vscode.workspace.isTrusted, false, 'the harness must open this folder in Restricted Mode');
  });

  it('still shows the federation in the views', async () => {
    const a = await api();
    const personas = await labels(a.personasTree);
    assert.deepStrictEqual(personas.map((l) => l.toLowerCase()).sort(), ['devops', 'research', 'writer'], `personas: ${personas.join(', ')}`);
    const groups = await labels(a.taskQueueTree);
    assert.ok(groups.length > 0, 'the task queue shows its groups');
    assert.ok(a.runsTree && a.agentsTree, 'the Runs and Agents views have providers');
    assert.ok(Array.isArray(await a.runsTree.getChildren()), 'the Runs view answers');
  });

  it('refuses every run command with a clear message, and nothing starts', async () => {
    const a = await api();
    const containersBefore = (await docker.listContainers({ labels: ours })).map((c) => c.id);
    const runsBefore = entries('.federation/runs');
    const terminalsBefore = vscode.window.terminals.length;
    const opened: string[] = [];
    const refusals: Array<{ command: string; message: string }> = [];
    const subs = [vscode.window.onDidOpenTerminal((t) => opened.push(t.name)), a.onDidRefuseUntrusted((r) => refusals.push(r))];
    try {
      for (const c of RUN_COMMANDS) {
        const outcome = await vscode.commands.executeCommand(c.id, ...c.args()).then(
          (value) => ({ value }),
          (error: unknown) => ({ error: error as { name?: string; reason?: string; message?: string } }),
        );
        if (!('error' in outcome)) assert.fail(`${c.id} ran in an untrusted workspace (returned ${JSON.stringify(outcome.value)?.slice(0, 200)}…)`);
        assert.strictEqual(outcome.error.reason, 'untrusted-workspace', `${c.id}: ${outcome.error.message}`);
        assert.strictEqual(outcome.error.name, 'UntrustedWorkspaceError');
        assert.match(outcome.error.message ?? '', /disabled in an untrusted workspace.*Manage Workspace Trust/);
      }
    } finally {
      for (const s of subs) s.dispose();
    }
    // One message shown per command, each the refusal.
    assert.deepStrictEqual(refusals.map((r) => r.command), RUN_COMMANDS.map((c) => c.id));
    assert.ok(refusals.every((r) => /untrusted workspace/.test(r.message)));
    // Nothing started.
    assert.deepStrictEqual(opened, [], 'no terminal was opened');
    assert.strictEqual(vscode.window.terminals.length, terminalsBefore);
    assert.deepStrictEqual(entries('.federation/runs'), runsBefore, 'no matrix run was started');
    assert.deepStrictEqual(entries('.federation/agents'), [], 'no agent folder was made');
    assert.deepStrictEqual(entries('.federation/packages'), [], 'no bootstrap package was written');
    assert.deepStrictEqual((await docker.listContainers({ labels: ours })).map((c) => c.id), containersBefore, 'no container was created');
  });
});
