/// <reference lib="dom" />
// Run report page (CI matrix runs): header figures, the timeline, this run against the previous one, the task
// table and the config's trend. Re-rendered whole on each model (an update every second or so while a run is in
// progress); view settings (sort, filters) survive updates and window reloads.
import '../shared/base.css';
import './styles.css';
import { bytes, count, duration, percent, times, timestamp } from '../../core/reports/format';
import type { RunReportModel, RunTaskModel } from '../../core/reports/protocol';
import { button, fill, h } from '../shared/dom';
import { startPage, timed } from '../shared/page';
import { renderComparison, renderTrend } from './history';
import { runBadge } from './status';
import { DEFAULT_TABLE, SORT_KEYS, STATUS_FILTERS, TableState, renderTable } from './table';
import { legend, renderTimeline } from './timeline';

const WHERE: Record<string, string> = { local: 'local processes', containers: 'containers', github: 'GitHub Actions' };

function tile(label: string, value: string, hint: string, cls = '', id = ''): HTMLElement {
  return h('div', { class: `tile ${cls}`, ...(id ? { data: { metric: id } } : {}) }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value), h('div', { class: 'hint' }, hint));
}

function tableState(raw: unknown): TableState {
  const st = { ...DEFAULT_TABLE };
  if (raw && typeof raw === 'object') {
    const r = raw as Record<string, unknown>;
    if ((SORT_KEYS as readonly unknown[]).includes(r['sort'])) st.sort = r['sort'] as TableState['sort'];
    if ((STATUS_FILTERS as readonly unknown[]).includes(r['status'])) st.status = r['status'] as TableState['status'];
    if (typeof r['desc'] === 'boolean') st.desc = r['desc'];
    if (typeof r['module'] === 'string') st.module = r['module'];
    if (typeof r['text'] === 'string') st.text = r['text'];
  }
  return st;
}

const main = document.getElementById('app') ?? document.body.appendChild(h('main', { id: 'app' }));

