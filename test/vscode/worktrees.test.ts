// Task worktrees in a real editor: the workspace (a copy of demo/) is made a git repository here, with worktrees on
// in its config.yaml; a claim makes the task's worktree, the Task Queue shows its branch and git state, the persona's
// terminal opens in it, Review Task Changes opens the changes editor, Accept (Merge) merges into the workspace's
// branch and frees the dependent, and Discard asks (a modal, answered here) before it throws work away.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { QueueFile, Task } from '../../src/core/federation/state/schemas';
import type { FederationExtensionApi } from '../../src/extension/extension';
import type { TaskNode, TaskTreeNode } from '../../src/extension/models/taskQueueModel';
import { newStore } from '../helpers/federation';
import { api, root } from './editor';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=test@example.com', '-c', 'user.name=Test', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function write(dir: string, rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
}

function commitAll(dir: string, message: string): string {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

async function queueTask(id: string): Promise<Task> {
  const queue: QueueFile = await newStore(root()).read('queue');
  return queue.tasks.find((t) => t.id === id)!;
}

function run<T>(command: string, ...args: unknown[]): Promise<T> {
  return Promise.resolve(vscode.commands.executeCommand<T>(command, ...args));
}

/** The Task Queue's node of a task once `predicate` holds of it (checked now and at each change of the tree). */
function taskNodeWhen(a: FederationExtensionApi, taskId: string, predicate: (n: TaskNode) => boolean, what: string): Promise<TaskNode> {
  const tree = a.taskQueueTree!;
  let last: TaskNode | undefined;
  const find = async (): Promise<TaskNode | undefined> => {
    for (const g of (await tree.getChildren()) ?? []) {
      for (const c of (await tree.getChildren(g)) ?? []) if ((c as TaskTreeNode).kind === 'task' && (c as TaskNode).taskId === taskId) return c as TaskNode;
    }
    return undefined;
  };
  return new Promise((resolve, reject) => {
    let settled = false;
    const check = async () => {
      const node = await find();
      last = node ?? last;
      if (settled || !node || !predicate(node)) return;
      settled = true;
      clearTimeout(timer);
      sub.dispose();
      resolve(node);
    };
    const sub = tree.onDidChangeTreeData!(() => void check());
    const timer = setTimeout(() => {
      settled = true;
      sub.dispose();
      reject(new Error(`${what}: not within 15 s (last seen: ${last ? `${last.contextValue} · ${last.description}` : 'no such node'})`));
    }, 15_000);
    void check();
  });
}

/** The active tab once `predicate` holds of it (the tab model reaches the extension host after the command returns). */
function activeTabWhen(predicate: (t: vscode.Tab) => boolean, what: string): Promise<vscode.Tab> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
      if (!tab || !predicate(tab)) return false;
      clearTimeout(timer);
      sub.dispose();
      resolve(tab);
      return true;
    };
    const sub = vscode.window.tabGroups.onDidChangeTabs(() => void check());
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`${what}: not within 10 s (active tab: ${vscode.window.tabGroups.activeTabGroup.activeTab?.label ?? 'none'})`));
    }, 10_000);
    check();
  });
}

