// The run report page in headless chromium, under the extension's CSP, fed through the message protocol.
import * as assert from 'node:assert/strict';
import { duration, percent, times } from '../../src/core/reports/format';
import type { RunReportModel } from '../../src/core/reports/protocol';
import { liveRunModel, runModel } from '../fixtures/webviews/models';
import { exportDocument, openPanel, PanelPage, showModel, texts, useBrowser } from './harness';

describe('run report page (chromium)', function () {
  this.timeout(60_000);
  let p: PanelPage | undefined;
  const browser = useBrowser(() => {
    const page = p;
    p = undefined;
    return page;
  }, { check: true });
  const model: RunReportModel = runModel({ units: 40, waves: 3, agents: 4 });


  it('says ready first, then shows the header figures from the model', async () => {
    p = await showModel(browser.session, browser.server, model);
    assert.equal((await p.posted())[0]!.type, 'ready');
    const page = p.page;
    assert.equal(await page.textContent('h1 .run-id'), model.runId);
    assert.equal(await page.getAttribute('.title-row .badge[data-status]', 'data-status'), 'failed');
    const tile = (id: string) => page.textContent(`.tile[data-metric="${id}"] .value`);
    assert.equal(await tile('total'), duration(model.metrics.totalMs));
    assert.equal(await tile('success'), percent(model.metrics.successRate));
    assert.equal(await tile('throughput'), `${model.metrics.throughputPerMinute.toFixed(1)}/min`);
    assert.equal(await tile('speedup'), times(model.metrics.speedup));
    assert.equal(await tile('efficiency'), percent(model.metrics.efficiency));
    assert.equal(await tile('critical'), duration(model.metrics.criticalPathMs));
    assert.match((await page.textContent('#origin'))!, /Started by alice on local processes/);
    assert.match((await page.textContent('#counts'))!, new RegExp(`${model.counts.passed}/${model.counts.units} passed`));
  });

  it('draws every attempt as a bar of one SVG, on lanes grouped by wave, with setup and leader steps', async () => {
    p = await showModel(browser.session, browser.server, model);
    const page = p.page;
    assert.equal(await page.locator('svg.timeline').count(), 1);
    const expected = model.tasks.reduce((n, t) => n + (t.startMs === null ? 0 : Math.max(1, t.attemptSpans.length)), 0);
    assert.equal(await page.locator('svg.timeline rect.bar[data-i]').count(), expected);
    assert.equal(await page.locator('svg.timeline rect.bar.retry').count(), model.tasks.reduce((n, t) => n + Math.max(0, t.attemptSpans.length - 1), 0));
    assert.equal(await page.locator('svg.timeline rect.phase-setup').count(), 1);
    assert.equal(await page.locator('svg.timeline rect.phase-plan, svg.timeline rect.phase-report').count(), 2);
    const labels = await texts(page, 'svg.timeline .row-label.strong');
    assert.deepEqual(labels.slice(2).map((l) => l.split(' · ')[0]), model.waves.map((w) => `W${w.index + 1}`));
    const lanes = await texts(page, 'svg.timeline .row-label:not(.strong)');
    assert.equal(lanes.length, model.waves.reduce((n, w) => n + w.lanes, 0));
    // Colours follow the status: a blocking failure's last attempt is red.
    const failed = model.tasks.findIndex((t) => t.status === 'failed' && t.blocking);
    const cls = await page.locator(`svg.timeline rect.bar[data-i="${failed}"]:not(.retry)`).getAttribute('class');
    assert.match(cls!, /s-failed/);
    const widths = await page.$$eval('svg.timeline rect.bar[data-i]', (els) => els.map((e) => Number(e.getAttribute('width'))));
    assert.ok(widths.every((w) => w > 0));
    assert.equal(await page.locator('svg.timeline line.critical').count(), 1);
  });

  it('shows a task in a tooltip on hover and asks for its log on click', async () => {
    p = await showModel(browser.session, browser.server, model);
    const i = model.tasks.findIndex((t) => t.status === 'timed_out');
    const bar = p.page.locator(`svg.timeline rect.bar[data-i="${i}"]:not(.retry)`);
    await bar.hover();
    const tip = p.page.locator('.tooltip');
    await tip.waitFor({ state: 'visible', timeout: 5000 });
    const text = (await tip.textContent())!;
    assert.ok(text.includes(model.tasks[i]!.unit));
    assert.match(text, /Statustimed out/);
    assert.ok(text.includes(model.tasks[i]!.reason!));
    await bar.click();
    const m = await p.waitForPosted((x) => x.type === 'openLog');
    assert.deepEqual(m, { type: 'openLog', unit: model.tasks[i]!.unit });
  });

  it('lists failures first, with retries and warnings marked', async () => {
    p = await showModel(browser.session, browser.server, model);
    const statuses = await p.page.$$eval('table.tasks tbody tr', (rows) => rows.map((r) => r.getAttribute('data-status')));
    assert.equal(statuses.length, model.tasks.length);
    const blocking = model.tasks.filter((t) => (t.status === 'failed' || t.status === 'timed_out') && t.blocking).length;
    assert.ok(blocking > 1);
    assert.ok(statuses.slice(0, blocking).every((s) => s === 'failed' || s === 'timed_out'), `first ${blocking}: ${statuses.slice(0, blocking).join(',')}`);
    assert.ok(statuses.slice(blocking).every((s) => s !== 'timed_out'));
    const warning = p.page.locator('table.tasks tbody tr .st.warning', { hasText: 'allowed' });
    assert.equal(await warning.count(), model.counts.allowedFailures);
    assert.equal(await p.page.locator('table.tasks tbody tr .icon-retry').count(), model.counts.retried);
    // Passed units come last.
    assert.equal(statuses[statuses.length - 1], 'passed');
  });

  it('sorts by a column and filters by status, module and text', async () => {
    p = await showModel(browser.session, browser.server, model);
    const page = p.page;
    const durations = () => page.$$eval('table.tasks tbody tr td:nth-child(6)', (tds) => tds.map((td) => td.textContent ?? ''));
    await page.click('th[data-key="duration"] button');
    assert.equal(await page.getAttribute('th[data-key="duration"]', 'aria-sort'), 'ascending');
    const asc = model.tasks.map((t) => t.durationMs).sort((a, b) => a - b).map(duration);
    assert.deepEqual(await durations(), asc);
    await page.click('th[data-key="duration"] button');
    assert.equal(await page.getAttribute('th[data-key="duration"]', 'aria-sort'), 'descending');
    assert.deepEqual(await durations(), [...asc].reverse());

    await page.selectOption('#filter-status', 'failures');
    const rows = await page.$$eval('table.tasks tbody tr', (trs) => trs.map((r) => r.getAttribute('data-status')));
    assert.equal(rows.length, model.tasks.filter((t) => t.blocking).length);
    assert.ok(rows.every((s) => s === 'failed' || s === 'timed_out'));

    await page.selectOption('#filter-status', 'all');
    await page.selectOption('#filter-module', 'docs');
    const modules = await texts(page, 'table.tasks tbody tr td:nth-child(3)');
    assert.equal(modules.length, model.tasks.filter((t) => t.module === 'docs').length);
    assert.ok(modules.every((m) => m === 'docs'));

    await page.selectOption('#filter-module', '');
    await page.fill('#filter-text', 'shard');
    await page.waitForFunction((n) => document.querySelectorAll('table.tasks tbody tr').length === n, model.tasks.filter((t) => t.unit.includes('shard')).length, { timeout: 5000 });
    assert.match((await page.textContent('#row-count'))!, /shown · 40 in all/);
  });

  it('compares with the previous run and shows the trend of the config', async () => {
    p = await showModel(browser.session, browser.server, model);
    const c = model.comparison!;
    assert.ok(c.newlyFailing.length > 0 && c.fixed.length > 0);
    assert.deepEqual(await texts(p.page, '#compare .newly-failing li .mono'), c.newlyFailing.map((f) => f.unit));
    assert.deepEqual(await texts(p.page, '#compare .fixed li .mono'), c.fixed);
    assert.deepEqual(await texts(p.page, '#compare .slower li .mono'), c.slower.map((s) => s.unit));
    assert.match((await p.page.textContent('#compare .compare-head'))!, new RegExp(c.previousRunId));
    const bars = p.page.locator('svg.trend rect.trend-bar');
    assert.equal(await bars.count(), model.history.length);
    assert.equal(await p.page.locator('svg.trend rect.trend-bar.current').count(), 1);
    await bars.first().click();
    assert.deepEqual(await p.waitForPosted((m) => m.type === 'openRun'), { type: 'openRun', runId: model.history[0]!.runId });
  });

  it('sends the actions to the extension', async () => {
    p = await showModel(browser.session, browser.server, model);
    await p.page.click('#rerun-failed');
    await p.page.click('#open-config');
    await p.page.click('#export-md');
    await p.page.click('#export-html');
    const row = p.page.locator('table.tasks tbody tr').first();
    await row.focus();
    await p.page.keyboard.press('Enter');
    const actions = (await p.posted()).filter((m) => !['ready', 'rendered'].includes(m.type));
    assert.deepEqual(actions, [
      { type: 'rerunFailed' }, { type: 'openConfig' }, { type: 'export', format: 'markdown' }, { type: 'export', format: 'html' },
      { type: 'openLog', unit: await row.getAttribute('data-unit') },
    ]);
  });

  it('follows a run in progress through updates, keeping the view settings', async () => {
    const live = liveRunModel({ units: 40, waves: 3, agents: 4 }, 0.4);
    p = await showModel(browser.session, browser.server, live);
    assert.equal(await p.page.locator('.badge.live').count(), 1);
    assert.ok(await p.page.locator('#rerun-failed').isDisabled());
    assert.equal(await p.page.locator('svg.timeline rect.bar.s-running').count(), live.counts.running);
    assert.equal(await p.page.locator('svg.timeline line.now').count(), 1);
    await p.page.selectOption('#filter-status', 'pending');
    assert.equal(await p.page.locator('table.tasks tbody tr').count(), live.counts.pending);
    // Later: fewer pending; the filter stays.
    const later = liveRunModel({ units: 40, waves: 3, agents: 4 }, 0.7);
    await p.send({ type: 'update', model: later });
    await p.page.waitForFunction((n) => document.querySelectorAll('table.tasks tbody tr').length === n, later.counts.pending, { timeout: 5000 });
    assert.equal(await p.page.inputValue('#filter-status'), 'pending');
    // Finished: no live badge any more.
    await p.send({ type: 'update', model });
    await p.page.waitForSelector('.badge.live', { state: 'detached', timeout: 5000 });
    assert.equal(await p.page.getAttribute('.title-row .badge[data-status]', 'data-status'), 'failed');
  });

  it('keeps its reference and view settings across a reload (the serializer state)', async () => {
    p = await showModel(browser.session, browser.server, model);
    await p.page.click('th[data-key="module"] button');
    await p.page.reload({ waitUntil: 'load' });
    const state = await p.page.evaluate(() => JSON.parse(sessionStorage.getItem('vscode-state') ?? 'null'));
    assert.equal(state.kind, 'run');
    assert.deepEqual(state.ref, { runId: model.runId });
    assert.equal(state.ui.table.sort, 'module');
    await p.waitForPosted((m) => m.type === 'ready');
    await p.send({ type: 'init', model });
    await p.waitForPosted((m) => m.type === 'rendered');
    assert.equal(await p.page.getAttribute('th[data-key="module"]', 'aria-sort'), 'ascending');
  });

  it('ignores messages that are not the protocol', async () => {
    p = await showModel(browser.session, browser.server, model);
    const before = await p.page.textContent('h1');
    await p.send({ type: 'init', model: { ...model, kind: 'agent' } });
    await p.send({ type: 'update', model: { ...model, runId: 'other', tasks: null } });
    await p.send('init');
    await p.send({ type: 'notice', level: 'error', text: 'Could not read tasks/x.json' });
    await p.page.waitForSelector('.notice.error', { timeout: 5000 });
    assert.equal(await p.page.textContent('h1'), before);
    assert.equal(await p.page.textContent('.notice.error span'), 'Could not read tasks/x.json');
  });

  it('exports a self-contained HTML file that renders offline, without the actions', async () => {
    browser.server.exports.set('run-export', await exportDocument('run', model));
    const start = browser.server.requests.length;
    p = await openPanel(browser.session, browser.server, 'run', { url: `${browser.server.origin}/export/run-export.html` });
    await p.page.waitForSelector('svg.timeline', { timeout: 10_000 });
    assert.equal(await p.page.textContent('h1 .run-id'), model.runId);
    assert.equal(await p.page.locator('svg.timeline rect.bar[data-i]').count() > 0, true);
    assert.equal(await p.page.locator('#rerun-failed').isVisible(), false);
    assert.deepEqual(browser.server.requests.slice(start), ['/export/run-export.html'], 'nothing else is loaded');
    assert.match(await p.page.evaluate(() => document.body.className), /exported/);
  });
});
