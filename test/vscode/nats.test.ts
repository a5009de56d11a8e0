// The nats pass (test/harness/run.mjs): the demo workspace's federation was moved onto a real nats-server by the
// shipped CLI (`migrate --to nats`) before the editor opened it. A second workspace that shares no file with this
// one names the same servers and federation; what the CLI does there reaches this editor's views through the
// backend's watches (no file, no polling), and what the editor does is what the other workspace reads.
import * as assert from 'assert';
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { EXTENSION_ID, api, root } from './editor';
import type { BackendStatus } from '../../src/core/federation/state/backend';
import type { FederationExtensionApi } from '../../src/extension/extension';
import { isFederationError } from '../../src/core/errors';
import { NatsNode } from '../helpers/natsServer';

const NATS_URL = process.env['FEDERATION_TEST_NATS_URL'] ?? '';

/** Every label of the tree (two levels: groups or personas, then their items). */
async function treeLabels(provider: vscode.TreeDataProvider<unknown>): Promise<string[]> {
  const out: string[] = [];
  const walk = async (parent: unknown, depth: number): Promise<void> => {
    for (const c of (await provider.getChildren(parent)) ?? []) {
      const item = await provider.getTreeItem(c);
      out.push(typeof item.label === 'string' ? item.label : item.label?.label ?? '');
      if (depth < 1) await walk(c, depth + 1);
    }
  };
  await walk(undefined, 0);
  return out;
}

/** Resolves once the tree shows `label`: checked now and on every change the tree announces, never polled. */
function treeShows(provider: vscode.TreeDataProvider<unknown>, label: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    let last: string[] = [];
    const check = async (): Promise<void> => {
      last = await treeLabels(provider);
      if (!done && last.includes(label)) {
        done = true;
        clearTimeout(timer);
        sub?.dispose();
        resolve();
      }
    };
    const timer = setTimeout(() => {
      done = true;
      sub?.dispose();
      reject(new Error(`the view never showed "${label}" within ${timeoutMs} ms; last: ${last.join(', ')}`));
    }, timeoutMs);
    const sub = provider.onDidChangeTreeData?.(() => void check());
    void check();
  });
}

/** Resolves once the backend's status is `state`: checked now and on every change, never polled. */
function statusIs(a: FederationExtensionApi, state: BackendStatus['state'], timeoutMs: number): Promise<BackendStatus> {
  return new Promise((resolve, reject) => {
    const now = a.backendStatus();
    if (now?.state === state) return resolve(now);
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`the backend never became ${state} within ${timeoutMs} ms; last: ${JSON.stringify(a.backendStatus())}`));
    }, timeoutMs);
    const sub = a.onDidChangeBackendStatus((s) => {
      if (s.state !== state) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(s);
    });
  });
}

