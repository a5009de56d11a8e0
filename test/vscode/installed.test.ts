// Smoke suite of the packaged extension: the .vsix that `npm run package` makes, installed into the editor's
// extensions folder by code-server's installer (test/harness/run.mjs --pass installed), with no
// extensionDevelopmentPath of ours. What this proves is what a user gets: the bundles as released, .vscodeignore,
// the manifest, and the bundle boundaries (dist/extension.js loading dist/docker.js) in the real editor.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DockerClient } from '../../src/core/docker/client';
import { createDockerodeClient } from '../../src/node/docker/dockerodeClient';
import type { FederationExtensionApi } from '../../src/extension/extension';
import { Sweeper } from '../docker/helpers';
import { buildAgentImages } from '../fixtures/agents/engine';

const EXTENSION_ID = 'agent-federation.agent-federation';
const DOWN = 'unix:///tmp/af-installed-no-engine.sock';

interface Node {
  kind?: string;
  label?: string;
  agentId?: string;
  agent?: { status: string; exitCode: number | null };
  contextValue?: string;
  children?: Node[];
}

function workspaceRoot(): string {
  return vscode.workspace.workspaceFolders![0]!.uri.fsPath;
}

function extension(): vscode.Extension<FederationExtensionApi> {
  const ext = vscode.extensions.getExtension<FederationExtensionApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not installed`);
  return ext;
}

function filesUnder(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p, base) : [path.relative(base, p)];
  });
}

/** Resolves once `check` gives a value, re-checked on every change of the tree (no polling). */
function treeWhere<T>(tree: vscode.TreeDataProvider<unknown>, check: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    let done = false;
    const attempt = async (): Promise<void> => {
      const v = await check().catch(() => undefined);
      if (!done && v !== undefined) {
        done = true;
        clearTimeout(timer);
        sub?.dispose();
        resolve(v);
      }
    };
    const timer = setTimeout(() => {
      done = true;
      sub?.dispose();
      reject(new Error(`${what} did not happen within ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = tree.onDidChangeTreeData?.(() => void attempt());
    void attempt();
  });
}

async function children(tree: vscode.TreeDataProvider<unknown>, node?: unknown): Promise<Node[]> {
  return ((await tree.getChildren(node)) ?? []) as Node[];
}

