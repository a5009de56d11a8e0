// How the pages look: a screenshot of each panel in light, dark and high-contrast (test-results/webviews/*.png,
// for people to look at), text contrast measured in the page against WCAG, and the timeline of a 1,000-unit run
// rendered within its time budget.
import * as assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { PanelModel } from '../../src/core/reports/protocol';
import type { ThemeName } from '../../src/core/reports/themes';
import { agentModel, dashboardModelFixture, dependencyDashboardFixture, runModel } from '../fixtures/webviews/models';
import { PanelPage, RESULTS, showModel, useBrowser } from './harness';

const THEMES: ThemeName[] = ['light', 'dark', 'high-contrast'];

/** [selector, minimum contrast]: body text 4.5:1; status colours and secondary text 3:1 (they are never the only cue). */
const CHECKS: Array<[string, number]> = [
  ['h1', 4.5], ['h2', 4.5], ['.tile .value', 4.5], ['.tile .label', 4.5], ['table.grid td', 4.5], ['.subtitle', 4.5], ['.btn', 4.5], ['.badge', 4.5],
  ['.muted', 3], ['.st.failed', 3], ['.st.passed', 3], ['.st.warning', 3], ['.st.timed_out', 3], ['.st.running', 3], ['svg .row-label', 3], ['svg .tick-label', 3],
  ['pre.log', 4.5], ['.prose p', 4.5], ['.chip', 4.5],
];

interface Contrast {
  selector: string;
  ratio: number;
  fg: string;
  bg: string;
  text: string;
}

/** The lowest contrast among the visible elements matching each selector, measured with the computed colours. */
function measure(p: PanelPage): Promise<Contrast[]> {
  return p.page.evaluate((checks) => {
    const parse = (c: string): [number, number, number, number] => {
      // color-mix() computes to color(srgb r g b / a) with channels from 0 to 1.
      const srgb = c.match(/color\(srgb ([^)]+)\)/);
      if (srgb) {
        const v = srgb[1]!.split(/[ /]+/).filter(Boolean).map(Number);
        return [v[0]! * 255, v[1]! * 255, v[2]! * 255, v.length > 3 ? v[3]! : 1];
      }
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) throw new Error(`unknown colour ${c}`);
      const v = m[1]!.split(/[ ,/]+/).filter(Boolean).map(Number);
      return [v[0]!, v[1]!, v[2]!, v.length > 3 ? v[3]! : 1];
    };
    const lum = ([r, g, b]: number[]) => {
      const f = (x: number) => {
        const s = x / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
    };
    const blend = (top: number[], under: number[]) => [0, 1, 2].map((i) => top[i]! * top[3]! + under[i]! * (1 - top[3]!)).concat(1);
    /** The colour behind an element: its and its ancestors' backgrounds, composited from the page down. */
    const background = (el: Element): number[] => {
      const layers: number[][] = [];
      for (let e: Element | null = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c[3] > 0) layers.push(c);
        if (c[3] >= 1) break;
      }
      let bg = [255, 255, 255, 1];
      for (const l of layers.reverse()) bg = blend(l, bg);
      return bg;
    };
    const out: Array<{ selector: string; ratio: number; fg: string; bg: string; text: string }> = [];
    for (const [selector] of checks) {
      let worst: (typeof out)[number] | undefined;
      for (const el of Array.from(document.querySelectorAll(selector))) {
        const r = el.getBoundingClientRect();
        if (!r.width || !r.height || !(el.textContent ?? '').trim()) continue;
        const cs = getComputedStyle(el);
        const bg = background(el);
        // SVG text is painted with fill, HTML text with color.
        const fgRaw = el instanceof SVGElement ? parse(cs.fill) : parse(cs.color);
        const fg = blend([...fgRaw.slice(0, 3), fgRaw[3]! * Number(cs.opacity || 1)], bg);
        const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
        const ratio = (a! + 0.05) / (b! + 0.05);
        if (!worst || ratio < worst.ratio) worst = { selector, ratio: Math.round(ratio * 100) / 100, fg: fg.slice(0, 3).map(Math.round).join(','), bg: bg.slice(0, 3).map(Math.round).join(','), text: (el.textContent ?? '').trim().slice(0, 30) };
      }
      if (worst) out.push(worst);
    }
    return out;
  }, CHECKS);
}

describe('report pages: themes, contrast and speed (chromium)', function () {
  this.timeout(120_000);
  let p: PanelPage | undefined;
  const browser = useBrowser(() => {
    const page = p;
    p = undefined;
    return page;
  }, { check: false });
  const models: Record<string, PanelModel> = { run: runModel({ units: 40, waves: 3, agents: 4 }), agent: agentModel(), dashboard: dashboardModelFixture(), 'dashboard-dependencies': dependencyDashboardFixture() };

  before(() => mkdirSync(RESULTS, { recursive: true }));

  for (const [name, model] of Object.entries(models)) {
    for (const theme of THEMES) {
      it(`${name} in ${theme}: readable, and saved as ${name}-${theme}.png`, async () => {
        p = await showModel(browser.session, browser.server, model, { theme, width: 1280, height: 900 });
        await p.page.mouse.move(1, 1);
        await p.page.screenshot({ path: path.join(RESULTS, `${name}-${theme}.png`), fullPage: true });
        const results = await measure(p);
        const minimum = new Map(CHECKS);
        const failing = results.filter((r) => r.ratio < minimum.get(r.selector)!);
        assert.deepEqual(failing, [], `contrast below the minimum in ${theme}`);
        assert.ok(results.length >= 6, 'enough elements were measured');
        assert.deepEqual(await p.violations(), []);
      });
    }
  }

  it('a hovered timeline bar shows its tooltip (run-tooltip-dark.png)', async () => {
    p = await showModel(browser.session, browser.server, models['run']!, { theme: 'dark', width: 1280, height: 900 });
    await p.page.locator('#timeline').scrollIntoViewIfNeeded();
    await p.page.locator('svg.timeline rect.bar.s-timed_out').first().hover();
    await p.page.locator('.tooltip').waitFor({ state: 'visible', timeout: 5000 });
    await p.page.screenshot({ path: path.join(RESULTS, 'run-tooltip-dark.png') });
  });

  it('renders the timeline of a 1,000-unit run in under 200 ms', async () => {
    const big = runModel({ units: 1000, waves: 5, agents: 12, historyRuns: 2 });
    p = await showModel(browser.session, browser.server, big, { theme: 'dark', width: 1400, height: 900 });
    // The first render plus four updates (what a live run sends); the median is the figure.
    for (let i = 0; i < 4; i++) {
      const before = (await p.posted()).filter((m) => m.type === 'rendered' && m.section === 'timeline').length;
      await p.send({ type: 'update', model: big });
      await p.page.waitForFunction((n) => (window as unknown as { __posted: Array<{ type: string; section?: string }> }).__posted.filter((m) => m.type === 'rendered' && m.section === 'timeline').length > n, before, { timeout: 10_000 });
    }
    const times = (await p.posted()).flatMap((m) => (m.type === 'rendered' && m.section === 'timeline' ? [m.ms] : []));
    assert.equal(times.length, 5);
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[2]!;
    console.log(`      timeline of 1,000 units: ${times.map((t) => t.toFixed(1)).join(', ')} ms (median ${median.toFixed(1)})`);
    assert.equal(await p.page.locator('svg.timeline rect.bar[data-i]').count(), big.tasks.reduce((n, t) => n + Math.max(1, t.attemptSpans.length), 0));
    assert.ok(median < 200, `median ${median} ms`);
    await p.page.screenshot({ path: path.join(RESULTS, 'run-1000-dark.png') });
  });
});
