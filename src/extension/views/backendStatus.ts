// A status bar item naming the federation's backend when it is NATS (servers and federation in the tooltip) and
// whether it is reachable: a warning while it is not, back to normal when it is. The file backend, the default,
// shows nothing: its state is the workspace's own folder.
import * as vscode from 'vscode';
import type { BackendStatus } from '../../core/federation/state/backend';
import type { FederationState } from '../federationState';
import { Disposable } from '../lifecycle';

export class BackendStatusItem extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem('agentFederation.backend', vscode.StatusBarAlignment.Left, 10));

  constructor(state: FederationState) {
    super();
    this.item.name = 'Federation Backend';
    this._register(state.onDidChangeStatus((s) => this.show(s)));
    const now = state.status;
    if (now) this.show(now);
  }

  private show(s: BackendStatus): void {
    if (s.kind !== 'nats') {
      this.item.hide();
      return;
    }
    if (s.state === 'connected') {
      this.item.text = '$(cloud) NATS';
      this.item.tooltip = `Federation state: ${s.where}, connected.`;
      this.item.backgroundColor = undefined;
    } else {
      this.item.text = '$(debug-disconnect) NATS disconnected';
      this.item.tooltip = `Federation state: ${s.where}: ${s.reason ?? 'no server answers'}. Changes wait for the servers and then fail without changing anything; the views reload when they are back.`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    }
    this.item.show();
  }
}
