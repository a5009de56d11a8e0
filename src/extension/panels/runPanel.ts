// The run report panel: one per run; follows a run in progress through its folder (results and logs appear as
// units finish) and a ticker for the elapsed time; opens logs, the config, other runs; reruns failed tasks;
// exports Markdown and self-contained HTML.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { listRuns, RUNS_DIR } from '../../core/matrix/results';
import type { RunReportModel } from '../../core/reports/protocol';
import { PanelEnv, ReportPanel, VIEW_TYPES } from './base';
import { toDisposable } from '../lifecycle';
import { loadRun, LoadedRun, unitLogPath } from '../../core/reports/data';
import { exportHtml } from '../../core/reports/html';
import { runReportMarkdown } from '../../core/reports/models';
import { requireTrust } from '../trust';
import { describeError } from '../../core/errors';

const TICK_MS = 2000;
const SAFE_ARG = /^[A-Za-z0-9_.\-/ ]+$/;

export class RunReportPanel extends ReportPanel<'run'> {
  private loaded: LoadedRun | undefined;
  private watcher: vscode.FileSystemWatcher | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;

  private constructor(panel: vscode.WebviewPanel, env: PanelEnv, private runId: string, loaded: LoadedRun | undefined) {
    super('run', panel, env, loaded?.model);
    this.loaded = loaded;
    this.watch();
    if (loaded) this.afterLoad(loaded.model);
    this._register(toDisposable(() => this.stopLive()));
  }

  get currentRunId(): string {
    return this.runId;
  }

  static async create(env: PanelEnv, root: string, runId: string): Promise<RunReportPanel> {
    // Load first: a run that cannot be read gets an error message, not an empty panel.
    const loaded = await loadRun(env.fs, root, runId);
    const panel = vscode.window.createWebviewPanel(VIEW_TYPES.run, title(runId), vscode.ViewColumn.Active, {});
    return new RunReportPanel(panel, env, runId, loaded);
  }

  static restore(env: PanelEnv, panel: vscode.WebviewPanel, runId: string): RunReportPanel {
    panel.title = title(runId);
    return new RunReportPanel(panel, env, runId, undefined);
  }

  private get root(): string {
    if (!this.env.root) throw new Error('Run reports need an open folder.');
    return this.env.root;
  }

  protected async load(): Promise<RunReportModel> {
    this.loaded = await loadRun(this.env.fs, this.root, this.runId);
    return this.loaded.model;
  }

