// A run's outcome in one line, for the editor's end-of-run notice and the webhooks' text. Its own module with a
// type-only import: the notice is loaded with the extension's commands at activation, the matrix code is not.
import type { RunSummary } from './results';

/** "3/5 passed, 1 blocking failure(s), 1 allowed in 12.3 s": a run's outcome in one line (notices, webhooks). */
export function countsLine(summary: RunSummary): string {
  const c = summary.counts;
  const parts = [`${c.passed}/${c.units} passed`];
  if (c.blockingFailures) parts.push(`${c.blockingFailures} blocking failure(s)`);
  if (c.allowedFailures) parts.push(`${c.allowedFailures} allowed`);
  if (c.skipped) parts.push(`${c.skipped} skipped`);
  return `${parts.join(', ')} in ${(summary.totalMs / 1000).toFixed(1)} s`;
}
