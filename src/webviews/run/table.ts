/// <reference lib="dom" />
// The task table: failures first by default, sortable by any column, filtered by status, module and text. Long
// runs show the first rows and a button for the rest, so a thousand units do not make a thousand rows up front.
import { bytes, duration } from '../../core/reports/format';
import type { RunReportModel, RunTaskModel } from '../../core/reports/protocol';
import { h, icon } from '../shared/dom';
import { isFailure, isWarning, severity, statusCell } from './status';

export const SORT_KEYS = ['severity', 'unit', 'module', 'wave', 'attempts', 'duration', 'cpu', 'memory', 'start'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export const STATUS_FILTERS = ['all', 'failures', 'warnings', 'retried', 'passed', 'running', 'pending', 'skipped', 'cancelled'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

export interface TableState {
  sort: SortKey;
  desc: boolean;
  status: StatusFilter;
  module: string;
  text: string;
  all: boolean;
}

export const DEFAULT_TABLE: TableState = { sort: 'severity', desc: false, status: 'all', module: '', text: '', all: false };
const PAGE = 200;

function matches(t: RunTaskModel, st: TableState): boolean {
  switch (st.status) {
    case 'failures':
      if (!(isFailure(t) && !isWarning(t)) && !t.blocking) return false;
      break;
    case 'warnings':
      if (!isWarning(t)) return false;
      break;
    case 'retried':
      if (t.attempts <= 1) return false;
      break;
    case 'passed':
    case 'running':
    case 'pending':
    case 'skipped':
    case 'cancelled':
      if (t.status !== st.status) return false;
      break;
  }
  if (st.module && t.module !== st.module) return false;
  if (st.text) {
    const q = st.text.toLowerCase();
    if (!t.unit.toLowerCase().includes(q) && !(t.reason ?? '').toLowerCase().includes(q) && !t.command.toLowerCase().includes(q)) return false;
  }
  return true;
}

function compare(key: SortKey): (a: RunTaskModel, b: RunTaskModel) => number {
  const byName = (a: RunTaskModel, b: RunTaskModel) => a.unit.localeCompare(b.unit);
  switch (key) {
    case 'severity':
      return (a, b) => severity(a) - severity(b) || a.wave - b.wave || byName(a, b);
    case 'unit':
      return byName;
    case 'module':
      return (a, b) => a.module.localeCompare(b.module) || byName(a, b);
    case 'wave':
      return (a, b) => a.wave - b.wave || (a.startMs ?? Infinity) - (b.startMs ?? Infinity) || byName(a, b);
    case 'attempts':
      return (a, b) => a.attempts - b.attempts || byName(a, b);
    case 'duration':
      return (a, b) => a.durationMs - b.durationMs || byName(a, b);
    case 'cpu':
      return (a, b) => (a.resources?.cpuMs ?? -1) - (b.resources?.cpuMs ?? -1) || byName(a, b);
    case 'memory':
      return (a, b) => (a.resources?.peakMemoryBytes ?? -1) - (b.resources?.peakMemoryBytes ?? -1) || byName(a, b);
    case 'start':
      return (a, b) => (a.startMs ?? Infinity) - (b.startMs ?? Infinity) || byName(a, b);
  }
}

/** A measured amount, or a dash (not measured, or a model from before resources were recorded). */
const amount = (v: number | null | undefined, f: (x: number) => string) => (v === null || v === undefined ? '–' : f(v));

/** The rows shown for a state, in order: exported for the tests' expectations as much as for rendering. */
export function visibleTasks(tasks: RunTaskModel[], st: TableState): RunTaskModel[] {
  const rows = tasks.filter((t) => matches(t, st)).sort(compare(st.sort));
  return st.desc ? rows.reverse() : rows;
}

export function renderTable(model: RunReportModel, st: TableState, onChange: (next: TableState) => void, onOpen: (t: RunTaskModel) => void): HTMLElement {
  const modules = [...new Set(model.tasks.map((t) => t.module))].sort();
  const rows = visibleTasks(model.tasks, st);
  const shown = st.all ? rows : rows.slice(0, PAGE);
  const set = (patch: Partial<TableState>) => onChange({ ...st, ...patch });

  const statusSelect = h('select', { id: 'filter-status', aria: { label: 'Filter by status' }, on: { change: () => set({ status: statusSelect.value as StatusFilter, all: false }) } },
    ...STATUS_FILTERS.map((f) => {
      const o = h('option', { value: f }, f === 'all' ? 'All statuses' : f);
      if (f === st.status) o.selected = true;
      return o;
    }));
  const moduleSelect = h('select', { id: 'filter-module', aria: { label: 'Filter by module' }, on: { change: () => set({ module: moduleSelect.value, all: false }) } },
    h('option', { value: '' }, 'All modules'),
    ...modules.map((m) => {
      const o = h('option', { value: m }, m);
      if (m === st.module) o.selected = true;
      return o;
    }));
  const search = h('input', { type: 'search', id: 'filter-text', aria: { label: 'Filter by name' } });
  search.placeholder = 'Filter units…';
  search.value = st.text;
  let debounce: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => set({ text: search.value, all: false }), 150);
  });

  const col = (key: SortKey | null, label: string, cls = '') => {
    if (!key) return h('th', { class: cls }, label);
    const active = st.sort === key;
    return h('th', { class: cls, aria: { sort: active ? (st.desc ? 'descending' : 'ascending') : 'none' }, data: { key } },
      h('button', { type: 'button', on: { click: () => set({ sort: key, desc: active ? !st.desc : false }) } }, label));
  };
  const body = h('tbody');
  for (const t of shown) {
    const wave = model.waves.find((w) => w.index === t.wave);
    const tr = h('tr', { class: t.hasLog ? 'clickable' : '', tabindex: 0, data: { unit: t.unit, status: t.status } },
      h('td', null, statusCell(t)),
      h('td', { class: 'unit' }, h('div', { class: 'mono' }, t.unit), t.reason ? h('div', { class: 'muted reason' }, t.reason) : null),
      h('td', null, t.module),
      h('td', { class: 'nowrap' }, wave ? `W${wave.index + 1} ${wave.name}` : String(t.wave + 1)),
      h('td', { class: 'num' }, t.attempts > 1 ? h('span', { class: 'st warning', title: `${t.attempts - 1} retr${t.attempts === 2 ? 'y' : 'ies'}` }, icon('retry'), `${t.attempts}/${t.maxAttempts}`) : `${t.attempts}/${t.maxAttempts}`),
      h('td', { class: 'num' }, t.startMs === null ? '–' : duration(t.durationMs)),
      h('td', { class: 'num' }, amount(t.resources?.cpuMs, duration)),
      h('td', { class: 'num' }, amount(t.resources?.peakMemoryBytes, bytes)),
      h('td', { class: 'num' }, t.signal ? t.signal : t.exitCode === null ? '–' : String(t.exitCode)),
      h('td', { class: 'num' }, t.startMs === null ? '–' : `+${duration(t.startMs)}`),
    );
    if (t.hasLog) {
      tr.title = 'Open the log';
      tr.addEventListener('click', () => onOpen(t));
      tr.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter') onOpen(t);
      });
    }
    body.appendChild(tr);
  }
  const table = h('table', { class: 'grid tasks' },
    h('thead', null, h('tr', null, col('severity', 'Status'), col('unit', 'Unit'), col('module', 'Module'), col('wave', 'Wave'), col('attempts', 'Attempts', 'num'), col('duration', 'Duration', 'num'), col('cpu', 'CPU', 'num'), col('memory', 'Peak memory', 'num'), col(null, 'Exit', 'num'), col('start', 'Started', 'num'))),
    body);
  const more = rows.length > shown.length
    ? h('div', { class: 'more' }, h('button', { type: 'button', class: 'btn secondary', id: 'show-all', on: { click: () => set({ all: true }) } }, `Show all ${rows.length} rows`))
    : null;
  return h('div', { class: 'table-block' },
    h('div', { class: 'controls' }, statusSelect, moduleSelect, search,
      h('span', { class: 'muted', id: 'row-count' }, `${shown.length === rows.length ? rows.length : `${shown.length} of ${rows.length}`} shown · ${model.tasks.length} in all`)),
    rows.length ? table : h('p', { class: 'empty' }, 'No task matches the filter.'),
    more);
}