  /** Results and logs land in the run folder as units finish: each change is an update. */
  private watch(): void {
    this.watcher?.dispose();
    if (!this.env.root) return;
    const dir = vscode.Uri.file(path.join(this.env.root, RUNS_DIR, this.runId));
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(dir, '{summary.json,tasks/*.json,logs/*.log}'));
    const changed = () => {
      if (this.model?.live || this.model?.status === 'incomplete') this.scheduleUpdate(500);
    };
    this.watcher.onDidCreate(changed);
    this.watcher.onDidChange(changed);
    this._register(this.watcher);
  }

  protected override afterLoad(model: RunReportModel): void {
    if (model.live && !this.ticker) {
      // Running bars grow with the clock even when no file changes.
      this.ticker = setInterval(() => {
        if (this.panel.visible) this.scheduleUpdate(0);
      }, TICK_MS);
    } else if (!model.live) {
      this.stopLive();
    }
  }

  private stopLive(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  /** Shows another run in this panel. */
  async navigate(runId: string): Promise<void> {
    const loaded = await loadRun(this.env.fs, this.root, runId);
    this.runId = runId;
    this.loaded = loaded;
    this.model = loaded.model;
    this.panel.title = title(runId);
    this.watch();
    this.afterLoad(loaded.model);
    await this.post({ type: 'update', model: loaded.model });
  }

  protected async handle(msg: Parameters<ReportPanel<'run'>['handle']>[0]): Promise<void> {
    const loaded = this.loaded;
    switch (msg.type) {
      case 'openLog': {
        if (!loaded || !loaded.model.tasks.some((t) => t.unit === msg.unit && t.hasLog)) throw new Error(`No log for "${msg.unit}" in this run.`);
        const file = unitLogPath(this.root, this.runId, msg.unit, loaded.tasks);
        if (!file) throw new Error(`The log of "${msg.unit}" is not inside the run folder; not opened.`);
        await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true, viewColumn: vscode.ViewColumn.Beside });
        return;
      }
      case 'openConfig': {
        const config = loaded?.summary.configFile;
        const file = config ? path.resolve(this.root, config) : undefined;
        if (!file || path.relative(this.root, file).startsWith('..')) throw new Error('The run names no config file inside the workspace.');
        await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
        return;
      }
      case 'openRun':
        await this.env.show('run', msg.runId);
        return;
      case 'export':
        await this.export(msg.format);
        return;
      case 'rerunFailed':
        await this.rerunFailed();
        return;
    }
  }

  private async export(format: 'markdown' | 'html'): Promise<void> {
    const model = this.model;
    if (!model) return;
    const ext = format === 'markdown' ? 'md' : 'html';
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(path.join(this.root, `matrix-run-${model.runId}.${ext}`)),
      filters: format === 'markdown' ? { Markdown: ['md'] } : { HTML: ['html'] },
      title: `Export run ${model.runId} as ${format === 'markdown' ? 'Markdown' : 'HTML'}`,
    });
    if (!target) return;
    let text: string;
    if (format === 'markdown') {
      text = runReportMarkdown(model);
    } else {
      const read = async (name: string) => new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(this.env.context.extensionUri, 'dist', 'webviews', name)));
      text = exportHtml({ kind: 'run', title: `Matrix run ${model.runId}`, model, script: await read('run.js'), css: await read('run.css') });
    }
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    this.notice('info', `Exported to ${target.fsPath}`);
    this.env.log.info(`run ${model.runId}: exported ${format} to ${target.fsPath}`);
  }

  /** Runs the failed tasks again with the federation CLI (a task in the terminal panel), then shows the new run. */
  private async rerunFailed(): Promise<void> {
    const loaded = this.loaded;
    if (!loaded) return;
    requireTrust('Rerunning tasks');
    const failed = loaded.model.tasks.filter((t) => (t.status === 'failed' || t.status === 'timed_out') && t.blocking);
    const ids = [...new Set(failed.map((t) => t.task))];
    if (!ids.length) throw new Error('No task failed in this run.');
    const config = loaded.summary.configFile;
    if (![config, ...ids].every((a) => SAFE_ARG.test(a) && !a.startsWith('-'))) throw new Error('A task id or the config path has characters a command line would misread; run it from the CLI.');
    const pick = await vscode.window.showInformationMessage(
      `Run ${ids.length} failed task(s) again: ${ids.slice(0, 6).join(', ')}${ids.length > 6 ? '…' : ''}?`, { modal: true }, 'Rerun');
    if (pick !== 'Rerun') return;
    // The Runs view's commands run in the editor with progress and live updates; the CLI is the fallback. They
    // are not awaited: they return when the whole run is over, and the new run's report opens as it starts.
    const before = new Set((await listRuns(this.env.fs, this.root)).map((r) => r.runId));
    const commands = await vscode.commands.getCommands(true);
    const failedToStart = (e: unknown) => {
      this.env.log.warn(`rerun of ${this.runId}: ${describeError(e)}`);
      this.notice('error', `The rerun did not start: ${describeError(e)}`);
    };
    if (commands.includes('agentFederation.rerunFailed')) {
      vscode.commands.executeCommand('agentFederation.rerunFailed', { runId: this.runId }).then(undefined, failedToStart);
    } else if (commands.includes('agentFederation.runMatrix')) {
      vscode.commands.executeCommand('agentFederation.runMatrix', { only: ids }).then(undefined, failedToStart);
    } else {
      const cli = path.join(this.env.context.extensionUri.fsPath, 'dist', 'cli.js');
      const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.fsPath === this.root) ?? vscode.TaskScope.Workspace;
      // ProcessExecution: arguments go to the process as they are, no shell to quote for.
      const exec = new vscode.ProcessExecution(process.execPath, [cli, 'matrix', 'run', '--config', config, '--only', ...ids], {
        cwd: this.root,
        env: { ELECTRON_RUN_AS_NODE: '1' },
      });
      const task = new vscode.Task({ type: 'process', command: process.execPath }, folder, `Rerun failed tasks of ${this.runId}`, 'federation', exec);
      await vscode.tasks.executeTask(task);
    }
    void this.openNextRun(before);
  }

  /** Waits (up to 30 s) for the rerun's folder to appear and opens its report. */
  private async openNextRun(before: Set<string>): Promise<void> {
    for (let i = 0; i < 60; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const fresh = (await listRuns(this.env.fs, this.root).catch(() => [])).find((r) => !before.has(r.runId));
      if (fresh) {
        await this.env.show('run', fresh.runId);
        return;
      }
    }
  }
}

function title(runId: string): string {
  return `Run ${runId.length > 24 ? `${runId.slice(0, 23)}…` : runId}`;
}
