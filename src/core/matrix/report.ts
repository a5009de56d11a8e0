// Reports of a run: JSON (summary and task results as stored) and Markdown (for $GITHUB_STEP_SUMMARY and people).
import { bytes } from '../reports/format';
import { runResources, RunSummary, TaskResult } from './results';

export const REPORT_FORMATS = ['json', 'md', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const secs = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
/** Table cells: a pipe or newline would break the row. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function statusLabel(r: Pick<TaskResult, 'status' | 'allowed'>): string {
  if (r.allowed === 'allow_warnings') return 'warning (allowed)';
  if (r.allowed === 'continue_on_error') return `${r.status === 'timed_out' ? 'timed out' : 'failed'} (continue_on_error)`;
  return r.status === 'timed_out' ? 'timed out' : r.status;
}

const ICON: Record<string, string> = { passed: '✅', failed: '❌', timed_out: '⏱️', cancelled: '⏹️', skipped: '⏭️' };

export function renderJsonReport(summary: RunSummary, tasks: TaskResult[]): string {
  return JSON.stringify({ summary, tasks }, null, 2) + '\n';
}

/** A measured amount, or '-' when it was not measured. */
const amount = (v: number | null | undefined, f: (x: number) => string) => (v === null || v === undefined ? '-' : f(v));

export function renderMarkdownReport(summary: RunSummary, tasks: TaskResult[]): string {
  const c = summary.counts;
  // Summaries written before resources were recorded have none: computed from the task files.
  const res = summary.resources ?? runResources(tasks);
  const lines: string[] = [
    `# Matrix run ${summary.runId}: ${summary.status}`,
    '',
    `${c.passed}/${c.units} passed, ${c.failed} failed, ${c.timedOut} timed out, ${c.cancelled} cancelled, ${c.skipped} skipped; ${c.allowedFailures} allowed failure(s), ${c.blockingFailures} blocking.`,
    '',
    '| Metric | Value |',
    '| --- | --- |',
    `| Total time | ${secs(summary.totalMs)} (setup ${secs(summary.setupMs)}) |`,
    `| Execution (waves) | ${secs(summary.executionMs)} |`,
    `| Critical-path lower bound | ${secs(summary.criticalPathMs)} |`,
    `| Sequential time | ${secs(summary.sequentialMs)} |`,
    `| Speedup over sequential | ${summary.speedup.toFixed(2)}× |`,
    `| Efficiency | ${pct(summary.efficiency)} of ${summary.maxAgents} agent(s) |`,
    `| Success rate | ${pct(summary.successRate)} |`,
    `| Throughput | ${summary.throughputPerMinute} units/min |`,
    `| CPU time | ${secs(res.cpuMs)} over ${res.measuredUnits} unit(s) |`,
    `| Peak memory (largest task) | ${amount(res.peakMemoryBytes, bytes)} |`,
    `| Build output | ${bytes(res.producedBytes)} |`,
    '',
    '## Waves',
    '',
    '| # | Priority | Agents | Units | Passed | Failed | Skipped | Cancelled | Duration | Lower bound |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...summary.waves.map((w) => `| ${w.index + 1} | ${cell(w.name)} (${w.priority}) | ${w.agents} | ${w.units} | ${w.passed} | ${w.failed} | ${w.skipped} | ${w.cancelled} | ${secs(w.durationMs)}${w.stopped ? ' (fail_fast)' : ''} | ${secs(w.lowerBoundMs)} |`),
    '',
    '## Tasks',
    '',
    '| Unit | Priority | Module | Status | Exit | Attempts | Duration | CPU | Peak memory | Output | Log |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...[...tasks]
      .sort((a, b) => a.wave - b.wave || a.unit.localeCompare(b.unit))
      .map((t) => `| ${ICON[t.status] ?? ''} ${cell(t.unit)} | ${t.priority} | ${cell(t.module)} | ${statusLabel(t)}${t.reason ? `: ${cell(t.reason)}` : ''} | ${t.exitCode ?? (t.signal ?? '-')} | ${t.attempts}/${t.maxAttempts} | ${secs(t.durationMs)} | ${amount(t.resources?.cpuMs, secs)} | ${amount(t.resources?.peakMemoryBytes, bytes)} | ${amount(t.resources?.producedBytes, bytes)} | ${t.log ? `\`${cell(t.log)}\`` : '-'} |`),
  ];
  if (summary.setup.length) {
    lines.push('', '## Setup', '', '| Module | Lockfile | Action | Duration |', '| --- | --- | --- | --- |');
    for (const s of summary.setup) lines.push(`| ${cell(s.module)} | ${s.lockfile ?? '-'} | ${s.action}${s.error ? `: ${cell(s.error)}` : ''} | ${secs(s.durationMs)} |`);
  }
  return lines.join('\n') + '\n';
}
