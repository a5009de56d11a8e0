// Per-task resources in the run report's view model and its Markdown export: each unit's figures, the run's
// totals (also for summaries written before resources were recorded), and the comparison with the previous run
// ("test-web used 2.3× the memory"), which lists only changes past both the ratio and the noise thresholds.
import * as assert from 'node:assert/strict';
import { runResources, type Resources, type TaskResult } from '../../../src/core/matrix/results';
import { runReportMarkdown, runReportModel } from '../../../src/core/reports/models';
import { makeRun } from '../../fixtures/webviews/runs';

const MiB = 1 << 20;
const NOW = new Date('2026-11-22T00:00:00Z');

function res(cpuMs: number | null, peakMemoryBytes: number | null, producedBytes: number | null): Resources {
  return { cpuMs, userMs: cpuMs, systemMs: cpuMs === null ? null : 0, peakMemoryBytes, producedBytes, source: cpuMs === null ? null : 'rusage' };
}

/** A run of six passing units with the given resources per unit (undefined: a result from before resources). */
function run(runId: string, start: string, per: Array<Resources | null | undefined>) {
  const r = makeRun({ runId, units: per.length, waves: 1, agents: 2, start, failEvery: 0 });
  r.tasks.forEach((t: TaskResult, i) => {
    const x = per[i];
    if (x !== undefined) t.resources = x;
  });
  r.summary.resources = runResources(r.tasks);
  return r;
}

describe('matrix resources in the run report', () => {
  const before = run('prev', '2026-11-20T09:00:00Z', [res(1000, 40 * MiB, null), res(2000, 10 * MiB, null), res(500, 4 * MiB, null), res(100, 1 * MiB, null), res(50, 2 * MiB, 1 * MiB), undefined]);
  const after = run('now', '2026-11-21T09:00:00Z', [
    res(1100, 92 * MiB, null), // memory 2.3×: listed
    res(800, 10 * MiB, null), // CPU 0.4×: listed
    res(500, 9 * MiB, null), // memory 2.25× but only 5 MiB more: noise
    res(400, 1 * MiB, null), // CPU 4× but only 300 ms more: noise
    res(50, 2 * MiB, 1_258_291), // output 1.2×: under the ratio
    null, // measured nothing (Node's spawn launcher)
  ]);
  const model = runReportModel({ summary: after.summary, tasks: after.tasks, previous: { summary: before.summary, tasks: before.tasks }, now: NOW });

  it("carries each unit's CPU, peak memory and output, and the run's totals", () => {
    const t0 = model.tasks.find((t) => t.unit === after.tasks[0]!.unit)!;
    assert.deepEqual(t0.resources, { cpuMs: 1100, peakMemoryBytes: 92 * MiB, producedBytes: null });
    assert.equal(model.tasks.find((t) => t.unit === after.tasks[5]!.unit)!.resources, null);
    assert.deepEqual(model.metrics.resources, { cpuMs: 1100 + 800 + 500 + 400 + 50, peakMemoryBytes: 92 * MiB, producedBytes: 1_258_291, measuredUnits: 5 });
  });

  it('a summary written before resources were recorded: totals from the task files; older results show none', () => {
    const old = structuredClone(after);
    delete (old.summary as Partial<typeof old.summary>).resources;
    const m = runReportModel({ summary: old.summary, tasks: old.tasks, now: NOW });
    assert.deepEqual(m.metrics.resources, model.metrics.resources);
    for (const t of old.tasks) delete t.resources;
    const bare = runReportModel({ summary: old.summary, tasks: old.tasks, now: NOW });
    assert.ok(bare.tasks.every((t) => t.resources === null));
    assert.deepEqual(bare.metrics.resources, { cpuMs: 0, peakMemoryBytes: null, producedBytes: 0, measuredUnits: 0 });
  });

  it('compares with the previous run: notable changes only, largest first', () => {
    const c = model.comparison!.resources;
    assert.deepEqual(c, [
      { unit: after.tasks[1]!.unit, kind: 'cpu', before: 2000, after: 800, ratio: 0.4 },
      { unit: after.tasks[0]!.unit, kind: 'memory', before: 40 * MiB, after: 92 * MiB, ratio: 2.3 },
    ]);
    // A run without a previous one has no comparison at all.
    assert.equal(runReportModel({ summary: after.summary, tasks: after.tasks, now: NOW }).comparison, null);
  });

  it('the Markdown export shows the totals, the columns and the changes', () => {
    const md = runReportMarkdown(model);
    assert.match(md, /\| CPU time \| 2\.85 s over 5 unit\(s\) \|/);
    assert.match(md, /\| Peak memory \(largest unit\) \| 92 MiB \|/);
    assert.match(md, /\| Build output \| 1\.2 MiB \|/);
    assert.ok(md.includes(`- Resources: ${after.tasks[0]!.unit} used 2.3× the memory (40 MiB → 92 MiB)`), md);
    assert.ok(md.includes(`- Resources: ${after.tasks[1]!.unit} used 0.4× the CPU time (2.00 s → 800 ms)`), md);
    const rows = md.slice(md.indexOf('## Tasks')).split('\n').filter((l) => l.startsWith('| '));
    assert.equal(rows[0], '| Unit | Module | Wave | Status | Attempts | Duration | Exit | CPU | Peak memory |');
    const row = (unit: string) => rows.find((l) => l.startsWith(`| ${unit} |`))!.split(' | ');
    assert.deepEqual(row(after.tasks[0]!.unit).slice(-2), ['1.10 s', '92 MiB |']);
    assert.deepEqual(row(after.tasks[5]!.unit).slice(-2), ['-', '- |'], 'not measured');
  });
});
