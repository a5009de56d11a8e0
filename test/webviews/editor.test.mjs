// The panels inside a real editor (code-server 4.100.3 = VS Code 1.100.3, headless Debian chromium): the webview's
// real CSP source, asWebviewUri resources, the ready/init handshake, a click in the page opening a log in the
// editor, and the serializer bringing the panel back after a window reload.
//
// registerPanels is loaded through a throwaway extension made here (extension.ts does not call it yet): a bundle
// of src/extension/panels plus the page bundles, in a temp folder. Run after `node scripts/build.mjs`:
//   mocha --no-config --timeout 300000 test/webviews/editor.test.mjs
// Screenshots: test-results/webviews/editor-*.png; logs: test-results/webviews/editor/.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { ROOT, captureConsole, copyEditorLogs, launchChromium, startEditor, waitForWorkbench } from '../harness/editor.mjs';

const require = createRequire(import.meta.url);
const RESULTS = join(ROOT, 'test-results', 'webviews');
const LOG_DIR = join(RESULTS, 'editor');

/** The throwaway extension: package.json with the three commands, the bundled panels, the page bundles, media/. */
async function makeExtension(dir) {
  const { buildBundles } = require(join(ROOT, 'out', 'test', 'webviews', 'harness.js'));
  mkdirSync(join(dir, 'dist', 'webviews'), { recursive: true });
  for (const [name, b] of Object.entries(await buildBundles())) {
    writeFileSync(join(dir, 'dist', 'webviews', `${name}.js`), b.js);
    writeFileSync(join(dir, 'dist', 'webviews', `${name}.css`), b.css);
  }
  cpSync(join(ROOT, 'media'), join(dir, 'media'), { recursive: true });
  await esbuild.build({
    stdin: {
      contents: `
        import * as vscode from 'vscode';
        import { registerPanels } from './src/extension/panels';
        import { nodeFileSystem } from './src/node/fs';
        export function activate(context) {
          const log = vscode.window.createOutputChannel('Panels test', { log: true });
          const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
          registerPanels(context, { log, ports: { fs: nodeFileSystem, env: process.env }, root, snapshot: async () => undefined, agents: async () => undefined });
        }`,
      resolveDir: ROOT, loader: 'ts',
    },
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], outfile: join(dir, 'extension.js'), logLevel: 'warning',
  });
  const commands = [['showRunReport', 'Show Run Report'], ['showAgentReport', 'Show Agent Report'], ['showDashboard', 'Show Dashboard']];
  writeFileSync(join(dir, 'package.json'), JSON.stringify({
    name: 'af-panels-test', publisher: 'test', version: '0.0.1', engines: { vscode: '^1.90.0' }, main: './extension.js',
    activationEvents: ['onStartupFinished', 'onWebviewPanel:agentFederation.runReport', 'onWebviewPanel:agentFederation.agentReport', 'onWebviewPanel:agentFederation.dashboard'],
    contributes: { commands: commands.map(([id, title]) => ({ command: `agentFederation.${id}`, title, category: 'Federation' })) },
  }, null, 2));
}

