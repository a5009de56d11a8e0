// The federation dashboard: a single panel, refreshed when the state files change.
import * as vscode from 'vscode';
import { valueOr } from '../../core/federation/snapshot';
import { listRuns } from '../../core/matrix/results';
import type { DashboardModel } from '../../core/reports/protocol';
import { PanelEnv, ReportPanel, VIEW_TYPES } from './base';
import { readAgentRecords, withTimeout } from '../../core/reports/data';
import { dashboardModel } from '../../core/reports/models';
import { describeError } from '../../core/errors';

export class DashboardPanel extends ReportPanel<'dashboard'> {
  private constructor(panel: vscode.WebviewPanel, env: PanelEnv, initial: DashboardModel | undefined) {
    super('dashboard', panel, env, initial);
    if (env.root) {
      const watcher = vscode.workspace.createFileSystemWatcher(
        new vscode.RelativePattern(vscode.Uri.file(env.root), '.federation/{personas.json,queue.json,queue.journal,calendar.json,agents.json,locks/*,runs/*/summary.json}'));
      const changed = () => this.scheduleUpdate(500);
      watcher.onDidCreate(changed);
      watcher.onDidChange(changed);
      watcher.onDidDelete(changed);
      this._register(watcher);
    }
  }

  static async create(env: PanelEnv): Promise<DashboardPanel> {
    const model = await loadDashboard(env);
    const panel = vscode.window.createWebviewPanel(VIEW_TYPES.dashboard, 'Federation Dashboard', vscode.ViewColumn.Active, {});
    return new DashboardPanel(panel, env, model);
  }

  static restore(env: PanelEnv, panel: vscode.WebviewPanel): DashboardPanel {
    return new DashboardPanel(panel, env, undefined);
  }

  protected load(): Promise<DashboardModel> {
    return loadDashboard(this.env);
  }

  protected async handle(msg: Parameters<ReportPanel<'dashboard'>['handle']>[0]): Promise<void> {
    switch (msg.type) {
      case 'openAgent':
        await this.env.show('agent', msg.id);
        return;
      case 'openRun':
        await this.env.show('run', msg.runId);
        return;
      case 'openHandoff': {
        // The document comes from the queue as the extension reads it, never from the page.
        const snap = await this.env.snapshot();
        const task = snap ? valueOr(snap.queue, { version: 1, revision: 0, nextId: 1, tasks: [] }).tasks.find((t) => t.id === msg.taskId) : undefined;
        if (!task?.handoff) throw new Error(`Task ${msg.taskId} has no handoff.`);
        await vscode.commands.executeCommand('agentFederation.openHandoff', { handoffDocument: task.handoff.document });
        return;
      }
    }
  }
}

export async function loadDashboard(env: PanelEnv): Promise<DashboardModel> {
  const root = env.root ?? '';
  const [snapshot, runs, source] = await Promise.all([env.snapshot(), root ? listRuns(env.fs, root).catch(() => []) : [], env.agents()]);
  let agents: Awaited<ReturnType<NonNullable<typeof source>['list']>> | undefined;
  if (source) {
    try {
      agents = await withTimeout(source.list(), 5000, 'The Docker engines');
    } catch (e) {
      env.log.debug(`dashboard: agents from the records only (${describeError(e)})`);
    }
  }
  const records = agents ? undefined : root ? await readAgentRecords(env.fs, root).catch(() => []) : [];
  const offline = vscode.workspace.getConfiguration('agentFederation').get<number>('heartbeat.offlineAfterSeconds', 120) * 1000;
  return dashboardModel({
    snapshot, root, runs, ...(agents ? { agents } : {}), ...(records ? { records } : {}),
    offlineAfterMs: snapshot?.config.ok ? Math.min(offline, snapshot.config.value.heartbeat.offlineAfterSeconds * 1000) : offline,
  });
}
