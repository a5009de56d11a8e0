// CI matrix runs in a real editor: a run started with the Run Matrix command shows in the Runs view while it is in
// progress (live) and to completion, with every task of the plan; the config's problems reach the Problems panel;
// Generate Workflow writes the GitHub workflow.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { FederationExtensionApi } from '../../src/extension/extension';

interface Node {
  kind: string;
  label: string;
  description?: string;
  contextValue: string;
  children: Node[];
}

function root(): string {
  return vscode.workspace.workspaceFolders![0]!.uri.fsPath;
}

describe('Matrix runs in a real editor', function () {
  this.timeout(180_000);

  it('a run started from the command shows live in the Runs view and to completion', async () => {
    const api = await vscode.extensions.getExtension<FederationExtensionApi>('agent-federation.agent-federation')!.activate();
    const tree = api.runsTree!;
    const seen: string[] = [];
    // Record what the view shows at every change, to prove it was updated while the run was in progress.
    const sub = tree.onDidChangeTreeData!(async () => {
      const runs = ((await tree.getChildren()) ?? []) as Node[];
      if (runs[0]) seen.push(runs[0].contextValue);
    });
    const notices: Array<{ runId: string; severity: string; text: string; actions: string[] }> = [];
    const noticeSub = api.onDidShowRunEnd((n) => notices.push(n));
    let outcome: { runId: string; summary: { status: string; counts: { units: number; passed: number } } };
    try {
      outcome = (await vscode.commands.executeCommand('agentFederation.runMatrix', { maxParallel: 4 })) as typeof outcome;
    } finally {
      sub.dispose();
      noticeSub.dispose();
    }
    // Its end is one notification, as loud as the outcome, with the summary and the report's button.
    assert.strictEqual(notices.length, 1, JSON.stringify(notices));
    assert.strictEqual(notices[0]!.runId, outcome.runId);
    assert.strictEqual(notices[0]!.severity, outcome.summary.status === 'passed' ? 'information' : outcome.summary.status === 'failed' ? 'error' : 'warning');
    assert.ok(notices[0]!.text.includes(`${outcome.summary.counts.passed}/${outcome.summary.counts.units} passed`), notices[0]!.text);
    assert.ok(notices[0]!.actions.includes('Open Report'), notices[0]!.actions.join(', '));
    assert.ok(seen.includes('run:running'), `the view showed the run in progress (saw ${[...new Set(seen)].join(', ')})`);
    const runs = ((await tree.getChildren()) ?? []) as Node[];
    const latest = runs[0]!;
    assert.strictEqual(latest.contextValue, `run:${outcome.summary.status}`);
    const units = latest.children.flatMap((w) => w.children);
    assert.strictEqual(units.length, outcome.summary.counts.units, 'every unit of the plan is listed');
    assert.ok(units.every((u) => !/^unit:(pending|running)/.test(u.contextValue)), 'no unit is left pending or running');
    assert.ok(fs.existsSync(path.join(root(), '.federation', 'runs', outcome.runId, 'summary.json')));
  });

  it('the run report opens from the Runs view for a finished run', async () => {
    const api = await vscode.extensions.getExtension<FederationExtensionApi>('agent-federation.agent-federation')!.activate();
    const run = (((await api.runsTree!.getChildren()) ?? []) as (Node & { runId: string })[])[0];
    assert.ok(run && /^run:(passed|failed)$/.test(run.contextValue), 'a finished run is listed');
    const isReport = (t: vscode.Tab) => t.input instanceof vscode.TabInputWebview && t.label.startsWith('Run ');
    const allTabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs);
    // The inline action of a run item passes the item itself, as the menu does.
    await vscode.commands.executeCommand('agentFederation.showRunReport', run);
    // The tab model reaches the extension host asynchronously: wait for the tab event, not a fixed time.
    const report = await new Promise<vscode.Tab>((resolve, reject) => {
      const found = allTabs().find(isReport);
      if (found) return resolve(found);
      const timer = setTimeout(() => {
        sub.dispose();
        reject(new Error(`no run report tab (tabs: ${allTabs().map((t) => t.label).join(', ')})`));
      }, 20_000);
      const sub = vscode.window.tabGroups.onDidChangeTabs(() => {
        const tab = allTabs().find(isReport);
        if (!tab) return;
        clearTimeout(timer);
        sub.dispose();
        resolve(tab);
      });
    });
    assert.ok((report.input as vscode.TabInputWebview).viewType.endsWith('agentFederation.runReport'));
  });

  it('problems in the matrix config reach the Problems panel at the exact place', async () => {
    const file = path.join(root(), '.github', 'multi-agent-config.yml');
    const good = fs.readFileSync(file, 'utf8');
    const uri = vscode.Uri.file(file);
    try {
      const changed = new Promise<void>((resolve) => {
        const sub = vscode.languages.onDidChangeDiagnostics((e) => {
          if (e.uris.some((u) => u.fsPath === file) && vscode.languages.getDiagnostics(uri).some((d) => d.severity === vscode.DiagnosticSeverity.Error)) {
            sub.dispose();
            resolve();
          }
        });
      });
      // A priority that lists a task the config does not define.
      fs.writeFileSync(file, good.replace(/(\n\s+tasks:\s*\[)/, '$1no-such-task, '));
      await changed;
      const doc = await vscode.workspace.openTextDocument(uri);
      const error = vscode.languages.getDiagnostics(uri).find((d) => d.severity === vscode.DiagnosticSeverity.Error)!;
      assert.match(doc.getText(error.range), /no-such-task/);
    } finally {
      fs.writeFileSync(file, good);
    }
  });

  it('Generate GitHub Workflow writes the workflow file', async () => {
    const written = (await vscode.commands.executeCommand('agentFederation.generateWorkflow', { quiet: true })) as string;
    assert.strictEqual(written, path.join(root(), '.github', 'workflows', 'multi-agent-deploy.yml'));
    assert.match(fs.readFileSync(written, 'utf8'), /fail-fast: false/);
  });
});