/** A workspace with one finished run (plan, task results, logs, summary). */
function makeWorkspace(dir) {
  const { makeRun } = require(join(ROOT, 'out', 'test', 'fixtures', 'webviews', 'runs.js'));
  const run = makeRun({ units: 24, waves: 3, agents: 4, failEvery: 6 });
  const runDir = join(dir, '.federation', 'runs', run.summary.runId);
  mkdirSync(join(runDir, 'tasks'), { recursive: true });
  mkdirSync(join(runDir, 'logs'), { recursive: true });
  writeFileSync(join(runDir, 'plan.json'), JSON.stringify(run.plan));
  writeFileSync(join(runDir, 'summary.json'), JSON.stringify(run.summary));
  for (const t of run.tasks) {
    writeFileSync(join(runDir, 'tasks', `${t.unit}.json`), JSON.stringify(t));
    writeFileSync(join(runDir, 'logs', `${t.unit}.log`), `=== ${t.unit} attempt 1/1 in ${t.module}: ${t.command} (${t.startedAt})\nrunning ${t.unit}\n${t.status === 'passed' ? 'ok' : 'FAILED: 3 errors'}\n`);
  }
  const { agentRecord, BRIEF } = require(join(ROOT, 'out', 'test', 'fixtures', 'webviews', 'models.js'));
  const record = agentRecord();
  const agentDir = join(dir, '.federation', 'agents', record.id);
  mkdirSync(join(agentDir, 'output'), { recursive: true });
  mkdirSync(join(agentDir, 'brief'), { recursive: true });
  writeFileSync(join(agentDir, 'brief', 'MISSION_BRIEF.md'), BRIEF);
  writeFileSync(join(agentDir, 'output', 'review.md'), '# Review\n\nEvery file has a verdict.\n');
  writeFileSync(join(agentDir, 'output', 'agent-report.json'), JSON.stringify({
    status: 'succeeded', summary: 'Reviewed every file.', startedAt: '2026-11-21T09:10:02Z', finishedAt: '2026-11-21T09:23:10Z',
    deliverables: [{ path: 'review.md', description: 'The review' }], metrics: { filesReviewed: 42 },
  }));
  writeFileSync(join(dir, '.federation', 'agents.json'), JSON.stringify({ version: 1, revision: 1, agents: [record] }));
  return run;
}