describe('Task worktrees in a real editor', function () {
  this.timeout(60_000);
  let configFile: string;
  let config: string;
  let task: Task;
  let dependent: Task;
  let baseReadme: string;

  before(async () => {
    const top = root();
    // The workspace as a repository whose main checkout is the workspace itself; the federation's files stay out of it.
    git(top, 'init', '-q', '-b', 'main');
    write(top, '.gitignore', '.federation/\n');
    write(top, 'worktree-fixture/old.txt', 'a file the task deletes\n');
    commitAll(top, 'the workspace');
    baseReadme = fs.readFileSync(path.join(top, 'README.md'), 'utf8');
    configFile = path.join(top, '.federation', 'config.yaml');
    config = fs.readFileSync(configFile, 'utf8');
    fs.writeFileSync(configFile, `${config.trimEnd()}\nworktrees:\n  enabled: true\n  ports: { from: 4300, size: 10 }\n`);
    await run('agentFederation.refresh');
  });

  after(async () => {
    fs.writeFileSync(configFile, config);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('a claim makes the task its worktree; the Task Queue shows its branch, then +ahead −behind and the uncommitted count', async () => {
    const a = await api();
    const added = await run<Task>('agentFederation.addTask', { title: 'Work in a worktree', skills: ['writing'] });
    dependent = await run<Task>('agentFederation.addTask', { title: 'After the worktree work', skills: ['writing'], dependsOn: [added.id] });
    task = await run<Task>('agentFederation.claimTask', { taskId: added.id, persona: 'writer' });
    const wt = task.worktree;
    assert.ok(wt, 'the claim recorded a worktree');
    assert.match(wt.branch, new RegExp(`^federation/${added.id}-work-in-a-worktree$`));
    assert.strictEqual(git(wt.path, 'rev-parse', '--abbrev-ref', 'HEAD'), wt.branch);
    assert.strictEqual(wt.portBase, 4300);

    const shown = await taskNodeWhen(a, task.id, (n) => n.description.includes(wt.branch), 'the branch in the Task Queue');
    assert.strictEqual(shown.contextValue, 'task:claimed:worktree');

    write(wt.path, 'README.md', `${baseReadme}\nChanged in the worktree.\n`);
    write(wt.path, 'docs/worktree-note.md', '# Written in the worktree\n');
    fs.rmSync(path.join(wt.path, 'worktree-fixture', 'old.txt'));
    commitAll(wt.path, 'the task\'s work');
    write(wt.path, 'scratch.txt', 'not committed yet\n');
    await run('agentFederation.refresh');
    const read = await taskNodeWhen(a, task.id, (n) => n.description.endsWith(`${wt.branch} +1 −0 · 1 uncommitted`), 'the git state in the Task Queue');
    assert.match(read.tooltip, /Git: 1 commit ahead of main, 0 behind; 1 uncommitted change/);
    const item = await a.taskQueueTree!.getTreeItem(read);
    assert.match(String(item.description), /\+1 −0 · 1 uncommitted$/);
  });

  it('the persona\'s terminal opens in the worktree of the task it holds, with its environment', async () => {
    const r = await run<{ terminal: vscode.Terminal; cwd: string; env: Record<string, string> }>('agentFederation.openPersonaTerminal', { persona: 'writer' });
    try {
      const options = r.terminal.creationOptions as vscode.TerminalOptions;
      assert.strictEqual(options.cwd, task.worktree!.path);
      assert.strictEqual(options.env?.FEDERATION_WORKTREE, task.worktree!.path);
      assert.strictEqual(options.env?.FEDERATION_PORT_BASE, '4300');
      assert.strictEqual(options.env?.FEDERATION_TASK, task.id);
      assert.strictEqual(options.env?.FEDERATION_ROOT, root());
      assert.strictEqual(options.env?.FEDERATION_PERSONA, 'writer');
    } finally {
      r.terminal.dispose();
    }
  });

  it('done with its branch unmerged, the task is awaiting review and its dependent stays blocked', async () => {
    const a = await api();
    await run('agentFederation.completeTask', { taskId: task.id, persona: 'writer' });
    await taskNodeWhen(a, task.id, (n) => n.contextValue === 'task:awaiting_review:worktree' && /^\S+ · awaiting review/.test(n.description), 'awaiting review');
    await taskNodeWhen(a, dependent.id, (n) => n.contextValue === 'task:queued:blocked', 'the dependent blocked');
  });

  it('Review Task Changes opens the changes editor: the merge base on the left (git show), the worktree on the right', async () => {
    const r = await run<{ title: string; files: { status: string; path: string }[]; resources: [vscode.Uri, vscode.Uri, vscode.Uri][] }>('agentFederation.reviewTaskChanges', { taskId: task.id });
    assert.deepStrictEqual(r.files.map((f) => `${f.status} ${f.path}`), ['A docs/worktree-note.md', 'M README.md', 'A scratch.txt', 'D worktree-fixture/old.txt']);
    const MultiDiff = (vscode as unknown as { TabInputTextMultiDiff?: new (...args: never[]) => { textDiffs: unknown[] } }).TabInputTextMultiDiff;
    // The editor adds the count to the title: "… (4 files)".
    const tab = await activeTabWhen((t) => (MultiDiff ? t.input instanceof MultiDiff : t.label.startsWith(r.title)), 'the changes editor');
    assert.ok(tab.label.startsWith(r.title), `the tab "${tab.label}" is the review's`);
    if (MultiDiff) assert.strictEqual((tab.input as { textDiffs: unknown[] }).textDiffs.length, 4);
    else assert.match(tab.label, /\(4 files\)$/);
    const byPath = new Map(r.files.map((f, i) => [f.path, r.resources[i]!]));
    const [readmeOnDisk, readmeBase, readmeNow] = byPath.get('README.md')!;
    assert.strictEqual(readmeBase.scheme, 'federation-git');
    assert.strictEqual((await vscode.workspace.openTextDocument(readmeBase)).getText(), baseReadme, 'the left side is the file at the merge base');
    assert.strictEqual(readmeNow.toString(), readmeOnDisk.toString());
    assert.strictEqual(readmeNow.fsPath, path.join(task.worktree!.path, 'README.md'));
    assert.strictEqual((await vscode.workspace.openTextDocument(byPath.get('scratch.txt')![1])).getText(), '', 'an added file has an empty left side');
    const [, deletedBase, deletedNow] = byPath.get('worktree-fixture/old.txt')!;
    assert.strictEqual((await vscode.workspace.openTextDocument(deletedBase)).getText(), 'a file the task deletes\n');
    assert.strictEqual((await vscode.workspace.openTextDocument(deletedNow)).getText(), '', 'a deleted file has an empty right side');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Accept (Merge) refuses uncommitted changes, then merges into the base: the task is merged and its dependent ready', async () => {
    const a = await api();
    await assert.rejects(run('agentFederation.mergeTask', { taskId: task.id }), (e: { reason?: string }) => e.reason === 'unsaved-work');
    assert.ok(fs.existsSync(task.worktree!.path), 'nothing was changed');
    const head = commitAll(task.worktree!.path, 'the scratch file too');
    const result = await run<{ merge: { commit: string; fastForward: boolean } }>('agentFederation.mergeTask', { taskId: task.id });
    assert.strictEqual(result.merge.fastForward, true);
    assert.strictEqual(git(root(), 'rev-parse', 'main'), head, 'main has the task\'s commits');
    assert.ok(fs.existsSync(path.join(root(), 'docs', 'worktree-note.md')), 'the main checkout follows the merge');
    assert.ok(!fs.existsSync(path.join(root(), 'worktree-fixture', 'old.txt')));
    const merged = await queueTask(task.id);
    assert.ok(merged.worktree?.mergedAt, 'the merge is recorded');
    assert.strictEqual(merged.worktree.mergeCommit, head);
    assert.ok(!fs.existsSync(task.worktree!.path), 'the worktree is removed');
    await taskNodeWhen(a, dependent.id, (n) => n.contextValue === 'task:queued', 'the dependent ready');
    await taskNodeWhen(a, task.id, (n) => n.contextValue === 'task:done', 'the task done, without worktree actions');
  });

  it('Discard asks first, naming what is lost; answered, it removes the worktree and branch and fails the done task', async () => {
    const a = await api();
    const added = await run<Task>('agentFederation.addTask', { title: 'Work to throw away', skills: ['writing'] });
    const claimed = await run<Task>('agentFederation.claimTask', { taskId: added.id, persona: 'writer' });
    const wt = claimed.worktree!;
    write(wt.path, 'throwaway.txt', 'committed\n');
    commitAll(wt.path, 'work nobody wants');
    write(wt.path, 'more.txt', 'not committed\n');
    await run('agentFederation.completeTask', { taskId: added.id, persona: 'writer' });
    // The node as the Task Queue's menu hands it over: from the UI, so the command asks.
    const node = await taskNodeWhen(a, added.id, (n) => n.contextValue === 'task:awaiting_review:worktree', 'awaiting review');

    const asked: { message: string; options: vscode.MessageOptions; items: string[] }[] = [];
    let answer: string | undefined;
    const original = vscode.window.showWarningMessage;
    (vscode.window as { showWarningMessage: unknown }).showWarningMessage = async (message: string, options: vscode.MessageOptions, ...items: string[]) => {
      asked.push({ message, options, items });
      return answer;
    };
    try {
      answer = undefined; // dismissed
      assert.strictEqual(await run('agentFederation.discardTaskWorktree', node), undefined);
      assert.ok(fs.existsSync(wt.path), 'nothing is removed without a yes');
      answer = 'Discard';
      await run('agentFederation.discardTaskWorktree', node);
    } finally {
      (vscode.window as { showWarningMessage: unknown }).showWarningMessage = original;
    }
    assert.strictEqual(asked.length, 2);
    const q = asked[1]!;
    assert.strictEqual(q.options.modal, true);
    assert.deepStrictEqual(q.items, ['Discard']);
    assert.match(q.message, /1 uncommitted change and 1 commit not on main/);
    assert.match(q.options.detail ?? '', new RegExp(`${added.id} is done: it fails`));
    assert.ok(!fs.existsSync(wt.path), 'the worktree is removed');
    assert.throws(() => git(root(), 'show-ref', '--verify', '--quiet', `refs/heads/${wt.branch}`), 'the branch is deleted');
    const failed = await queueTask(added.id);
    assert.strictEqual(failed.status, 'failed');
    assert.match(failed.failureReason ?? '', /changes discarded in review by /);
    assert.ok(failed.worktree?.removedAt);
  });
});
