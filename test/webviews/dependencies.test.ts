// The dashboard's dependency chain in headless chromium: cards in the model's columns, connectors that join the
// right cards and say whether the edge is satisfied, blockers on blocked cards, the empty state, the node cap, and
// moving between cards with the arrow keys. Console errors and CSP violations fail every test (useBrowser).
import * as assert from 'node:assert/strict';
import { dependencyGraph } from '../../src/core/reports/dependencyGraph';
import { dashboardModelFixture, dependencyDashboardFixture } from '../fixtures/webviews/models';
import { PanelPage, showModel, texts, useBrowser } from './harness';

interface DrawnEdge {
  index: number;
  cls: string;
  /** The connector's ends, and the right edge of the card it leaves and the left edge of the one it enters. */
  start: [number, number];
  end: [number, number];
  fromBox: { right: number; midY: number };
  toBox: { left: number; midY: number };
}

describe('dashboard dependency chain (chromium)', function () {
  this.timeout(60_000);
  let p: PanelPage | undefined;
  const browser = useBrowser(() => {
    const page = p;
    p = undefined;
    return page;
  }, { check: true });

  /** Each connector with its ends, next to the boxes of the cards the model says it joins (canvas coordinates). */
  async function drawnEdges(page: PanelPage, edges: Array<{ from: string; to: string }>): Promise<DrawnEdge[]> {
    return page.page.evaluate((list) => {
      const canvas = document.querySelector('#dependencies .dep-canvas')!.getBoundingClientRect();
      const box = (id: string) => document.querySelector(`#dependencies li.dep-card[data-task="${id}"]`)!.getBoundingClientRect();
      return Array.from(document.querySelectorAll('#dependencies svg.dep-edges path.dep-edge')).map((path) => {
        const index = Number(path.getAttribute('data-e'));
        const nums = (path.getAttribute('d') ?? '').match(/-?\d+(\.\d+)?/g)!.map(Number);
        const a = box(list[index]!.from);
        const b = box(list[index]!.to);
        return {
          index, cls: path.getAttribute('class') ?? '',
          start: [nums[0]!, nums[1]!] as [number, number], end: [nums[nums.length - 2]!, nums[nums.length - 1]!] as [number, number],
          fromBox: { right: a.right - canvas.left, midY: a.top + a.height / 2 - canvas.top },
          toBox: { left: b.left - canvas.left, midY: b.top + b.height / 2 - canvas.top },
        };
      });
    }, edges);
  }

  const focused = (page: PanelPage) => page.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset['task'] ?? null);

  it('draws the chain T1 → T2 → T3 (and T1 → T4) in columns, connectors coloured by whether they are satisfied', async () => {
    const model = dependencyDashboardFixture();
    p = await showModel(browser.session, browser.server, model);
    const page = p.page;
    const columns = await page.$$eval('#dependencies ol.dep-col', (cols) => cols.map((c) => Array.from(c.querySelectorAll('li.dep-card')).map((li) => (li as HTMLElement).dataset['task'])));
    assert.deepEqual(columns, [['T1'], ['T2', 'T4'], ['T3']], 'T5 waits for nothing and nothing waits for it');
    assert.deepEqual(await page.$$eval('#dependencies li.dep-card', (els) => els.map((e) => [(e as HTMLElement).dataset['task'], (e as HTMLElement).dataset['readiness']])),
      [['T1', 'done'], ['T2', 'awaiting_review'], ['T4', 'ready'], ['T3', 'blocked']]);
    assert.deepEqual(await texts(page, '#dependencies li.dep-card .st'), ['done', 'awaiting review', 'ready', 'blocked']);
    assert.deepEqual(await texts(page, '#dependencies li.dep-card .dep-title'), ['Design the schema', 'Implement the store', 'Write the docs', 'Wire the API']);
    // Only the blocked card names a blocker: T2 is done but its worktree is not merged.
    assert.deepEqual(await texts(page, '#dependencies .dep-blockers'), ['waits for T2 (awaiting review)']);
    assert.equal(await page.locator('#dependencies li[data-task="T3"] .dep-blockers').count(), 1);
    assert.equal(await page.textContent('#dependencies h2 .aside'), '1 ready · 1 blocked · 1 awaiting review');

    const drawn = await drawnEdges(p, model.dependencies.edges);
    assert.equal(drawn.length, 3);
    const byPair = Object.fromEntries(drawn.map((d) => [`${model.dependencies.edges[d.index]!.from}>${model.dependencies.edges[d.index]!.to}`, d.cls]));
    assert.deepEqual(byPair, { 'T1>T2': 'dep-edge ok', 'T1>T4': 'dep-edge ok', 'T2>T3': 'dep-edge blocked' });
    for (const d of drawn) {
      // Each connector leaves its dependency's right side and ends at its dependent's left side, mid-height.
      assert.ok(Math.abs(d.start[0] - d.fromBox.right) < 1.5 && Math.abs(d.start[1] - d.fromBox.midY) < 1.5, `edge ${d.index} starts at its dependency: ${JSON.stringify(d)}`);
      assert.ok(Math.abs(d.end[0] - d.toBox.left) < 3 && Math.abs(d.end[1] - d.toBox.midY) < 1.5, `edge ${d.index} ends at its dependent: ${JSON.stringify(d)}`);
    }
    // Satisfied and blocked connectors look different without colour too (a blocked one is dashed).
    const dash = await page.$$eval('#dependencies path.dep-edge', (els) => els.map((e) => [e.getAttribute('class'), getComputedStyle(e).strokeDasharray, getComputedStyle(e).stroke]));
    const ok = dash.filter((d) => d[0] === 'dep-edge ok');
    const blocked = dash.filter((d) => d[0] === 'dep-edge blocked');
    assert.ok(ok.every((d) => d[1] === 'none') && blocked.every((d) => d[1] !== 'none'), JSON.stringify(dash));
    assert.notEqual(ok[0]![2], blocked[0]![2], 'different colours');
    assert.equal(await page.getAttribute('#dependencies svg.dep-edges', 'aria-hidden'), 'true');
  });

  it('tells a screen reader what each card waits for, and moves between cards with the arrow keys', async () => {
    p = await showModel(browser.session, browser.server, dependencyDashboardFixture());
    const page = p.page;
    assert.equal(await page.getAttribute('#dependencies li[data-task="T3"]', 'aria-label'), 'T3 Wire the API: blocked; waits for T2 (awaiting review); after T2');
    assert.equal(await page.getAttribute('#dependencies li[data-task="T1"]', 'aria-label'), 'T1 Design the schema: done; needed by T2, T4');
    assert.deepEqual(await page.$$eval('#dependencies ol.dep-col', (cols) => cols.map((c) => c.getAttribute('aria-label'))), ['Tasks that wait for nothing', 'Step 2', 'Step 3']);
    // One tab stop for the whole chain.
    assert.deepEqual(await page.$$eval('#dependencies li.dep-card[tabindex="0"]', (els) => els.map((e) => (e as HTMLElement).dataset['task'])), ['T1']);
    await page.focus('#refresh');
    for (let i = 0; i < 10 && (await focused(p)) !== 'T1'; i++) await page.keyboard.press('Tab');
    assert.equal(await focused(p), 'T1', 'Tab reaches the chain');
    const path: Array<string | null> = [];
    for (const key of ['ArrowRight', 'ArrowDown', 'ArrowRight', 'ArrowLeft', 'ArrowUp', 'ArrowLeft']) {
      await page.keyboard.press(key);
      path.push(await focused(p));
    }
    assert.deepEqual(path, ['T2', 'T4', 'T3', 'T2', 'T2', 'T1']);
    await page.keyboard.press('ArrowRight');
    // The focused card's connectors stand out, and it keeps the tab stop.
    assert.deepEqual(await page.$$eval('#dependencies path.dep-edge.hl', (els) => els.length), 2, 'T2 has two connectors');
    assert.deepEqual(await page.$$eval('#dependencies li.dep-card[tabindex="0"]', (els) => els.map((e) => (e as HTMLElement).dataset['task'])), ['T2']);
  });

  it('says so when no task waits for another', async () => {
    const model = { ...dashboardModelFixture(), dependencies: dependencyGraph([]) };
    p = await showModel(browser.session, browser.server, model);
    assert.match((await p.page.textContent('#dependencies .empty'))!, /^No task waits for another/);
    assert.equal(await p.page.locator('#dependencies svg, #dependencies li').count(), 0);
    assert.equal(await p.page.locator('#dependencies h2 .aside').count(), 0);
  });

  it('still draws a hand-edited queue with a cycle, and says which tasks are on it', async () => {
    const t = (id: number, dependsOn: string[]) => ({ id: `T${id}`, title: `task ${id}`, description: '', priority: 3, skills: [], status: 'queued' as const, assignee: null, createdAt: '2026-11-21T09:00:00Z', updatedAt: '2026-11-21T09:00:00Z', createdBy: 'x', history: [], dependsOn });
    const model = { ...dashboardModelFixture(), dependencies: dependencyGraph([t(1, []), t(2, ['T1', 'T3']), t(3, ['T2'])]) };
    p = await showModel(browser.session, browser.server, model);
    assert.match((await p.page.textContent('#dependencies .dep-cyclic'))!, /^T2, T3 are on a dependency cycle/);
    assert.deepEqual(await p.page.$$eval('#dependencies ol.dep-col', (cols) => cols.map((c) => c.querySelectorAll('li').length)), [1, 2]);
    assert.equal(await p.page.locator('#dependencies path.dep-edge').count(), 3);
  });

  it('draws at most 200 cards of a 250-task chain and counts the rest', async () => {
    const model = dependencyDashboardFixture({ chain: 250 });
    p = await showModel(browser.session, browser.server, model);
    assert.equal(await p.page.locator('#dependencies li.dep-card').count(), 200);
    assert.equal(await p.page.locator('#dependencies ol.dep-col').count(), 200);
    assert.equal(await p.page.locator('#dependencies path.dep-edge.blocked').count(), 199, 'T1 is in progress: nothing after it is satisfied');
    assert.match((await p.page.textContent('#dependencies .dep-more'))!, /^\+50 more tasks in dependency chains not drawn/);
    const rendered = (await p.posted()).find((m) => m.type === 'rendered');
    console.log(`      dashboard with a 200-card chain: ${rendered && 'ms' in rendered ? rendered.ms : '?'} ms`);
  });

  it('draws again on an update: connectors follow the new model', async () => {
    const model = dependencyDashboardFixture();
    p = await showModel(browser.session, browser.server, model);
    // T2 is merged meanwhile: T3 is ready and every connector satisfied.
    const merged = { ...model, dependencies: { ...model.dependencies, edges: model.dependencies.edges.map((e) => ({ ...e, satisfied: true })), nodes: model.dependencies.nodes.map((n) => (n.id === 'T3' ? { ...n, readiness: 'ready' as const, blockers: [] } : n)) } };
    const before = (await p.posted()).filter((m) => m.type === 'rendered').length;
    await p.send({ type: 'update', model: merged });
    await p.page.waitForFunction((n) => (window as unknown as { __posted: Array<{ type: string }> }).__posted.filter((m) => m.type === 'rendered').length > n, before);
    assert.equal(await p.page.locator('#dependencies path.dep-edge.blocked').count(), 0);
    assert.equal(await p.page.locator('#dependencies path.dep-edge.ok').count(), 3);
    assert.equal(await p.page.locator('#dependencies .dep-blockers').count(), 0);
    assert.equal(await p.page.locator('#dependencies svg.dep-edges').count(), 1, 'the old graph is gone');
  });
});
