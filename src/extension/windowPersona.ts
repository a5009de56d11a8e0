// Which persona this window acts as ("I am research"), its heartbeat, and the status-bar item that shows it.
import * as vscode from 'vscode';
import { PersonaPresence } from '../core/federation/presence';
import { systemTimers } from '../core/ports';
import { FederationSnapshot, valueOr } from '../core/federation/snapshot';
import { FederationState } from './federationState';
import { Disposable } from './lifecycle';

const MEMENTO_KEY = 'agentFederation.windowPersona';

export class WindowPersona extends Disposable {
  private readonly emitter = this._register(new vscode.EventEmitter<string | undefined>());
  readonly onDidChange = this.emitter.event;
  private readonly item: vscode.StatusBarItem;
  private presence: PersonaPresence | undefined;
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
    this.presence?.stop();
    this.presence = undefined;
    if (!this.personaId) return;
    const config = vscode.workspace.getConfiguration('agentFederation');
    // This window's own heartbeat; reading others' state is driven by the file watcher.
    this.presence = new PersonaPresence(this.state.fed, this.personaId, {
      intervalSeconds: config.get<number>('heartbeat.intervalSeconds', 30),
      ttlMinutes: config.get<number>('locks.resourceTtlMinutes', 30),
      logger: this.logger,
      timers: systemTimers,
    });
    void this.presence.start();
  }

  private async beat(): Promise<void> {
    await this.presence?.beat();
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
    this.presence?.stop();
    super.dispose();
  }
}
