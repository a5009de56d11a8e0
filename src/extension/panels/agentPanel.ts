// The agent report panel: one per agent (or per report file). While the agent runs it refreshes its status and
// log every few seconds (only when visible); its report appearing in the output folder refreshes it too.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AgentReportModel } from '../../core/reports/protocol';
import { PanelEnv, ReportPanel, VIEW_TYPES } from './base';
import { toDisposable } from '../lifecycle';
import { AgentRef, deliverablePath, loadAgent, LoadedAgent } from '../../core/reports/data';

const POLL_MS = 3000;

export function agentKey(ref: AgentRef): string {
  return 'agentId' in ref ? `id:${ref.agentId}` : `file:${ref.reportPath}`;
}

export class AgentReportPanel extends ReportPanel<'agent'> {
  private loaded: LoadedAgent | undefined;
  private poll: ReturnType<typeof setInterval> | undefined;

  private constructor(panel: vscode.WebviewPanel, env: PanelEnv, readonly ref: AgentRef, loaded: LoadedAgent | undefined) {
    super('agent', panel, env, loaded?.model);
    this.loaded = loaded;
    if ('agentId' in ref && env.root) {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.join(env.root, '.federation', 'agents', ref.agentId, 'output')), '*.json'));
      watcher.onDidCreate(() => this.scheduleUpdate(300));
      watcher.onDidChange(() => this.scheduleUpdate(300));
      this._register(watcher);
    }
    if (loaded) this.afterLoad(loaded.model);
    this._register(toDisposable(() => this.stopPolling()));
  }

  static async create(env: PanelEnv, ref: AgentRef): Promise<AgentReportPanel> {
    const loaded = await loadAgent(env.fs, env.root ?? '', ref, await env.agents());
    const panel = vscode.window.createWebviewPanel(VIEW_TYPES.agent, title(ref, loaded.model), vscode.ViewColumn.Active, {});
    return new AgentReportPanel(panel, env, ref, loaded);
  }

  static restore(env: PanelEnv, panel: vscode.WebviewPanel, ref: AgentRef): AgentReportPanel {
    return new AgentReportPanel(panel, env, ref, undefined);
  }

  protected async load(): Promise<AgentReportModel> {
    this.loaded = await loadAgent(this.env.fs, this.env.root ?? '', this.ref, await this.env.agents());
    this.panel.title = title(this.ref, this.loaded.model);
    return this.loaded.model;
  }

  protected override afterLoad(model: AgentReportModel): void {
    if (model.live && !this.poll) {
      this.poll = setInterval(() => {
        if (this.panel.visible) this.scheduleUpdate(0);
      }, POLL_MS);
    } else if (!model.live) {
      this.stopPolling();
    }
  }

  private stopPolling(): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = undefined;
  }

  protected async handle(msg: Parameters<ReportPanel<'agent'>['handle']>[0]): Promise<void> {
    const loaded = this.loaded;
    if (!loaded) return;
    switch (msg.type) {
      case 'openDeliverable': {
        const d = loaded.model.report?.deliverables[msg.index];
        if (!d) throw new Error('No such deliverable.');
        // Only a plain file inside the output folder: an agent could plant a link to anything.
        const file = await deliverablePath(this.env.fs, loaded.outputDir, d.path);
        if (!file) throw new Error(`${d.path} is not a plain file inside the agent's output folder; not opened.`);
        await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file), { preview: true, viewColumn: vscode.ViewColumn.Beside });
        return;
      }
      case 'openBrief':
        if (!loaded.briefFile) throw new Error('The brief of this agent is not available.');
        await vscode.window.showTextDocument(vscode.Uri.file(loaded.briefFile), { preview: true, viewColumn: vscode.ViewColumn.Beside });
        return;
      case 'openOutput':
        await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(loaded.outputDir));
        return;
    }
  }
}

function title(ref: AgentRef, model: AgentReportModel): string {
  return 'agentId' in ref ? `Agent ${ref.agentId}` : `Report ${model.title}`;
}
