// Untrusted text in every field the pages show (task names, modules, commands, reasons, wave names, the config
// path, agent reports, briefs and logs, persona names, locks, handoffs, notices) must stay text: no dialog, no
// script, no element, no request, no CSP violation, and the text itself still readable on the page.
import * as assert from 'node:assert/strict';
import { makeRun } from '../fixtures/webviews/runs';
import { runReportModel } from '../../src/core/reports/models';
import type { PanelModel } from '../../src/core/reports/protocol';
import { agentModel, dashboardModelFixture, NOW } from '../fixtures/webviews/models';
import { XSS } from '../fixtures/webviews/xss';
import { exportDocument, openPanel, PanelPage, showModel, useBrowser } from './harness';

interface PageFacts {
  xss: unknown;
  scripts: number;
  styles: number;
  forbidden: string[];
  handlers: string[];
  text: string;
}

function facts(p: PanelPage): Promise<PageFacts> {
  return p.page.evaluate(() => {
    const all = Array.from(document.querySelectorAll('*'));
    return {
      xss: (window as unknown as { __xss?: unknown }).__xss,
      scripts: document.scripts.length,
      styles: document.querySelectorAll('style').length,
      forbidden: Array.from(document.querySelectorAll('img, iframe, object, embed, frame, a, form, base, math, template, link:not([rel="stylesheet"])')).map((e) => e.outerHTML.slice(0, 120)),
      handlers: all.filter((e) => Array.from(e.attributes).some((a) => /^on/i.test(a.name) || a.name === 'srcdoc' || (/^(href|src|action|formaction|xlink:href|data|poster|background)$/i.test(a.name) && /^\s*javascript:/i.test(a.value)))).map((e) => e.outerHTML.slice(0, 120)),
      text: document.body.textContent ?? '',
    };
  });
}

describe('report pages keep untrusted text inert (chromium)', function () {
  this.timeout(90_000);
  let p: PanelPage | undefined;
  const browser = useBrowser(() => {
    const page = p;
    p = undefined;
    return page;
  }, { check: false });


  const runWithPayloads = () => {
    const r = makeRun({ units: 28, waves: 2, agents: 4, failEvery: 3, names: XSS });
    return runReportModel({
      summary: r.summary, tasks: r.tasks, startedBy: XSS[0]!, now: NOW,
      history: [{ runId: 'older', startedAt: '2026-11-20T09:00:00.000Z', status: 'failed', totalMs: 1000, successRate: 0.5 }],
      previous: { summary: { runId: 'older', startedAt: '2026-11-20T09:00:00.000Z', totalMs: 1000, successRate: 0.5 }, tasks: makeRun({ units: 28, waves: 2, names: XSS, runId: 'older' }).tasks },
    });
  };

  async function check(model: PanelModel, expectedScripts: number, extra: (p: PanelPage) => Promise<void>, shown: string[] = XSS): Promise<void> {
    const start = browser.server.requests.length;
    p = await showModel(browser.session, browser.server, model);
    await extra(p);
    // Let anything that was going to load or fire do so.
    await p.page.waitForTimeout(300);
    const f = await facts(p);
    assert.deepEqual(p.dialogs, [], 'no dialog opened');
    assert.equal(f.xss, undefined, 'no payload ran');
    assert.equal(f.scripts, expectedScripts, 'only our scripts');
    assert.equal(f.styles, 0, 'no style element');
    assert.deepEqual(f.forbidden, [], 'no element from the data');
    assert.deepEqual(f.handlers, [], 'no handler or javascript: attribute');
    assert.deepEqual(await p.violations(), [], 'no CSP violation');
    assert.deepEqual(p.consoleErrors, []);
    assert.deepEqual(browser.server.requests.slice(start).sort(), [`/panel/${model.kind}.html`, `/dist/${model.kind}.js`, `/dist/${model.kind}.css`].sort());
    // Shown as text, not dropped: the strings (or their start, where labels are cut) are on the page.
    for (const s of shown) assert.ok(f.text.includes(s.slice(0, 12)), `shown as text: ${s}`);
  }

  it('run report: names, modules, commands, reasons, waves, config, tooltips, comparison', async () => {
    const model = runWithPayloads();
    await check(model, 2, async (page) => {
      // Hover a bar of each kind: tooltips are built from the same strings.
      for (const sel of ['rect.bar.s-failed:not(.retry)', 'rect.bar.s-passed', 'rect.bar.s-timed_out', 'rect.phase-setup']) {
        const bar = page.page.locator(`svg.timeline ${sel}`).first();
        if (await bar.count()) await bar.hover();
      }
      await page.page.fill('#filter-text', XSS[3]!);
      await page.page.fill('#filter-text', '');
      await page.send({ type: 'notice', level: 'error', text: XSS[0] });
      await page.send({ type: 'update', model: { ...model, configFile: XSS[1]! } });
    });
  });

  it('agent report: summary, mission, deliverables, resources, log', async () => {
    const brief = `# ${XSS[2]}\n\n## Mission\n\n${XSS.join('\n\n')}\n`;
    const model = agentModel({ summary: XSS.join('\n\n'), names: XSS, brief, log: XSS.join('\n') });
    await check(model, 2, async (page) => {
      await page.page.locator('table.deliverables button').first().hover();
    });
  });

  it('dashboard: personas, tasks, hosts, handoffs, locks', async () => {
    // The dashboard fixture puts the first ten strings into its fields.
    await check(dashboardModelFixture({ names: XSS }), 2, async () => undefined, XSS.slice(0, 10));
  });

  it('an exported run report, opened as a file of its own', async () => {
    const model = runWithPayloads();
    browser.server.exports.set('xss-run', await exportDocument('run', model));
    const start = browser.server.requests.length;
    p = await openPanel(browser.session, browser.server, 'run', { url: `${browser.server.origin}/export/xss-run.html` });
    await p.page.waitForSelector('svg.timeline', { timeout: 10_000 });
    await p.page.locator('svg.timeline rect.bar.s-failed').first().hover();
    await p.page.waitForTimeout(300);
    const f = await facts(p);
    assert.deepEqual(p.dialogs, []);
    assert.equal(f.xss, undefined);
    assert.equal(f.scripts, 2, 'the data block and the bundle');
    assert.equal(f.styles, 2, 'the theme and the page styles, both ours');
    assert.deepEqual(f.forbidden, []);
    assert.deepEqual(f.handlers, []);
    assert.deepEqual(p.consoleErrors, [], 'no CSP refusal either');
    assert.deepEqual(browser.server.requests.slice(start), ['/export/xss-run.html']);
    for (const s of XSS) assert.ok(f.text.includes(s.slice(0, 12)), `shown as text: ${s}`);
  });
});
