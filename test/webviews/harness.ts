// Serves the report pages the way a webview gets them (the extension's own HTML and CSP, the production bundles)
// from a local HTTP server, with a stub acquireVsCodeApi that records what the page posts, and drives them in
// headless Debian chromium through playwright-core. Used by the browser tests and by bench/webviews.ts.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { exportHtml, makeNonce, pageHtml } from '../../src/core/reports/html';
import type { PageMessage, PanelKind, PanelModel } from '../../src/core/reports/protocol';
import { THEMES, type ThemeName } from '../../src/core/reports/themes';

/** out/test/webviews → the repository. */
export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const RESULTS = path.join(ROOT, 'test-results', 'webviews');
export const CHROMIUM = process.env['CHROMIUM_PATH'] || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

interface Bundle {
  js: string;
  css: string;
}

let bundles: Promise<Record<string, Bundle>> | undefined;

/** The production bundles, built in memory with the options scripts/build.mjs uses. */
export function buildBundles(): Promise<Record<string, Bundle>> {
  bundles ??= (async () => {
    const esbuild = await import('esbuild');
    const mod = (await import(pathToFileURL(path.join(ROOT, 'scripts', 'build-webviews.mjs')).href)) as {
      webviewBundles(root: string, o: { production: boolean; outdir: string }): Array<Record<string, unknown>>;
    };
    const out: Record<string, Bundle> = {};
    for (const options of mod.webviewBundles(ROOT, { production: true, outdir: path.join(ROOT, '.tmp', 'webviews-test') })) {
      const result = await esbuild.build({ ...(options as object), write: false });
      for (const f of result.outputFiles) {
        const name = path.basename(f.path).replace(/\.(js|css)$/, '');
        out[name] ??= { js: '', css: '' };
        if (f.path.endsWith('.js')) out[name]!.js = f.text;
        if (f.path.endsWith('.css')) out[name]!.css = f.text;
      }
    }
    return out;
  })();
  return bundles;
}

/**
 * Injected before the bundle, as VS Code's webview host does: acquireVsCodeApi (once only), state kept in
 * sessionStorage (a reload restores it), the theme's variables on <html> and its class on <body>, and a record of
 * CSP violations.
 */
function stub(theme: ThemeName): string {
  const t = THEMES[theme];
  return `(() => {
  window.__posted = []; window.__violations = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__violations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample }));
  let acquired = false;
  let state = JSON.parse(sessionStorage.getItem('vscode-state') || 'null');
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
    acquired = true;
    return Object.freeze({
      postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
      getState: () => state,
      setState: (s) => { state = s; sessionStorage.setItem('vscode-state', JSON.stringify(s)); return s; },
    });
  };
  const vars = ${JSON.stringify(t.vars)};
  for (const k of Object.keys(vars)) document.documentElement.style.setProperty(k, vars[k]);
  document.body.classList.add(${JSON.stringify(t.bodyClass)});
  document.body.setAttribute('data-vscode-theme-kind', ${JSON.stringify(t.bodyClass)});
})();`;
}

export interface PageServer {
  origin: string;
  /** Every path requested, in order: an XSS payload that loads anything shows up here. */
  requests: string[];
  /** Exported HTML documents to serve at /export/<name>.html. */
  exports: Map<string, string>;
  close(): Promise<void>;
}

export async function startServer(): Promise<PageServer> {
  const b = await buildBundles();
  const requests: string[] = [];
  const exports = new Map<string, string>();
  let origin = '';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    // The browser asks for a favicon by itself; not the page's doing.
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    requests.push(url.pathname);
    const send = (type: string, body: string) => {
      res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
      res.end(body);
    };
    const page = /^\/panel\/(run|agent|dashboard)\.html$/.exec(url.pathname);
    const asset = /^\/dist\/(run|agent|dashboard)\.(js|css)$/.exec(url.pathname);
    const exported = /^\/export\/([\w-]+)\.html$/.exec(url.pathname);
    if (page) {
      const kind = page[1] as PanelKind;
      const theme = (url.searchParams.get('theme') ?? 'dark') as ThemeName;
      const nonce = makeNonce();
      // The extension's HTML, with the host's stub added under the same nonce just before the bundle.
      const html = pageHtml({ kind, title: kind, cspSource: origin, nonce, scriptUri: `${origin}/dist/${kind}.js`, styleUri: `${origin}/dist/${kind}.css` })
        .replace(`<script nonce="${nonce}" src=`, `<script nonce="${nonce}">${stub(theme in THEMES ? theme : 'dark')}</script>\n<script nonce="${nonce}" src=`);
      return send('text/html', html);
    }
    if (asset) return send(asset[2] === 'js' ? 'text/javascript' : 'text/css', b[asset[1]!]![asset[2] as 'js' | 'css']);
    if (exported && exports.has(exported[1]!)) return send('text/html', exports.get(exported[1]!)!);
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    requests,
    exports,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export async function exportDocument(kind: PanelKind, model: PanelModel): Promise<string> {
  const b = (await buildBundles())[kind]!;
  return exportHtml({ kind, title: `${kind} report`, model, script: b.js, css: b.css });
}

export interface BrowserSession {
  browser: Browser;
  close(): Promise<void>;
}

export async function launch(): Promise<BrowserSession> {
  const { chromium } = await import('playwright-core');
  // Chromium keeps its crash database under $XDG_CONFIG_HOME whatever the profile: a temp home per launch.
  const xdg = mkdtempSync(path.join(tmpdir(), 'webviews-chromium-'));
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000,
    env: { ...process.env, XDG_CONFIG_HOME: path.join(xdg, 'config'), XDG_CACHE_HOME: path.join(xdg, 'cache') },
  }).catch((e: unknown) => {
    rmSync(xdg, { recursive: true, force: true });
    throw e;
  });
  return {
    browser,
    close: async () => {
      await browser.close().catch(() => undefined);
      rmSync(xdg, { recursive: true, force: true });
    },
  };
}

