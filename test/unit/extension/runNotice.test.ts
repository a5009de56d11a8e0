// How the editor announces a run's end (src/extension/matrix/runNotice.ts): the loudness by status, the counts,
// the buttons (Rerun Failed only with something to rerun), and the webhooks that were not notified.
import * as assert from 'node:assert/strict';
import { planMatrix } from '../../../src/core/matrix/plan';
import { summarizeRun, type TaskResult } from '../../../src/core/matrix/results';
import { undeliveredNotice, runNotice } from '../../../src/extension/matrix/runNotice';
import { config } from '../matrix/helpers';

const CONFIG = 'tasks:\n  a: { module: ., command: "true" }\n  b: { module: ., command: "true" }\npriorities:\n  priority_1: { tasks: [a, b] }\n';

function summary(statuses: Record<string, TaskResult['status']>, cancelled = false) {
  const plan = planMatrix(config(CONFIG));
  const results = Object.entries(statuses).map(([unit, status]): TaskResult => ({
    version: 1, runId: 'r', unit, task: unit, shard: null, priority: 'priority_1', wave: 0, module: '.', command: 'true', status,
    allowed: null, blocking: status === 'failed', exitCode: null, signal: null, attempts: 1, maxAttempts: 1, startedAt: null, endedAt: null,
    durationMs: 1000, log: null, artifacts: [], attemptDetails: [],
  }));
  return summarizeRun({ runId: 'r', plan, results, startedAt: new Date(0), endedAt: new Date(4200), cancelled });
}

describe('editor: the notice of a run\'s end', () => {
  it('passed: information, Open Report only', () => {
    const s = summary({ a: 'passed', b: 'passed' });
    assert.deepEqual(runNotice({ label: 'Matrix run', runId: 'r', status: s.status, summary: s }), { severity: 'information', text: 'Matrix run r passed: 2/2 passed in 4.2 s.', actions: ['Open Report'] });
  });

  it('failed: an error, with Rerun Failed', () => {
    const s = summary({ a: 'passed', b: 'failed' });
    const n = runNotice({ label: 'Matrix run', runId: 'r', status: s.status, summary: s });
    assert.deepEqual(n, { severity: 'error', text: 'Matrix run r failed: 1/2 passed, 1 blocking failure(s) in 4.2 s.', actions: ['Open Report', 'Rerun Failed'] });
  });

  it('webhooks not notified (told after the notice) are counted and named, redacted; none when all were', () => {
    const deliveries = [{ url: 'https://h/…', ok: false, status: 500, attempts: 3, error: 'HTTP 500' }, { url: 'https://g/…', ok: true, status: 200, attempts: 1 }];
    assert.equal(undeliveredNotice('r', deliveries), 'Matrix run r: 1 webhook(s) not notified (https://h/…; see the log).');
    assert.equal(undeliveredNotice('r', deliveries.filter((d) => d.ok)), undefined);
  });

  it('cancelled: a warning; the cancelled tasks can be rerun', () => {
    const s = summary({ a: 'passed', b: 'cancelled' }, true);
    const n = runNotice({ label: 'Matrix run', runId: 'r', status: s.status, summary: s });
    assert.deepEqual([n.severity, n.actions], ['warning', ['Open Report', 'Rerun Failed']]);
  });

  it('a GitHub run without a report: no Open Report nor Rerun Failed, Open on GitHub', () => {
    const n = runNotice({ label: 'GitHub run', runId: 'gh-1-1', status: 'failed', reportProblem: 'the report job did not run', url: 'https://github.com/o/r/actions/runs/1' });
    assert.deepEqual(n, { severity: 'error', text: 'GitHub run gh-1-1 failed; no report: the report job did not run.', actions: ['Open on GitHub'] });
  });
});
