// Shared pieces of the real-editor harness and the UI tests: a throwaway copy of the fixture workspace,
// code-server with the extension under development, headless Debian chromium via playwright-core, and log capture.
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, createWriteStream, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  ROOT, CODE_SERVER_VERSION, installCodeServer, isInstalled, startCodeServer,
} from '../../scripts/code-server.mjs';

export { ROOT };
export const RESULTS_DIR = join(ROOT, 'test-results');
import { refreshDemo } from '../../scripts/prepare-demo.mjs';

export const DEFAULT_FIXTURE = join(ROOT, 'demo');
export const RESULTS_ENV = 'FEDERATION_TEST_RESULTS';

/** Chromium: $CHROMIUM_PATH, else Debian's /usr/bin/chromium. Never playwright's own download. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
  '--disable-features=Translate,MediaRouter,OptimizationHints', '--no-default-browser-check',
];

/** Copies a fixture folder to a fresh temp folder (tests mutate it; the committed fixture stays untouched). */
export function copyFixture(fixture = DEFAULT_FIXTURE, prefix = 'federation-workspace-') {
  if (!existsSync(fixture)) throw new Error(`fixture workspace ${fixture} does not exist`);
  const base = mkdtempSync(join(tmpdir(), prefix));
  const dest = join(base, 'workspace');
  cpSync(fixture, dest, { recursive: true });
  // A federation fixture gets fresh heartbeats and lock expiries, so it shows what a live federation shows.
  refreshDemo(dest);
  return { dir: dest, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

export async function ensureCodeServer(version = CODE_SERVER_VERSION) {
  if (!isInstalled(version)) {
    console.error(`[harness] code-server ${version} is not installed yet; installing (about a minute)…`);
    await installCodeServer({ quiet: true, version });
  }
}

/** Launches headless chromium through playwright-core. */
export async function launchChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  const { chromium } = await import('playwright-core');
  // Chromium keeps its crash database under $XDG_CONFIG_HOME/chromium whatever the profile: use a temp home.
  const xdg = mkdtempSync(join(tmpdir(), 'federation-chromium-'));
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000,
    env: { ...process.env, XDG_CONFIG_HOME: join(xdg, 'config'), XDG_CACHE_HOME: join(xdg, 'cache') },
  }).catch((e) => { rmSync(xdg, { recursive: true, force: true }); throw e; });
  browser.on('disconnected', () => rmSync(xdg, { recursive: true, force: true }));
  process.on('exit', () => rmSync(xdg, { recursive: true, force: true }));
  return browser;
}

/** Writes every console message, page error and failed request of `page` to `file`. */
export function captureConsole(page, file) {
  mkdirSync(resolve(file, '..'), { recursive: true });
  const out = createWriteStream(file, { flags: 'w' });
  const t = () => new Date().toISOString();
  // The workbench styles its log lines ("%c INFO color: #33f %s…"): drop the styling.
  const clean = (s) => s.replace(/%c\s*/g, '').replace(/\bcolor: #[0-9a-f]{3,6}\s*/gi, '').replace(/%s/g, '');
  page.on('console', (m) => out.write(`${t()} [${m.type()}] ${clean(m.text())}\n`));
  page.on('pageerror', (e) => out.write(`${t()} [pageerror] ${e.stack ?? e.message}\n`));
  page.on('requestfailed', (r) => out.write(`${t()} [requestfailed] ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}\n`));
  page.on('crash', () => out.write(`${t()} [crash] page crashed\n`));
  return { close: () => new Promise((r) => out.end(r)) };
}

/** Copies the editor's own logs (extension host, server, window) from the user-data dir to `dest`. */
export function copyEditorLogs(userDataDir, dest) {
  const logs = join(userDataDir, 'logs');
  if (!existsSync(logs)) return [];
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  cpSync(logs, dest, { recursive: true });
  const found = [];
  const walk = (d) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p); else found.push(p);
    }
  };
  walk(dest);
  return found;
}

/**
 * Starts code-server (env goes to the server and, through it, to the extension host) and returns it with a
 * function that builds the URL opening `folder` with the extension under development (and optionally tests).
 */
export async function startEditor({ env = {}, logFile, workDir, settings, disableWorkspaceTrust = true, version } = {}) {
  await ensureCodeServer(version);
  return startCodeServer({ env, logFile, workDir, settings, disableWorkspaceTrust, version });
}

/**
 * User settings under which a fresh folder opens in Restricted Mode (workspace untrusted) without a modal: trust
 * is on (code-server started without --disable-workspace-trust), nothing is trusted yet in the throwaway user-data
 * dir, and the startup prompt that would ask is off. Checked with code-server 4.100.3: the folder opens untrusted
 * and vscode.workspace.isTrusted is false in the extension host, extension tests included.
 */
export const UNTRUSTED_SETTINGS = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'security.workspace.trust.emptyWindow': false,
  'security.workspace.trust.untrustedFiles': 'newWindow',
};

/** Waits until the workbench is rendered (and, when asked, the "[Extension Development Host]" title). */
export async function waitForWorkbench(page, { timeoutMs = 90_000, devHost = true } = {}) {
  await page.waitForSelector('.monaco-workbench', { timeout: timeoutMs });
  if (devHost) {
    await page.waitForFunction(() => document.title.includes('Extension Development Host'), null, { timeout: timeoutMs });
  }
}

export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }
