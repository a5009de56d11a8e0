// What the editor says when a matrix run ends (Run Matrix, Start/Follow Run on GitHub): the message, how loud, and
// its buttons. No vscode import: unit-tested on its own; commands/runNotice.ts shows it and runs the buttons'
// commands. The config's webhooks are the matrix service's (their failures are in the log), not this.
import type { NotificationDelivery } from '../../core/matrix/notifications';
import type { RunSummary } from '../../core/matrix/results';
import { countsLine } from '../../core/matrix/summaryText';

export const OPEN_REPORT = 'Open Report';
export const RERUN_FAILED = 'Rerun Failed';
export const OPEN_ON_GITHUB = 'Open on GitHub';

export interface RunEnd {
  runId: string;
  status: RunSummary['status'];
  /** The saved report's summary; absent when a GitHub run left none. */
  summary?: RunSummary;
  /** Why there is no report (GitHub). */
  reportProblem?: string;
  /** The run's page on GitHub. */
  url?: string;
  /** Where it ran, for the message: "Matrix run" or "GitHub run". */
  label: string;
  /** Extra words after the counts (worker logs not fetched). */
  note?: string;
}

export interface RunNotice {
  severity: 'information' | 'warning' | 'error';
  text: string;
  actions: string[];
}

export function runNotice(end: RunEnd): RunNotice {
  const s = end.summary;
  const c = s?.counts;
  const counts = s ? `: ${countsLine(s)}.` : `; no report: ${end.reportProblem ?? 'unknown'}.`;
  const text = `${end.label} ${end.runId} ${end.status}${counts}${end.note ? ` ${end.note}` : ''}`;
  // Rerun Failed runs what the rerun command would: failed, timed out or cancelled tasks of the saved run.
  const rerunnable = c ? c.failed + c.timedOut + c.cancelled > 0 : false;
  const actions = [...(s ? [OPEN_REPORT] : []), ...(rerunnable ? [RERUN_FAILED] : []), ...(end.url ? [OPEN_ON_GITHUB] : [])];
  return { severity: end.status === 'passed' ? 'information' : end.status === 'failed' ? 'error' : 'warning', text, actions };
}

/**
 * What the editor says when webhooks of a local run were not told (they are told after the run's notice, in the
 * background); undefined when every one was.
 */
export function undeliveredNotice(runId: string, deliveries: readonly NotificationDelivery[]): string | undefined {
  const undelivered = deliveries.filter((d) => !d.ok);
  if (undelivered.length === 0) return undefined;
  return `Matrix run ${runId}: ${undelivered.length} webhook(s) not notified (${undelivered.map((d) => d.url).join(', ')}; see the log).`;
}