describe('report panels in the real editor (code-server)', function () {
  this.timeout(180_000);
  let base;
  let editor;
  let browser;
  let page;
  let consoleLog;
  let run;

  const quickInput = () => page.locator('.quick-input-widget');
  /** Runs a command from the palette; retried, because the palette lists only what was registered when it opened. */
  async function runCommand(label, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await page.keyboard.press('F1');
      const input = quickInput().locator('input');
      await input.waitFor({ timeout: 15_000 });
      await input.fill(`>${label}`);
      const row = quickInput().locator('.monaco-list-row', { hasText: label }).first();
      try {
        await row.waitFor({ timeout: 3000 });
        await row.click();
        return;
      } catch (e) {
        await page.keyboard.press('Escape');
        if (Date.now() > deadline) throw e;
      }
    }
  }
  /** The page inside the webview: VS Code nests it in two iframes. */
  const webview = () => page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');

  before(async function () {
    this.timeout(300_000);
    mkdirSync(LOG_DIR, { recursive: true });
    base = mkdtempSync(join(tmpdir(), 'panels-editor-'));
    const ext = join(base, 'extension');
    const ws = join(base, 'workspace');
    mkdirSync(ws, { recursive: true });
    await makeExtension(ext);
    run = makeWorkspace(ws);
    editor = await startEditor({ logFile: join(LOG_DIR, 'code-server.log'), workDir: join(base, 'editor') });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    consoleLog = captureConsole(page, join(LOG_DIR, 'browser-console.log'));
    await page.goto(editor.editorUrl({ folder: ws, extensionDevelopmentPath: ext }), { waitUntil: 'domcontentloaded' });
    await waitForWorkbench(page);
  });

  afterEach(async function () {
    if (page && this.currentTest?.state === 'failed') {
      await page.screenshot({ path: join(LOG_DIR, `failure-${this.currentTest.title.replace(/\W+/g, '-').slice(0, 50)}.png`) }).catch(() => {});
    }
  });

  after(async function () {
    this.timeout(30_000);
    await browser?.close().catch(() => {});
    await consoleLog?.close();
    if (editor) {
      await editor.stop();
      copyEditorLogs(editor.userDataDir, join(LOG_DIR, 'logs'));
    }
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it('opens the latest run from the command palette and renders it under the webview CSP', async () => {
    await runCommand('Federation: Show Run Report');
    const h1 = webview().locator('h1 .run-id');
    await h1.waitFor({ timeout: 30_000 });
    assert.equal(await h1.textContent(), run.summary.runId);
    assert.equal(await webview().locator('svg.timeline rect.bar[data-i]').count() > 0, true);
    // The stylesheet came through asWebviewUri: the tiles are laid out as a grid, not as plain blocks.
    assert.equal(await webview().locator('.tiles').evaluate((el) => getComputedStyle(el).display), 'grid');
    await page.mouse.move(5, 5);
    await page.screenshot({ path: join(RESULTS, 'editor-run-report.png') });
  });

  it('opens a task log in the editor when a row is clicked', async () => {
    const failed = run.tasks.find((t) => t.status === 'failed');
    await webview().locator(`table.tasks tbody tr[data-unit="${failed.unit}"]`).click();
    const tab = page.locator('.tabs-container .tab', { hasText: `${failed.unit}.log` });
    await tab.waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(RESULTS, 'editor-run-report-log.png') });
  });

  it('brings the panel back after a window reload', async () => {
    // The log editor opened beside the report; close its tab so the reloaded window shows the panel alone.
    const logTab = page.locator('.tabs-container .tab', { hasText: '.log' });
    await logTab.hover();
    await logTab.locator('.action-label.codicon-close, .codicon-close').first().click();
    await logTab.waitFor({ state: 'detached', timeout: 10_000 });
    await webview().locator('h1 .run-id').waitFor({ timeout: 10_000 });
    // The editor saves its layout (and the webview's state) as it goes and on shutdown: give it a moment, then
    // reload the way a person does, which runs the shutdown.
    await page.waitForTimeout(2000);
    const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 30_000 });
    await runCommand('Developer: Reload Window');
    await navigated;
    await waitForWorkbench(page);
    const h1 = webview().locator('h1 .run-id');
    await h1.waitFor({ timeout: 60_000 });
    assert.equal(await h1.textContent(), run.summary.runId);
  });

  it('follows the editor\'s theme (dark, then high contrast) through the --vscode-* variables', async () => {
    for (const [theme, bodyClass, shot] of [['Dark Modern', 'vscode-dark', 'editor-run-report-dark.png'], ['Dark High Contrast', 'vscode-high-contrast', 'editor-run-report-hc.png']]) {
      // As a person would: the theme picker, then the theme's name.
      await runCommand('Preferences: Color Theme');
      const input = quickInput().locator('input');
      await input.fill(theme);
      await quickInput().locator('.monaco-list-row', { hasText: theme }).first().waitFor({ timeout: 10_000 });
      await page.keyboard.press('Enter');
      await webview().locator(`body.${bodyClass}`).waitFor({ state: 'attached', timeout: 30_000 });
      const [fg, bg] = await webview().locator('body').evaluate((b) => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]);
      assert.notEqual(fg, bg);
      assert.match(await webview().locator('html').evaluate((h) => h.style.getPropertyValue('--vscode-charts-green')), /#|rgb/);
      await page.mouse.move(5, 5);
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(RESULTS, shot) });
    }
  });

  it('shows an agent report (from the records and the output folder, no engine) and opens a deliverable', async () => {
    await runCommand('View: Close All Editors');
    await runCommand('Federation: Show Agent Report');
    const input = quickInput().locator('input');
    await input.fill('reviewer-1a2b3c');
    await page.keyboard.press('Enter');
    await webview().locator('h1').filter({ hasText: 'Agent reviewer-1a2b3c' }).waitFor({ timeout: 30_000 });
    assert.match(await webview().locator('#mission').textContent(), /Read every file of the project/);
    assert.equal(await webview().locator('#report .summary').textContent(), 'Reviewed every file.');
    await webview().locator('table.deliverables button').first().click();
    await page.locator('.tabs-container .tab', { hasText: 'review.md' }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(RESULTS, 'editor-agent-report.png') });
  });

  it('shows the dashboard', async () => {
    await runCommand('View: Close All Editors');
    await runCommand('Federation: Show Dashboard');
    await webview().locator('h1').filter({ hasText: 'Federation' }).waitFor({ timeout: 30_000 });
    // This throwaway host passes no snapshot: the agents come from agents.json, the run from .federation/runs.
    assert.equal(await webview().locator('#agents li[data-agent="reviewer-1a2b3c"]').count(), 1);
    assert.equal(await webview().locator('#runs li').count(), 1);
    await page.screenshot({ path: join(RESULTS, 'editor-dashboard.png') });
  });
});