describe('The packaged extension, installed from its .vsix', function () {
  this.timeout(180_000);
  let api: FederationExtensionApi;

  before(async () => {
    api = await extension().activate();
  });

  it('is the installed copy, holding only what .vscodeignore lets through', () => {
    const ext = extension();
    const extensionsDir = process.env['FEDERATION_TEST_EXTENSIONS_DIR'];
    assert.ok(extensionsDir, 'FEDERATION_TEST_EXTENSIONS_DIR is set by the harness');
    assert.ok(ext.extensionPath.startsWith(fs.realpathSync(extensionsDir) + path.sep) || ext.extensionPath.startsWith(extensionsDir + path.sep),
      `${ext.extensionPath} is not under ${extensionsDir}`);
    const files = filesUnder(ext.extensionPath);
    for (const needed of ['package.json', 'dist/extension.js', 'dist/docker.js', 'dist/cli.js', 'dist/webviews/run.js', 'schemas/queue.schema.json']) {
      assert.ok(files.includes(needed), `${needed} is in the package`);
    }
    const unwanted = files.filter((f) => /^(src|out|test|node_modules|scripts|bench|demo)\//.test(f) || f.endsWith('.map') || f.endsWith('.ts'));
    assert.deepStrictEqual(unwanted, [], 'the package holds no sources, tests, maps or dependencies');
    // A release build: minified, no source map reference.
    assert.ok(!/sourceMappingURL/.test(fs.readFileSync(path.join(ext.extensionPath, 'dist', 'extension.js'), 'utf8').slice(-300)));
  });

  it('activates and the views fill from the workspace\'s federation', async () => {
    assert.strictEqual(extension().isActive, true);
    assert.strictEqual(api.root, workspaceRoot());
    const personas = await children(api.personasTree!);
    assert.ok(personas.length > 0, 'the Personas view lists the demo personas');
    const tasks = await children(api.taskQueueTree!);
    assert.ok(tasks.length > 0, 'the Task Queue view lists the demo tasks');
  });

  it('the CLI shipped inside the package runs (dist/cli.js beside dist/docker.js)', () => {
    const cli = path.join(extension().extensionPath, 'dist', 'cli.js');
    const out = execFileSync(process.execPath, [cli, '--json', '--root', workspaceRoot(), 'persona', 'list'], { encoding: 'utf8' });
    assert.ok(JSON.parse(out).personas.length > 0);
  });

  it('a brief gets diagnostics', async () => {
    const uri = vscode.Uri.file(path.join(workspaceRoot(), 'briefs', 'review.brief.md'));
    const codes = (): string[] => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'mission-brief')
      .map((d) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code)));
    await new Promise<void>((resolve, reject) => {
      if (codes().includes('MB001')) return resolve();
      const timer = setTimeout(() => { sub.dispose(); reject(new Error(`no MB001 for ${uri.fsPath}; got ${codes().join(', ')}`)); }, 30_000);
      const sub = vscode.languages.onDidChangeDiagnostics(() => {
        if (codes().includes('MB001')) { clearTimeout(timer); sub.dispose(); resolve(); }
      });
      void vscode.window.showTextDocument(uri);
    });
  });

  describe('with Docker', () => {
    let client: DockerClient;
    let sweeper: Sweeper;
    let image = '';
    const deployed: string[] = [];
    const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('agentFederation');

    before(async () => {
      client = createDockerodeClient({});
      await client.ping();
      sweeper = new Sweeper(() => client);
      image = (await buildAgentImages(client, sweeper)).agent;
    });

    after(async () => {
      await config().update('docker.host', undefined, vscode.ConfigurationTarget.Global);
      for (const id of deployed) await vscode.commands.executeCommand('agentFederation.agents.remove', id, { force: true }).then(undefined, () => undefined);
      if (sweeper) await sweeper.cleanup();
    });

    it('Docker down: the Agents view shows its message (the error from dist/docker.js reaches the extension typed)', async () => {
      const tree = api.agentsTree!;
      await config().update('docker.host', DOWN, vscode.ConfigurationTarget.Global);
      try {
        await vscode.commands.executeCommand('agentFederation.agents.refresh').then(undefined, () => undefined);
        const problem = await treeWhere(tree, async () => {
          for (const host of await children(tree)) {
            if (host.contextValue !== 'agents:host-unreachable') continue;
            const p = (await children(tree, host)).find((c) => c.contextValue === 'agents:docker-unavailable');
            if (p) return p;
          }
          return undefined;
        }, 'the unreachable-engine item', 30_000);
        assert.match(String(problem.label), /Docker is not (running|reachable)/);
      } finally {
        await config().update('docker.host', undefined, vscode.ConfigurationTarget.Global);
      }
    });

    it('an agent deploys and runs to success', async () => {
      const tree = api.agentsTree!;
      const brief = path.join(workspaceRoot(), 'briefs', 'installed-test.brief.md');
      fs.writeFileSync(brief, [
        '---', 'role: research', 'persona: research', `image: ${image}`, 'confidentiality: C1', 'network: none',
        'resources: { cpus: 0.5, memory: 64m, pids: 64 }', 'output: /output/review', 'report: json', '---',
        '# Installed-extension test agent', '## Identity', 'You are the research agent of the smoke test.',
        '## Mission', '- [ ] Write 1 finding to /output/review.', '## Resources', '- The repository at /workspace (read-only).',
        '## Output', '- /output/review/finding-1.md', '## Reporting', '- Write the JSON report when done.',
        '## Boundaries', '- Never write outside /output.', '',
      ].join('\n'));
      const result = (await vscode.commands.executeCommand('agentFederation.agents.deploy', { briefs: [brief], copies: 1 })) as { agents: { id: string }[] };
      const id = result.agents[0]!.id;
      deployed.push(id);
      const finished = await treeWhere(tree, async () => {
        for (const host of await children(tree)) {
          const node = (await children(tree, host)).find((n) => n.agentId === id);
          if (node?.agent?.status === 'succeeded') return node;
        }
        return undefined;
      }, `agent ${id} succeeding`, 90_000);
      assert.strictEqual(finished.agent?.exitCode, 0);
    });
  });

  it('a matrix run finishes and is listed in the Runs view', async () => {
    const outcome = (await vscode.commands.executeCommand('agentFederation.runMatrix', { maxParallel: 4 })) as { runId: string; summary: { status: string } };
    assert.ok(['passed', 'failed'].includes(outcome.summary.status), outcome.summary.status);
    assert.ok(fs.existsSync(path.join(workspaceRoot(), '.federation', 'runs', outcome.runId, 'summary.json')));
    const runs = await children(api.runsTree!);
    assert.strictEqual(runs[0]?.contextValue, `run:${outcome.summary.status}`);
  });
});
