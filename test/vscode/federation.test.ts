// The federation in a real editor: views get their data through the real tree providers, commands change files on
// disk as they promise, changes made by another process (the CLI) reach the views through the file watcher, and a
// corrupt state file shows as an error item without being overwritten. The workspace is a copy of demo/.
import * as assert from 'assert';
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { QueueFile } from '../../src/core/federation/state/schemas';
import { newStore } from '../helpers/federation';
import type { FederationExtensionApi } from '../../src/extension/extension';
import { EXTENSION_ID, api, root, waitForState } from './editor';

/** Labels of the tree's items, as VS Code would render them (getChildren + getTreeItem). */
async function labels(provider: vscode.TreeDataProvider<unknown> | undefined, parent?: unknown): Promise<string[]> {
  assert.ok(provider, 'no tree provider');
  const children = (await provider.getChildren(parent)) ?? [];
  const out: string[] = [];
  for (const c of children) {
    const item = await provider.getTreeItem(c);
    out.push(typeof item.label === 'string' ? item.label : item.label?.label ?? '');
  }
  return out;
}

async function allTaskLabels(a: FederationExtensionApi): Promise<string[]> {
  const provider = a.taskQueueTree!;
  const groups = (await provider.getChildren()) ?? [];
  const nested = await Promise.all(groups.map((g) => labels(provider as vscode.TreeDataProvider<unknown>, g)));
  return nested.flat();
}