export interface PanelPage {
  page: Page;
  context: BrowserContext;
  dialogs: string[];
  consoleErrors: string[];
  posted(): Promise<PageMessage[]>;
  send(message: unknown): Promise<void>;
  /** Waits (bounded) for the page to post a message matching `pred`. */
  waitForPosted(pred: (m: PageMessage) => boolean, timeoutMs?: number): Promise<PageMessage>;
  violations(): Promise<Array<{ directive: string; blocked: string; sample: string }>>;
  close(): Promise<void>;
}

export async function openPanel(
  session: BrowserSession,
  server: PageServer,
  kind: PanelKind,
  options: { theme?: ThemeName; width?: number; height?: number; url?: string } = {},
): Promise<PanelPage> {
  const context = await session.browser.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 900 }, deviceScaleFactor: 1 });
  // Nothing but the local server: any other request would be a page reaching out.
  await context.route(/^(?!http:\/\/127\.0\.0\.1:)/, (route) => route.abort());
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const dialogs: string[] = [];
  const consoleErrors: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => undefined);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  await page.goto(options.url ?? `${server.origin}/panel/${kind}.html?theme=${options.theme ?? 'dark'}`, { waitUntil: 'load', timeout: 15_000 });
  const posted = () => page.evaluate(() => (window as unknown as { __posted: PageMessage[] }).__posted ?? []);
  const panel: PanelPage = {
    page,
    context,
    dialogs,
    consoleErrors,
    posted,
    send: (message) => page.evaluate((m) => window.postMessage(m, '*'), message as object),
    async waitForPosted(pred, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = (await posted()).find(pred);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`the page posted no matching message within ${timeoutMs} ms; it posted: ${JSON.stringify((await posted()).map((m) => m.type))}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    violations: () => page.evaluate(() => (window as unknown as { __violations: Array<{ directive: string; blocked: string; sample: string }> }).__violations ?? []),
    close: () => context.close(),
  };
  return panel;
}

/** Opens a panel, waits for `ready`, sends `init` and waits for the render to be reported. */
export async function showModel(session: BrowserSession, server: PageServer, model: PanelModel, options: Parameters<typeof openPanel>[3] = {}): Promise<PanelPage> {
  const p = await openPanel(session, server, model.kind, options);
  await p.waitForPosted((m) => m.type === 'ready');
  await p.send({ type: 'init', model });
  await p.waitForPosted((m) => m.type === 'rendered');
  return p;
}

export function texts(page: Page, selector: string): Promise<string[]> {
  return page.$$eval(selector, (els) => els.map((e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim()));
}

/**
 * After each page test: a full-page screenshot when it failed, then no console errors and no CSP violations
 * (the check every page test shares), then the page is closed.
 */
export async function finishPage(p: PanelPage | undefined, test: Mocha.Test | undefined): Promise<void> {
  if (!p) return;
  try {
    if (test?.state === 'failed') {
      await p.page.screenshot({ path: path.join(RESULTS, `failure-${test.title.replace(/\W+/g, '-').slice(0, 60)}.png`), fullPage: true }).catch(() => undefined);
    }
    assert.deepEqual(p.consoleErrors, [], 'no console errors');
    assert.deepEqual(await p.violations(), [], 'no CSP violations');
  } finally {
    await p.close();
  }
}

/**
 * The hooks every page suite needs: one page server and one browser for the suite, and after each test the page
 * the test left (`take` hands it over and forgets it) checked for console errors and CSP violations, or only closed.
 */
export function useBrowser(take: () => PanelPage | undefined, options: { check: boolean }): { readonly server: PageServer; readonly session: BrowserSession } {
  let server: PageServer | undefined;
  let session: BrowserSession | undefined;
  before(async () => {
    server = await startServer();
    session = await launch();
  });
  after(async () => {
    await session?.close();
    await server?.close();
  });
  afterEach(async function () {
    const page = take();
    if (options.check) await finishPage(page, this.currentTest);
    else await page?.close();
  });
  return {
    get server(): PageServer {
      assert.ok(server, 'the page server is not started yet (useBrowser’s before hook has not run)');
      return server;
    },
    get session(): BrowserSession {
      assert.ok(session, 'the browser is not launched yet (useBrowser’s before hook has not run)');
      return session;
    },
  };
}
