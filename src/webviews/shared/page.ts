/// <reference lib="dom" />
// The page side of the protocol: acquire the VS Code API, restore the saved view settings, post `ready`, render on
// `init`/`update`. In an exported HTML file there is no VS Code: the model is embedded in the page instead and
// actions that need the extension are hidden.
import { ModelOf, PageMessageOf, PageState, PanelKind, isModelOf, isPageState, parseHostMessage } from '../../core/reports/protocol';
import { h } from './dom';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare const acquireVsCodeApi: (() => VsCodeApi) | undefined;

export interface PageContext<K extends PanelKind> {
  readonly kind: K;
  /** False in an exported file: nothing to send messages to. */
  readonly connected: boolean;
  post(message: PageMessageOf<K>): void;
  /** A view setting (sort, filter…), kept across reloads with setState. */
  ui<T>(key: string, fallback: T): T;
  setUi(key: string, value: unknown): void;
  notice(level: 'info' | 'error', text: string): void;
}

export interface PageHandlers<K extends PanelKind> {
  render(model: ModelOf<K>, reason: 'init' | 'update'): void;
}

/** An exported page has no VS Code theme: follow the system's light or dark preference. */
function themeClassForExport(): void {
  const b = document.body.classList;
  if (/(^|\s)vscode-/.test(document.body.className)) return;
  const dark = typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
  b.add(dark ? 'vscode-dark' : 'vscode-light');
}

export function startPage<K extends PanelKind>(kind: K, handlers: (ctx: PageContext<K>) => PageHandlers<K>): PageContext<K> {
  const api = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : undefined;
  const saved = api?.getState();
  const state: PageState = isPageState(saved) && saved.kind === kind ? { kind, ref: saved.ref, ui: { ...(saved.ui ?? {}) } } : { kind, ref: {}, ui: {} };
  const noticeBox = h('div', { class: 'notices', role: 'status', aria: { live: 'polite' } });
  document.body.prepend(noticeBox);

  const ctx: PageContext<K> = {
    kind,
    connected: api !== undefined,
    post: (m) => api?.postMessage(m),
    ui: <T>(key: string, fallback: T): T => (state.ui && key in state.ui ? (state.ui[key] as T) : fallback),
    setUi: (key, value) => {
      state.ui = { ...(state.ui ?? {}), [key]: value };
      api?.setState(state);
    },
    notice: (level, text) => {
      const n = h('div', { class: `notice ${level}` }, h('span', null, text), h('button', { type: 'button', class: 'link', title: 'Dismiss', on: { click: () => n.remove() } }, '×'));
      noticeBox.appendChild(n);
      // Errors stay until dismissed; information goes away by itself.
      if (level === 'info') setTimeout(() => n.remove(), 6000);
    },
  };
  const page = handlers(ctx);
  const show = (model: ModelOf<K>, reason: 'init' | 'update') => {
    state.ref = model.ref as Record<string, unknown>;
    api?.setState(state);
    document.body.classList.remove('loading');
    try {
      page.render(model, reason);
    } catch (e) {
      ctx.notice('error', `This report could not be shown: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  if (!api) {
    document.body.classList.add('exported');
    themeClassForExport();
    const embedded = document.getElementById('af-model');
    try {
      const model: unknown = embedded?.textContent ? JSON.parse(embedded.textContent) : undefined;
      if (isModelOf(kind, model)) show(model, 'init');
    } catch {
      ctx.notice('error', 'The report data in this file is damaged.');
    }
    return ctx;
  }

  window.addEventListener('message', (ev: MessageEvent) => {
    const msg = parseHostMessage(kind, ev.data);
    if (!msg) return;
    if (msg.type === 'notice') ctx.notice(msg.level, msg.text);
    else show(msg.model, msg.type);
  });
  api.postMessage({ type: 'ready' });
  return ctx;
}

/** Times `fn` including the layout it causes, and reports it to the extension. */
export function timed<K extends PanelKind>(ctx: PageContext<K>, section: string, items: number, fn: () => Element): number {
  const t0 = performance.now();
  const el = fn();
  // Reading a layout property forces style and layout now, so the figure includes them.
  void el.getBoundingClientRect().height;
  const ms = performance.now() - t0;
  ctx.post({ type: 'rendered', section, ms: Math.round(ms * 100) / 100, items } as PageMessageOf<K>);
  return ms;
}