describe('A federation on NATS JetStream in a real editor, shared with a workspace on no common disk', function () {
  this.timeout(60_000);
  let other: string;

  /** The shipped CLI in the other workspace. */
  function cliThere(...args: string[]): Promise<string> {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    return new Promise((resolve, reject) =>
      execFile(process.execPath, [path.join(ext.extensionPath, 'dist', 'cli.js'), '--root', other, ...args], (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
  }

  before(async () => {
    assert.ok(NATS_URL, 'the nats pass sets FEDERATION_TEST_NATS_URL');
    other = fs.mkdtempSync(path.join(os.tmpdir(), 'federation-other-'));
    fs.mkdirSync(path.join(other, '.federation'));
    fs.writeFileSync(path.join(other, '.federation', 'config.yaml'), `version: 1\nbackend:\n  kind: nats\n  servers: [${NATS_URL}]\n  federation: demo\n  replicas: 1\n`);
    await cliThere('init');
  });

  let restarted: NatsNode | undefined;
  after(async () => {
    await restarted?.stop('SIGKILL');
    fs.rmSync(other, { recursive: true, force: true });
  });

  it('the views show the federation as it is on NATS (moved there from the demo files)', async () => {
    const a = await api();
    await treeShows(a.taskQueueTree as vscode.TreeDataProvider<unknown>, 'Survey vector databases', 20_000);
    await treeShows(a.personasTree as vscode.TreeDataProvider<unknown>, 'DevOps', 5_000);
    const snapshot = await a.snapshot();
    assert.strictEqual(snapshot?.config.ok && snapshot.config.value.backend?.kind, 'nats');
  });

  it('a persona registered and a task added in the other workspace appear in the Personas and Task Queue views', async () => {
    const a = await api();
    await cliThere('persona', 'register', 'reviewer', '--skills', 'review', '--name', 'Remote Reviewer');
    await treeShows(a.personasTree as vscode.TreeDataProvider<unknown>, 'Remote Reviewer', 15_000);
    await cliThere('task', 'add', 'Added on the other machine', '--skills', 'review', '--priority', '1');
    await treeShows(a.taskQueueTree as vscode.TreeDataProvider<unknown>, 'Added on the other machine', 15_000);
  });

  it('a task the editor adds and claims is claimed when the other workspace reads it; this workspace\'s queue.json is not written', async () => {
    const queueFile = path.join(root(), '.federation', 'queue.json');
    const before = fs.existsSync(queueFile) ? fs.readFileSync(queueFile, 'utf8') : undefined;
    const added = (await vscode.commands.executeCommand('agentFederation.addTask', { title: 'Added in the editor on NATS', skills: ['writing'] })) as { id: string };
    await vscode.commands.executeCommand('agentFederation.claimTask', { taskId: added.id, persona: 'writer' });
    const there = JSON.parse(await cliThere('--json', 'task', 'list')) as { tasks: Array<{ id: string; title: string; status: string; assignee?: string }> };
    const task = there.tasks.find((t) => t.id === added.id);
    assert.ok(task, `the other workspace sees ${added.id}`);
    assert.strictEqual(task.title, 'Added in the editor on NATS');
    assert.strictEqual(task.status, 'claimed');
    assert.strictEqual(task.assignee, 'writer');
    assert.strictEqual(fs.existsSync(queueFile) ? fs.readFileSync(queueFile, 'utf8') : undefined, before, 'the state is on NATS, not in queue.json');
  });

  it('the server killed: the status says disconnected and a change fails without changing anything; back: connected, and the views follow again', async () => {
    const a = await api();
    assert.strictEqual(a.backendStatus()?.state, 'connected');
    process.kill(Number(process.env['FEDERATION_TEST_NATS_PID']), 'SIGKILL');
    const down = await statusIs(a, 'disconnected', 20_000);
    assert.strictEqual(down.kind, 'nats');
    assert.ok(down.where.includes(NATS_URL), down.where);

    let refused: unknown;
    await Promise.resolve(vscode.commands.executeCommand('agentFederation.addTask', { title: 'Added while NATS was down', skills: ['writing'] })).then(undefined, (e: unknown) => (refused = e));
    assert.ok(isFederationError(refused, 'backend-unavailable'), `expected backend-unavailable, got ${String(refused)}`);

    // The same port and store, as a server that was restarted: the harness's process is gone.
    restarted = new NatsNode('n1', Number(process.env['FEDERATION_TEST_NATS_PORT']), process.env['FEDERATION_TEST_NATS_STORE'] ?? '', []);
    await restarted.start();
    await statusIs(a, 'connected', 30_000);
    await cliThere('task', 'add', 'Added after NATS came back', '--skills', 'review');
    await treeShows(a.taskQueueTree as vscode.TreeDataProvider<unknown>, 'Added after NATS came back', 15_000);
    const there = JSON.parse(await cliThere('--json', 'task', 'list')) as { tasks: Array<{ title: string }> };
    assert.ok(!there.tasks.some((t) => t.title === 'Added while NATS was down'), 'nothing of the refused change was stored');
  });
});