function cli(...args: string[]): Promise<string> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [path.join(ext.extensionPath, 'dist', 'cli.js'), '--root', root(), ...args], (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

/** The queue as on disk: queue.json with its journal applied, read by a store of our own (not the extension's). */
function readQueue(): Promise<QueueFile> {
  return newStore(root()).read('queue');
}

describe('Federation views and commands in a real editor', function () {
  this.timeout(30_000);

  before(async () => {
    const a = await api();
    // Record activation time for `npm run bench` (measured inside the real extension host).
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const out = path.join(ext.extensionPath, 'test-results');
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'activation.json'), JSON.stringify({ activationMs: a.activationMs, loadMs: a.loadMs, vscode: vscode.version }) + '\n');
  });

  it('the Personas view shows the fixture personas', async () => {
    const a = await api();
    assert.ok(a.activationMs > 0);
    const shown = await labels(a.personasTree as vscode.TreeDataProvider<unknown>);
    for (const name of ['Research', 'DevOps', 'Writer']) assert.ok(shown.includes(name), `${name} missing from ${shown.join(', ')}`);
  });

  it('the Task Queue view groups tasks by status and shows the fixture tasks', async () => {
    const a = await api();
    const groups = await labels(a.taskQueueTree as vscode.TreeDataProvider<unknown>);
    assert.deepStrictEqual(groups.slice(0, 3), ['In progress', 'Claimed', 'Handed off']);
    const tasks = await allTaskLabels(a);
    for (const t of ['Survey vector databases', 'Set up CI cache', 'Write onboarding guide']) assert.ok(tasks.includes(t), `${t} missing`);
  });

  it('a held lock appears under its holder', async () => {
    const a = await api();
    const provider = a.personasTree as vscode.TreeDataProvider<unknown>;
    const personas = (await provider.getChildren()) ?? [];
    const devops = personas.find((p) => (p as { id: string }).id === 'persona:devops');
    assert.ok(devops, 'devops persona node');
    assert.deepStrictEqual(await labels(provider, devops), ['staging-db']);
  });

  it('Add Task writes the task to queue.json and the view shows it', async () => {
    const a = await api();
    const task = (await vscode.commands.executeCommand('agentFederation.addTask', { title: 'Added from the editor', priority: 1, skills: ['research'] })) as { id: string };
    assert.ok((await readQueue()).tasks.some((t) => t.id === task.id && t.title === 'Added from the editor'), 'the task is on disk');
    assert.ok((await allTaskLabels(a)).includes('Added from the editor'), 'the view shows it');
  });

  it('Claim Next Task gives the persona its most urgent task in scope, on disk', async () => {
    // devops: its demo calendar is all week (research's is weekdays only, which would make this depend on the day).
    const claimed = (await vscode.commands.executeCommand('agentFederation.claimNextTask', { persona: 'devops' })) as { id: string; assignee: string } | null;
    assert.ok(claimed, 'a task was claimed');
    const onDisk = (await readQueue()).tasks.find((t) => t.id === claimed.id)!;
    assert.strictEqual(onDisk.assignee, 'devops');
    assert.strictEqual(onDisk.status, 'claimed');
  });

  it('Hand Off Task writes a handoff document linked from the task', async () => {
    const added = (await vscode.commands.executeCommand('agentFederation.addTask', { title: 'Hand me over', skills: ['writing'] })) as { id: string };
    // Only the holder hands a task off: writer (no calendar in the demo, so always available) claims it first.
    await vscode.commands.executeCommand('agentFederation.claimTask', { taskId: added.id, persona: 'writer' });
    const r = (await vscode.commands.executeCommand('agentFederation.handoffTask', { taskId: added.id, from: 'writer', to: 'research', context: 'from the test' })) as { document: string };
    const doc = path.join(root(), '.federation', r.document);
    assert.ok(fs.existsSync(doc), `${doc} exists`);
    assert.match(fs.readFileSync(doc, 'utf8'), /from the test/);
    assert.strictEqual((await readQueue()).tasks.find((t) => t.id === added.id)?.handoff?.document, r.document);
  });

  it('resource locks: take and release through commands', async () => {
    await vscode.commands.executeCommand('agentFederation.acquireLock', { resource: 'editor-test', persona: 'writer' });
    const lockFile = path.join(root(), '.federation', 'locks', 'editor-test.lock');
    assert.strictEqual(JSON.parse(fs.readFileSync(lockFile, 'utf8')).holder, 'writer');
    await vscode.commands.executeCommand('agentFederation.releaseLock', { resource: 'editor-test', persona: 'writer' });
    assert.ok(!fs.existsSync(lockFile));
  });

  it('refuses work outside a persona\'s skills with a typed error', async () => {
    const added = (await vscode.commands.executeCommand('agentFederation.addTask', { title: 'Needs docker', skills: ['docker'] })) as { id: string };
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('agentFederation.completeTask', { taskId: added.id, persona: 'writer' })),
      (e: { reason?: string; message: string }) => e.reason === 'skill-scope' || /outside writer's skills|skill/.test(e.message),
    );
  });

  it('Route Artifact moves a file by the rules', async () => {
    const file = path.join(root(), 'notes', 'vector-databases.zettel.md');
    assert.ok(fs.existsSync(file), 'fixture artifact present');
    await vscode.commands.executeCommand('agentFederation.routeArtifact', vscode.Uri.file(file));
    assert.ok(fs.existsSync(path.join(root(), 'Zettelkasten', 'vector-databases.zettel.md')));
    assert.ok(!fs.existsSync(file));
  });

  it('a change made by another process (the CLI) reaches the Task Queue view through the file watcher', async () => {
    const a = await api();
    const title = `From the CLI ${Date.now()}`;
    // The CLI appends to the journal (or, every 256 changes, rewrites queue.json): whichever changed last.
    const landedAt = () => Math.max(...['queue.json', 'queue.journal'].map((f) => fs.statSync(path.join(root(), '.federation', f), { throwIfNoEntry: false })?.mtimeMs ?? 0));
    let latencyMs = -1;
    const seen = waitForState(a, (s) => {
      const ok = s.queue.ok && s.queue.value.tasks.some((t) => t.title === title);
      // From the moment the CLI's write landed on disk to the moment the extension has the new state.
      if (ok) latencyMs = Date.now() - landedAt();
      return ok;
    });
    await cli('task', 'add', title, '--priority', '2');
    await seen;
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    fs.writeFileSync(path.join(ext.extensionPath, 'test-results', 'watch-latency.json'), JSON.stringify({ latencyMs }) + '\n');
    assert.ok((await allTaskLabels(a)).includes(title));
  });

  it('a corrupt queue.json shows as an error item and is never overwritten', async () => {
    const a = await api();
    const file = path.join(root(), '.federation', 'queue.json');
    const good = fs.readFileSync(file, 'utf8');
    const bad = good.slice(0, Math.floor(good.length / 2));
    try {
      const broken = waitForState(a, (s) => !s.queue.ok);
      fs.writeFileSync(file, bad);
      await broken;
      const shown = await labels(a.taskQueueTree as vscode.TreeDataProvider<unknown>);
      assert.deepStrictEqual(shown, ['Cannot read queue.json']);
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand('agentFederation.addTask', { title: 'must not land' })));
      assert.strictEqual(fs.readFileSync(file, 'utf8'), bad, 'the bad file was not overwritten');
      // The other views keep working.
      assert.ok((await labels(a.personasTree as vscode.TreeDataProvider<unknown>)).includes('Research'));
    } finally {
      const healed = waitForState(a, (s) => s.queue.ok);
      fs.writeFileSync(file, good);
      await healed;
    }
  });

  it('Identify This Window as a Persona sets the window persona', async () => {
    const a = await api();
    await vscode.commands.executeCommand('agentFederation.identifyPersona', 'writer');
    assert.strictEqual(a.windowPersona(), 'writer');
    const personas = JSON.parse(fs.readFileSync(path.join(root(), '.federation', 'personas.json'), 'utf8')).personas as { id: string; status: string }[];
    assert.strictEqual(personas.find((p) => p.id === 'writer')?.status, 'active');
  });
});

describe('Bootstrap packages in a real editor', function () {
  this.timeout(30_000);

  it('Preview Bootstrap Package shows what a consumer gets, within its clearance, writing nothing', async () => {
    const audit = (await vscode.commands.executeCommand('agentFederation.previewBootstrapPackage', { consumer: 'parallel-terminal', persona: 'research', show: false })) as {
      ok: boolean;
      files: { path: string; content: string }[];
      manifest: { consumer: string; included: unknown[]; excluded: unknown[] };
    };
    assert.strictEqual(audit.manifest.consumer, 'parallel-terminal');
    const bootstrap = audit.files.find((f) => f.path === 'BOOTSTRAP.md');
    assert.ok(bootstrap, 'BOOTSTRAP.md is in the package');
    assert.match(bootstrap.content, /Who am I/i);
    assert.ok(!fs.existsSync(path.join(root(), '.federation', 'packages', 'research')), 'a preview writes nothing');
  });
});
