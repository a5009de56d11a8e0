// The agent report and the federation dashboard in headless chromium, under the extension's CSP.
import * as assert from 'node:assert/strict';
import { agentReportModel } from '../../src/core/reports/models';
import { agentModel, agentRecord, dashboardModelFixture, NOW } from '../fixtures/webviews/models';
import { PanelPage, showModel, texts, useBrowser } from './harness';

describe('agent report and dashboard pages (chromium)', function () {
  this.timeout(60_000);
  let p: PanelPage | undefined;
  const browser = useBrowser(() => {
    const page = p;
    p = undefined;
    return page;
  }, { check: true });


  describe('agent report', () => {
    const model = agentModel();

    it('shows the mission, status, duration, resources, report and log tail', async () => {
      p = await showModel(browser.session, browser.server, model);
      const page = p.page;
      assert.equal(await page.textContent('h1'), 'Agent reviewer-1a2b3c');
      assert.equal(await page.getAttribute('.title-row .badge[data-status]', 'data-status'), 'succeeded');
      assert.equal(await page.textContent('#status-text'), 'exited 0 after 13m 12s');
      assert.equal(await page.textContent('.tile[data-metric="duration"] .value'), '13m 12s');
      assert.match((await page.textContent('#mission .prose'))!, /^Read every file of the project/);
      assert.deepEqual(await texts(page, '#report .summary p'), model.report!.summary.split('\n\n'));
      assert.deepEqual(await texts(page, 'table.deliverables tbody td.path'), ['review.md', 'findings/sql.md', 'missing.txt']);
      assert.equal(await page.locator('table.deliverables tbody tr:nth-child(3) .st.failed').count(), 1, 'a missing deliverable is flagged');
      assert.deepEqual(await texts(page, 'table.deliverables tbody td.num'), ['12 KiB', '3.0 KiB', 'missing']);
      assert.deepEqual(await texts(page, '.tiles.metrics .label'), ['filesReviewed', 'filesSkipped', 'findings', 'minutes.spent']);
      assert.ok((await texts(page, '#resources th')).includes('Memory limit'));
      const log = (await page.textContent('pre.log'))!;
      assert.ok(log.startsWith('INFO starting agent'), 'terminal codes are gone');
      assert.ok(log.endsWith('done in 13m 12s'));
      // The newest lines are in view.
      assert.ok(await page.$eval('pre.log', (el) => el.scrollTop > 0 && el.scrollTop + el.clientHeight >= el.scrollHeight - 2));
    });

    it('asks the extension to open deliverables by index, the brief and the output folder', async () => {
      p = await showModel(browser.session, browser.server, model);
      await p.page.click('table.deliverables tbody tr:nth-child(2) button');
      await p.page.click('#open-brief');
      await p.page.click('#open-output');
      await p.page.click('#refresh');
      const actions = (await p.posted()).filter((m) => !['ready', 'rendered'].includes(m.type));
      assert.deepEqual(actions, [{ type: 'openDeliverable', index: 1 }, { type: 'openBrief' }, { type: 'openOutput' }, { type: 'refresh' }]);
      // A missing deliverable has no button to click.
      assert.equal(await p.page.locator('table.deliverables tbody tr:nth-child(3) button').count(), 0);
    });

    it('explains a missing report and a missing engine', async () => {
      const bare = agentReportModel({ id: 'lonely-1', ref: { agentId: 'lonely-1' }, record: agentRecord({ id: 'lonely-1' }), reportError: 'No report yet: the agent writes /output/agent-report.json when it is done.', logNote: 'The Docker support of this installation is not available: no status or log.', now: NOW });
      p = await showModel(browser.session, browser.server, bare);
      assert.equal(await p.page.getAttribute('.title-row .badge[data-status]', 'data-status'), 'unknown');
      assert.match((await p.page.textContent('#report .empty'))!, /No report yet/);
      assert.match((await p.page.textContent('#logs'))!, /Docker support of this installation is not available/);
      assert.match((await p.page.textContent('#mission'))!, /no Mission section/);
    });
  });

  describe('dashboard', () => {
    const model = dashboardModelFixture();

    it('shows personas and their tasks, agents by host and status, handoffs, locks and runs', async () => {
      p = await showModel(browser.session, browser.server, model);
      const page = p.page;
      assert.deepEqual(await texts(page, '.card.persona h3'), ['Research', 'DevOps', 'Writer']);
      assert.deepEqual(await texts(page, '.card.persona .badge'), ['active', 'idle', 'offline']);
      assert.deepEqual(await texts(page, '.card.persona[data-persona="research"] li .mono'), ['T1', 'T3']);
      assert.equal(await page.textContent('.tile[data-metric="agents"] .value'), '4');
      assert.equal(await page.textContent('.tile[data-metric="handoffs"] .value'), '1');
      assert.deepEqual(await texts(page, '.card.host h3'), ['unix:///var/run/docker.sock', 'ssh://build-01']);
      assert.equal(await page.locator('.card.host .badge.failed', { hasText: 'unreachable' }).count(), 1);
      assert.deepEqual(await texts(page, '#agents li[data-agent] .st'), ['succeeded', 'running', 'oom-killed', 'unknown']);
      assert.deepEqual(await texts(page, '#handoffs tbody tr td:nth-child(2)'), ['writer → research']);
      assert.deepEqual(await texts(page, '#locks tbody td.mono:first-child'), ['staging-db', 'release-branch']);
      assert.equal(await page.locator('#locks tr.expired').count(), 1);
      assert.equal(await page.locator('#runs li').count(), 2);
      // The usage ledger: the total on its tile, one row per persona, costliest first.
      assert.equal(await page.textContent('.tile[data-metric="usage"] .value'), '$0.26');
      assert.deepEqual(await texts(page, '#usage tbody tr td:first-child'), ['writer', 'devops']);
      assert.deepEqual(await texts(page, '#usage tbody tr[data-persona="writer"] td.num'), ['1', '42.0k', '6100', '0.2100', '9m 00s']);
    });

    it('opens agents, handoffs and runs through the extension', async () => {
      p = await showModel(browser.session, browser.server, model);
      await p.page.click('#agents li[data-agent="coder-77aa01"] button');
      await p.page.click('#handoffs tbody button');
      await p.page.click('#runs li:first-child button');
      await p.page.click('#refresh');
      const actions = (await p.posted()).filter((m) => !['ready', 'rendered'].includes(m.type));
      assert.deepEqual(actions, [
        { type: 'openAgent', id: 'coder-77aa01' }, { type: 'openHandoff', taskId: 'T3' }, { type: 'openRun', runId: '20261121T090000Z-a1b2' }, { type: 'refresh' },
      ]);
    });
  });
});
