// UI test: drives the browser editor (code-server 4.100.3 + headless Debian chromium) as a user would, with the
// extension under development loaded on a throwaway copy of demo/. Run with `npm run test:ui`.
// Screenshots: test-results/federation-*.png (and test-results/ui/failure-*.png when a test fails);
// logs: test-results/ui/ (browser console, code-server output, editor logs).
//
// Environment: FEDERATION_EXTENSION_PATH (default: this repository), FEDERATION_FIXTURE (default: demo/).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT, RESULTS_DIR, DEFAULT_FIXTURE, copyFixture, launchChromium, captureConsole, copyEditorLogs, startEditor,
  waitForWorkbench,
} from '../harness/editor.mjs';

const EXTENSION = process.env.FEDERATION_EXTENSION_PATH || ROOT;
const FIXTURE = process.env.FEDERATION_FIXTURE || DEFAULT_FIXTURE;
const LOG_DIR = join(RESULTS_DIR, 'ui');
const PERSONAS = ['Research', 'DevOps', 'Writer'];
// Tasks in the groups at the top of the view: the tree is virtualized, so rows scrolled out of sight are not in the page.
const TASKS = ['Survey vector databases', 'Write onboarding guide'];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('Federation UI in the browser editor', function () {
  this.timeout(60_000);
  this.slow(10_000);
  let ws;
  let editor;
  let browser;
  let page;
  let consoleLog;

  /** The sidebar pane whose header title is `title` (e.g. "Personas"). */
  const viewPane = (title) => page.locator('.part.sidebar .pane').filter({
    has: page.locator('.pane-header h3.title', { hasText: new RegExp(`^\\s*${escape(title)}\\s*$`, 'i') }),
  });
  const treeRow = (pane, label) => pane.locator('.monaco-list-row', { hasText: label }).first();
  /** Waits for a row labelled `label` in view `title`; on timeout fails with the rows that are there. */
  async function expectRow(title, label, timeout = 30_000) {
    const pane = viewPane(title);
    try {
      await treeRow(pane, label).waitFor({ timeout });
    } catch {
      const rows = await pane.locator('.monaco-list-row')
        .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') || e.textContent || '')).catch(() => []);
      assert.fail(`"${label}" is not shown in the ${title} view after ${timeout / 1000} s; ` +
        `rows: ${rows.length ? rows.map((r) => JSON.stringify(r.replace(/\s+/g, ' '))).join(', ') : '(none)'}`);
    }
  }
  const quickInput = () => page.locator('.quick-input-widget');

  async function openFederation() {
    const item = page.locator('.part.activitybar a.action-label[aria-label^="Federation"]');
    await item.waitFor({ timeout: 60_000 });
    if (!(await viewPane('Personas').isVisible())) {
      await item.click();
      await page.mouse.move(700, 600); // no hover tooltip in the screenshots
    }
    await viewPane('Personas').waitFor({ timeout: 20_000 });
  }

  async function runFromPalette(label) {
    await page.keyboard.press('F1');
    const input = quickInput().locator('input');
    await input.waitFor({ timeout: 10_000 });
    await input.fill(`>${label}`);
    const row = quickInput().locator('.monaco-list-row', { hasText: label }).first();
    await row.waitFor({ timeout: 10_000 });
    return row;
  }

  before(async function () {
    this.timeout(300_000); // the first run may install code-server (about a minute)
    const main = join(EXTENSION, 'dist', 'extension.js');
    if (EXTENSION === ROOT && !existsSync(main)) throw new Error(`${main} is missing: run \`node scripts/build.mjs\` first`);
    mkdirSync(LOG_DIR, { recursive: true });
    ws = copyFixture(FIXTURE, 'federation-ui-');
    editor = await startEditor({ logFile: join(LOG_DIR, 'code-server.log'), workDir: join(ws.dir, '..', 'editor') });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    consoleLog = captureConsole(page, join(LOG_DIR, 'browser-console.log'));
    await page.goto(editor.editorUrl({ folder: ws.dir, extensionDevelopmentPath: EXTENSION }), { waitUntil: 'domcontentloaded' });
    await waitForWorkbench(page);
  });

  afterEach(async function () {
    if (page && this.currentTest?.state === 'failed') {
      const slug = this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
      await page.screenshot({ path: join(LOG_DIR, `failure-${slug}.png`) }).catch(() => {});
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
    ws?.cleanup();
  });

  it('has a Federation item in the activity bar that opens the Federation views', async () => {
    await openFederation();
    await viewPane('Task Queue').waitFor({ timeout: 20_000 });
    const title = await page.locator('.part.sidebar .composite.title').innerText();
    assert.match(title, /federation/i);
  });

  it('shows the fixture personas in the Personas view', async () => {
    await openFederation();
    for (const name of PERSONAS) await expectRow('Personas', name);
  });

  it('shows the fixture tasks in the Task Queue view', async () => {
    await openFederation();
    for (const title of TASKS) await expectRow('Task Queue', title);
    await page.screenshot({ path: join(RESULTS_DIR, 'federation-sidebar.png') });
  });

  it('runs "Federation: Refresh" from the command palette', async () => {
    await openFederation();
    const row = await runFromPalette('Federation: Refresh');
    await page.screenshot({ path: join(RESULTS_DIR, 'federation-command-palette.png') });
    await row.click();
    await quickInput().waitFor({ state: 'hidden', timeout: 10_000 });
    // The views still show the fixture after the refresh.
    await expectRow('Personas', PERSONAS[0], 15_000);
    await expectRow('Task Queue', TASKS[0], 15_000);
  });

  it('starts "Federation: Add Task", which asks for input, and Escape cancels it', async () => {
    await openFederation();
    const row = await runFromPalette('Federation: Add Task');
    await row.click();
    // The command asks for the task in a quick input (a new one replaces the palette).
    await page.waitForFunction(() => {
      const w = document.querySelector('.quick-input-widget');
      const input = w?.querySelector('input');
      return !!w && getComputedStyle(w).display !== 'none' && !!input && !input.value.startsWith('>');
    }, null, { timeout: 15_000 });
    await page.screenshot({ path: join(RESULTS_DIR, 'federation-add-task.png') });
    await page.keyboard.press('Escape');
    await quickInput().waitFor({ state: 'hidden', timeout: 10_000 });
    // Cancelling added nothing: the queue shows the same rows.
    const rows = await viewPane('Task Queue').locator('.monaco-list-row').allInnerTexts();
    for (const title of TASKS) assert.ok(rows.some((r) => r.includes(title)), `task "${title}" is gone: ${rows.join(' | ')}`);
  });
});
