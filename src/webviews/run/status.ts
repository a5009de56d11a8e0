/// <reference lib="dom" />
// How a unit's outcome reads and sorts. Failures that fail the run come first in every list.
import type { RunStatus, RunTaskModel } from '../../core/reports/protocol';
import { h, icon } from '../shared/dom';

export function isFailure(t: RunTaskModel): boolean {
  return t.status === 'failed' || t.status === 'timed_out';
}

export function isWarning(t: RunTaskModel): boolean {
  return isFailure(t) && t.allowed !== null;
}

/** Lower is worse; the table's default order. */
export function severity(t: RunTaskModel): number {
  if (isFailure(t) && t.blocking) return t.status === 'timed_out' ? 1 : 0;
  if (t.blocking) return 2; // a skipped unit whose setup failed
  if (isWarning(t)) return 3;
  switch (t.status) {
    case 'cancelled':
      return 4;
    case 'running':
      return 5;
    case 'pending':
      return 6;
    case 'skipped':
      return 7;
    default:
      return t.attempts > 1 ? 8 : 9;
  }
}

export function statusText(t: RunTaskModel): string {
  const base = t.status === 'timed_out' ? 'timed out' : t.status;
  if (t.allowed === 'allow_warnings') return `warning (${base}, allowed)`;
  if (t.allowed === 'continue_on_error') return `${base} (continue_on_error)`;
  return base;
}

/** The class used for colour: an allowed failure is a warning. */
export function statusClass(t: RunTaskModel): string {
  return isWarning(t) ? 'warning' : t.status;
}

const ICONS = { passed: 'pass', failed: 'fail', timed_out: 'clock', cancelled: 'stop', skipped: 'skip', running: 'run', pending: 'wait', warning: 'warn' } as const;

export function statusCell(t: RunTaskModel): HTMLElement {
  const cls = statusClass(t);
  return h('span', { class: `st ${cls}` }, icon(ICONS[cls as keyof typeof ICONS] ?? 'wait'), statusText(t));
}

export function runBadge(status: RunStatus): HTMLElement {
  const name = { passed: 'pass', failed: 'fail', cancelled: 'stop', running: 'run', incomplete: 'wait' } as const;
  const label = status === 'running' ? 'in progress' : status;
  return h('span', { class: `badge ${status}`, data: { status } }, icon(name[status]), label);
}
