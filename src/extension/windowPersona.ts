// Which persona this window acts as ("I am research"), its heartbeat, and the status-bar item that shows it.
import * as vscode from 'vscode';
import { describeError } from '../core/errors';
import { FederationSnapshot, valueOr } from '../core/federation/snapshot';
import { FederationState } from './federationState';
import { Disposable } from './lifecycle';

const MEMENTO_KEY = 'agentFederation.windowPersona';

export class WindowPersona extends Disposable {
  private readonly emitter = this._register(new vscode.EventEmitter<string | undefined>());
  readonly onDidChange = this.emitter.event;
  private readonly item: vscode.StatusBarItem;
  private heartbeat: NodeJS.Timeout | undefined;
  private personaId: string | undefined;

  constructor(
    private readonly state: FederationState,
    private readonly memento: vscode.Memento,
    private readonly logger: vscode.LogOutputChannel,
  ) {
    super();
    this.item = this._register(vscode.window.createStatusBarItem('agentFederation.persona', vscode.StatusBarAlignment.Left, 50));
    this.item.name = 'Federation Persona';
    this.personaId = memento.get<string>(MEMENTO_KEY) || vscode.workspace.getConfiguration('agentFederation').get<string>('persona') || undefined;
    this._register(state.onDidChange((snap) => this.render(snap)));
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('agentFederation.heartbeat')) this.restartHeartbeat();
      }),
    );
    void state.snapshot().then((snap) => this.render(snap));
    this.restartHeartbeat();
  }

  get id(): string | undefined {
    return this.personaId;
  }

  async set(personaId: string | undefined): Promise<void> {
    this.personaId = personaId;
    await this.memento.update(MEMENTO_KEY, personaId);
    this.emitter.fire(personaId);
    this.restartHeartbeat();
    if (personaId) await this.beat();
    this.render(await this.state.snapshot());
  }

  private restartHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    if (!this.personaId) return;
    const seconds = Math.max(5, vscode.workspace.getConfiguration('agentFederation').get<number>('heartbeat.intervalSeconds', 30));
    // A timer that writes this window's own heartbeat; reading others' state is driven by the file watcher.
    this.heartbeat = setInterval(() => void this.beat(), seconds * 1000);
  }

  private async beat(): Promise<void> {
    if (!this.personaId) return;
    try {
      await this.state.fed.heartbeat(this.personaId);
      await this.state.fed.renewLocks(this.personaId, { ttlMinutes: vscode.workspace.getConfiguration('agentFederation').get<number>('locks.resourceTtlMinutes', 30) });
    } catch (e) {
      this.logger.warn(`heartbeat for ${this.personaId}: ${describeError(e)}`);
    }
  }

  private render(snap: FederationSnapshot): void {
    if (!snap.initialized) {
      this.item.hide();
      return;
    }
    const id = this.personaId;
    if (!id) {
      this.item.text = '$(account) Federation: who am I?';
      this.item.tooltip = 'Identify this window as a persona';
      this.item.command = 'agentFederation.identifyPersona';
    } else {
      const tasks = valueOr(snap.queue, { version: 1, revision: 0, nextId: 1, tasks: [] }).tasks;
      const open = tasks.filter((t) => t.assignee === id && (t.status === 'claimed' || t.status === 'in_progress' || t.status === 'handed_off'));
      this.item.text = `$(account) ${id} · ${open.length} open`;
      this.item.tooltip = open.length ? `${id}'s open tasks:\n${open.map((t) => `${t.id} ${t.title} (${t.status})`).join('\n')}` : `${id} has no open tasks. Click to claim the next one.`;
      this.item.command = open.length ? 'agentFederation.taskQueue.focus' : 'agentFederation.claimNextTask';
    }
    this.item.show();
  }

  override dispose(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    super.dispose();
  }
}
