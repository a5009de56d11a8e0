// What every report panel shares: the webview's options and HTML (fresh CSP nonce per render), the ready/init
// handshake, validated messages from the page, debounced updates and disposal.
import * as vscode from 'vscode';
import type { FederationSnapshot } from '../../core/federation/snapshot';
import { ModelOf, PageMessageOf, PanelKind, parsePageMessage } from '../../core/reports/protocol';
import type { AgentSource } from '../../core/reports/data';
import { makeNonce, pageHtml } from '../../core/reports/html';
import { describeError } from '../../core/errors';
import type { FileSystem } from '../../core/ports';
import { Disposable } from '../lifecycle';

export const VIEW_TYPES: Record<PanelKind, string> = {
  run: 'agentFederation.runReport',
  agent: 'agentFederation.agentReport',
  dashboard: 'agentFederation.dashboard',
};

export interface PanelEnv {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  /** The disk the runs and the agents' folders are read from. */
  fs: FileSystem;
  root: string | undefined;
  snapshot(): Promise<FederationSnapshot | undefined>;
  agents(): Promise<AgentSource | undefined>;
  /** Opens another report (the dashboard links to agents and runs, a run to other runs). */
  show(kind: 'run' | 'agent', arg: unknown): Promise<void>;
}

/** Scripts are needed by every panel (they render from the model); resources only from media/ and the bundles. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    enableFindWidget: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'dist', 'webviews')],
  };
}

export function htmlFor(kind: PanelKind, webview: vscode.Webview, extensionUri: vscode.Uri, title: string): string {
  const asset = (ext: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webviews', `${kind}.${ext}`)).toString();
  return pageHtml({ kind, title, cspSource: webview.cspSource, nonce: makeNonce(), scriptUri: asset('js'), styleUri: asset('css') });
}

type Action<K extends PanelKind> = Exclude<PageMessageOf<K>, { type: 'ready' | 'refresh' | 'rendered' }>;

export abstract class ReportPanel<K extends PanelKind> extends Disposable {
  protected model: ModelOf<K> | undefined;
  private ready = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private loading: Promise<void> | undefined;
  private again = false;
  private readonly onDisposeListeners: Array<() => void> = [];

  protected constructor(
    readonly kind: K,
    readonly panel: vscode.WebviewPanel,
    protected readonly env: PanelEnv,
    initial: ModelOf<K> | undefined,
  ) {
    super();
    this.model = initial;
    panel.webview.options = webviewOptions(env.context.extensionUri);
    panel.iconPath = vscode.Uri.joinPath(env.context.extensionUri, 'media', 'federation.svg');
    panel.webview.html = htmlFor(kind, panel.webview, env.context.extensionUri, panel.title);
    this._register(panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)));
    this._register(panel.onDidDispose(() => this.dispose()));
    this._register(
      panel.onDidChangeViewState(() => {
        if (panel.visible) this.onVisible();
      }),
    );
  }

  /** The model last loaded: what the page was given, or is given once it is ready. */
  get shown(): ModelOf<K> | undefined {
    return this.model;
  }

  onDidDispose(listener: () => void): void {
    this.onDisposeListeners.push(listener);
  }

  /** Reads the model afresh. */
  protected abstract load(): Promise<ModelOf<K>>;
  /** The panel's own actions; the page's message has been validated. */
  protected abstract handle(message: Action<K>): Promise<void>;
  protected onVisible(): void {
    // A hidden webview is torn down and posts `ready` again when shown: that reloads it.
  }
  protected afterLoad(_model: ModelOf<K>): void {
    // Panels start or stop their live updates here.
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  /** Reloads soon; calls within `ms` of each other make one reload. */
  scheduleUpdate(ms = 400): void {
    if (this.isDisposed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reload('update'), ms);
  }

  /** One load at a time; a request during a load runs once more afterwards. */
  protected async reload(type: 'init' | 'update'): Promise<void> {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      try {
        const model = await this.load();
        if (this.isDisposed) return;
        this.model = model;
        this.afterLoad(model);
        if (this.ready) await this.post({ type, model });
      } catch (e) {
        const text = describeError(e);
        this.env.log.warn(`${this.kind} panel: ${text}`);
        if (this.ready) await this.post({ type: 'notice', level: 'error', text });
      }
    })();
    try {
      await this.loading;
    } finally {
      this.loading = undefined;
    }
    if (this.again && !this.isDisposed) {
      this.again = false;
      await this.reload('update');
    }
  }

  protected post(message: { type: 'init' | 'update'; model: ModelOf<K> } | { type: 'notice'; level: 'info' | 'error'; text: string }): Thenable<boolean> {
    return this.isDisposed ? Promise.resolve(false) : this.panel.webview.postMessage(message);
  }

  protected notice(level: 'info' | 'error', text: string): void {
    void this.post({ type: 'notice', level, text });
  }

  private async receive(raw: unknown): Promise<void> {
    const msg = parsePageMessage(this.kind, raw);
    if (!msg) {
      // A page only sends what the protocol lists: anything else is a bug or a compromised page, never acted on.
      this.env.log.warn(`${this.kind} panel: ignored a malformed message from the page`);
      return;
    }
    switch (msg.type) {
      case 'ready':
        this.ready = true;
        // Fresh data on every (re)load of the page; the model loaded for opening the panel is used once.
        if (this.model && !this.sentInitial) {
          this.sentInitial = true;
          await this.post({ type: 'init', model: this.model });
        } else {
          await this.reload('init');
        }
        return;
      case 'refresh':
        await this.reload('update');
        return;
      case 'rendered':
        this.env.log.debug(`${this.kind} panel: ${msg.section} rendered ${msg.items} item(s) in ${msg.ms.toFixed(1)} ms`);
        return;
    }
    try {
      await this.handle(msg as Action<K>);
    } catch (e) {
      const text = describeError(e);
      this.env.log.warn(`${this.kind} panel: ${msg.type}: ${text}`);
      this.notice('error', text);
    }
  }
  private sentInitial = false;

  override dispose(): void {
    if (this.isDisposed) return;
    clearTimeout(this.timer);
    super.dispose();
    this.panel.dispose();
    for (const l of this.onDisposeListeners.splice(0)) l();
  }
}