startPage('run', (ctx) => {
  let model: RunReportModel | undefined;
  let table = tableState(ctx.ui('table', null));
  const header = h('header', { class: 'report-header' });
  const tiles = h('section', { class: 'tiles', aria: { label: 'Run figures' } });
  const timelineBody = h('div', { id: 'timeline-body' });
  const timeline = h('section', { id: 'timeline' }, h('h2', null, 'Timeline', h('span', { class: 'aside', id: 'timeline-aside' })), legend(), timelineBody);
  const compare = h('section', { id: 'compare' });
  const tasksBody = h('div', { id: 'tasks-body' });
  const tasks = h('section', { id: 'tasks' }, h('h2', null, 'Tasks', h('span', { class: 'aside', id: 'tasks-aside' })), tasksBody);
  const history = h('section', { id: 'history' });
  fill(main, header, tiles, timeline, compare, tasks, history);

  const openLog = (t: RunTaskModel) => ctx.post({ type: 'openLog', unit: t.unit });
  const openRun = (runId: string) => ctx.post({ type: 'openRun', runId });
  const width = () => Math.max(520, (main.clientWidth || document.documentElement.clientWidth) - 4);

  const renderTasks = () => {
    if (!model) return;
    fill(tasksBody, renderTable(model, table, (next) => {
      table = next;
      ctx.setUi('table', { sort: next.sort, desc: next.desc, status: next.status, module: next.module, text: next.text });
      const focused = document.activeElement?.id;
      renderTasks();
      // Re-rendering replaces the controls: keep the keyboard where it was.
      if (focused) document.getElementById(focused)?.focus();
    }, openLog));
  };

  const renderTimelineSection = () => {
    if (!model) return;
    const m = model;
    timed(ctx, 'timeline', m.tasks.length, () => {
      fill(timelineBody, renderTimeline(m, { width: width(), onOpen: openLog }));
      return timelineBody;
    });
  };

  let lastWidth = 0;
  let resizeTimer: ReturnType<typeof setTimeout> | undefined;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      if (Math.abs(width() - lastWidth) > 8) {
        lastWidth = width();
        renderTimelineSection();
      }
    }, 120);
  });

  return {
    render(m) {
      const t0 = performance.now();
      model = m;
      lastWidth = width();
      document.title = `Run ${m.runId}`;
      const c = m.counts;
      const failed = m.tasks.filter((t) => (t.status === 'failed' || t.status === 'timed_out') && t.blocking).length;
      fill(header,
        h('div', { class: 'title-row' }, h('h1', null, 'Run ', h('span', { class: 'mono run-id' }, m.runId)), runBadge(m.status),
          m.live ? h('span', { class: 'badge live small' }, h('span', { class: 'live-dot' }), 'live') : null),
        h('div', { class: 'subtitle' },
          h('span', null, 'Config ', h('b', { class: 'mono' }, m.configFile)),
          h('span', { id: 'origin' }, 'Started by ', h('b', null, m.origin.startedBy), ' on ', h('b', null, WHERE[m.origin.where] ?? m.origin.where), m.origin.label ? ` (${m.origin.label})` : ''),
          h('span', null, timestamp(m.startedAt), m.endedAt ? ` → ${timestamp(m.endedAt)}` : ''),
        ),
        h('div', { class: 'subtitle counts', id: 'counts' },
          h('span', null, h('b', null, `${c.passed}/${c.units}`), ' passed'),
          c.failed ? h('span', { class: 'st failed' }, count(c.failed, 'failed', 'failed')) : null,
          c.timedOut ? h('span', { class: 'st timed_out' }, `${c.timedOut} timed out`) : null,
          c.allowedFailures ? h('span', { class: 'st warning' }, count(c.allowedFailures, 'warning')) : null,
          c.retried ? h('span', null, `${count(c.retried, 'unit')} retried`) : null,
          c.running ? h('span', { class: 'st running' }, `${c.running} running`) : null,
          c.pending ? h('span', null, `${c.pending} pending`) : null,
          c.skipped ? h('span', null, `${c.skipped} skipped`) : null,
          c.cancelled ? h('span', null, `${c.cancelled} cancelled`) : null,
        ),
        h('div', { class: 'toolbar needs-host' },
          button(failed ? `Rerun ${failed} failed` : 'Rerun failed', () => ctx.post({ type: 'rerunFailed' }), { icon: 'retry', disabled: !failed || m.live, id: 'rerun-failed', title: 'Run the failed tasks again' }),
          button('Open config', () => ctx.post({ type: 'openConfig' }), { icon: 'gear', secondary: true, id: 'open-config' }),
          button('Export Markdown', () => ctx.post({ type: 'export', format: 'markdown' }), { icon: 'export', secondary: true, id: 'export-md' }),
          button('Export HTML', () => ctx.post({ type: 'export', format: 'html' }), { icon: 'export', secondary: true, id: 'export-html' }),
        ),
      );
      const mt = m.metrics;
      fill(tiles,
        tile('Total time', duration(mt.totalMs), `setup ${duration(mt.setupMs)} · waves ${duration(mt.executionMs)}`, '', 'total'),
        tile('Success rate', percent(mt.successRate), `${c.passed} of ${c.units} units`, mt.successRate >= 1 ? 'good' : c.blockingFailures ? 'bad' : '', 'success'),
        tile('Throughput', `${mt.throughputPerMinute.toFixed(1)}/min`, 'units finished per minute', '', 'throughput'),
        tile('Speedup', times(mt.speedup), `vs sequential ${duration(mt.sequentialMs)}`, '', 'speedup'),
        tile('Efficiency', percent(mt.efficiency), `of ${count(mt.maxAgents, 'agent')} kept busy`, '', 'efficiency'),
        tile('Critical path', duration(mt.criticalPathMs), `lower bound · waves took ${duration(mt.executionMs)}`, '', 'critical'),
        // Absent in a model kept by a page from before resources were recorded.
        mt.resources ? tile('CPU time', duration(mt.resources.cpuMs), `over ${count(mt.resources.measuredUnits, 'measured unit')}`, '', 'cpu') : null,
        mt.resources ? tile('Peak memory', mt.resources.peakMemoryBytes === null ? '–' : bytes(mt.resources.peakMemoryBytes), `largest unit · output ${bytes(mt.resources.producedBytes)}`, '', 'memory') : null,
      );
      fill(document.getElementById('timeline-aside')!, `${count(m.tasks.length, 'unit')} on ${count(m.waves.length, 'wave')} · hover for details, click for the log`);
      renderTimelineSection();
      if (m.comparison) fill(compare, h('h2', null, 'Compared with the previous run'), renderComparison(m.comparison, openRun));
      else fill(compare);
      compare.hidden = !m.comparison;
      fill(document.getElementById('tasks-aside')!, 'failures first · click a row for its log');
      renderTasks();
      fill(history, h('h2', null, 'History', h('span', { class: 'aside' }, `recent runs of ${m.configFile}`)), renderTrend(m.history, width(), openRun));
      // The whole page, layout included: what a person waits for after each update.
      void main.getBoundingClientRect().height;
      ctx.post({ type: 'rendered', section: 'page', ms: Math.round((performance.now() - t0) * 100) / 100, items: m.tasks.length });
    },
  };
});
