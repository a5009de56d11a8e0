/// <reference lib="dom" />
// Agent report page: the mission from the agent's brief, its status and resources, its own structured report
// (summary, deliverables, metrics) and the tail of its log. All of it is agent-written: text only.
import '../shared/base.css';
import './styles.css';
import { bytes, duration, timestamp } from '../../core/reports/format';
import type { AgentReportModel } from '../../core/reports/protocol';
import { button, fill, h, icon } from '../shared/dom';
import { startPage, timed } from '../shared/page';

const STATUS_ICON = { created: 'wait', running: 'run', succeeded: 'pass', failed: 'fail', 'oom-killed': 'fail', missing: 'stop', unknown: 'wait' } as const;

function tile(label: string, value: string, hint = '', id = ''): HTMLElement {
  return h('div', { class: 'tile', ...(id ? { data: { metric: id } } : {}) }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value), h('div', { class: 'hint' }, hint));
}

/** Plain text in paragraphs: blank lines separate them, single newlines stay (pre-wrap). */
function paragraphs(text: string, cls: string): HTMLElement {
  const parts = text.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
  return h('div', { class: `prose ${cls}` }, ...parts.map((p) => h('p', null, p)));
}

const main = document.getElementById('app') ?? document.body.appendChild(h('main', { id: 'app' }));

startPage('agent', (ctx) => ({
  render(m: AgentReportModel) {
    document.title = `Agent ${m.id}`;
    const r = m.report;
    const header = h('header', { class: 'report-header' },
      h('div', { class: 'title-row' },
        h('h1', null, 'Agent ', h('span', { class: 'mono' }, m.id)),
        h('span', { class: `badge ${m.status}`, data: { status: m.status } }, icon(STATUS_ICON[m.status] ?? 'wait'), m.status),
        m.live ? h('span', { class: 'badge live small' }, h('span', { class: 'live-dot' }), 'live') : null,
        m.overdue ? h('span', { class: 'badge warning small' }, icon('clock'), 'over its timeout') : null),
      h('div', { class: 'subtitle' },
        h('span', { id: 'agent-title' }, h('b', null, m.title)),
        m.persona ? h('span', null, 'Persona ', h('b', null, m.persona)) : null,
        m.role ? h('span', null, 'Role ', h('b', null, m.role)) : null,
        h('span', null, 'Host ', h('b', null, m.host || 'local engine')),
        m.image ? h('span', null, 'Image ', h('b', { class: 'mono' }, m.image)) : null),
      h('div', { class: 'subtitle' }, h('span', { id: 'status-text' }, m.statusText)),
      h('div', { class: 'toolbar needs-host' },
        button('Open brief', () => ctx.post({ type: 'openBrief' }), { icon: 'file', secondary: true, id: 'open-brief', disabled: !m.briefPath }),
        button('Open output folder', () => ctx.post({ type: 'openOutput' }), { icon: 'export', secondary: true, id: 'open-output' }),
        button('Refresh', () => ctx.post({ type: 'refresh' }), { icon: 'refresh', secondary: true, id: 'refresh' })));
    if (m.error) ctx.notice('error', m.error);

    const tiles = h('section', { class: 'tiles', aria: { label: 'Agent figures' } },
      tile('Duration', m.durationMs === null ? '–' : duration(m.durationMs), m.live ? 'so far' : m.finishedAt ? `finished ${timestamp(m.finishedAt)}` : '', 'duration'),
      tile('Exit code', m.exitCode === null ? '–' : String(m.exitCode), m.status, 'exit'),
      tile('Report', r ? r.status : 'none', r ? `${r.deliverables.length} deliverable${r.deliverables.length === 1 ? '' : 's'}` : m.reportError ?? '', 'report'),
      tile('Started', m.startedAt ? timestamp(m.startedAt).slice(11) : '–', m.startedAt ? timestamp(m.startedAt).slice(0, 10) : m.status === 'unknown' ? 'unknown' : 'not started', 'started'));

    const mission = h('section', { id: 'mission' }, h('h2', null, 'Mission', h('span', { class: 'aside mono' }, m.briefPath)),
      m.mission ? paragraphs(m.mission, 'mission') : h('p', { class: 'empty' }, 'The brief has no Mission section.'));

    const resources = h('section', { id: 'resources' }, h('h2', null, 'Resources'),
      m.resources.length
        ? h('table', { class: 'grid kv' }, h('tbody', null, ...m.resources.map((x) => h('tr', null, h('th', null, x.label), h('td', null, x.value)))))
        : h('p', { class: 'empty' }, 'No limits recorded.'));

    let report: HTMLElement;
    if (r) {
      report = h('section', { id: 'report' },
        h('h2', null, 'Report', h('span', { class: `badge small ${r.status}` }, r.status), h('span', { class: 'aside' }, `${timestamp(r.startedAt)} → ${timestamp(r.finishedAt)}`)),
        paragraphs(r.summary, 'summary'),
        h('h3', null, 'Deliverables'),
        r.deliverables.length
          ? h('table', { class: 'grid deliverables' },
            h('thead', null, h('tr', null, h('th', null, 'File'), h('th', null, 'What it is'), h('th', { class: 'num' }, 'Size'))),
            h('tbody', null, ...r.deliverables.map((d, index) => h('tr', { data: { index } },
              h('td', { class: 'mono path' }, d.exists === false
                ? h('span', { class: 'st failed', title: 'Not found in the output folder' }, icon('warn'), d.path)
                : h('button', { type: 'button', class: 'link mono', title: 'Open the file', on: { click: () => ctx.post({ type: 'openDeliverable', index }) } }, icon('file'), ' ', d.path)),
              h('td', null, d.description ?? ''),
              h('td', { class: 'num' }, d.bytes === null ? (d.exists === false ? 'missing' : '–') : bytes(d.bytes))))))
          : h('p', { class: 'empty' }, 'No deliverables listed.'),
        r.metrics.length
          ? h('div', null, h('h3', null, 'Metrics'), h('div', { class: 'tiles metrics' }, ...r.metrics.map((x) => tile(x.name, Number.isInteger(x.value) ? String(x.value) : x.value.toFixed(3)))))
          : null);
    } else {
      report = h('section', { id: 'report' }, h('h2', null, 'Report'), h('p', { class: 'empty' }, m.reportError ?? 'No report yet.'));
    }

    const logs = h('section', { id: 'logs' }, h('h2', null, 'Log', h('span', { class: 'aside' }, m.logTail.length ? `last ${m.logTail.length} lines` : '')),
      m.logNote ? h('p', { class: 'muted' }, m.logNote) : null,
      m.logTail.length ? h('pre', { class: 'log', tabindex: 0 }, m.logTail.join('\n')) : h('p', { class: 'empty' }, 'No output.'));

    timed(ctx, 'agent', m.logTail.length + (r?.deliverables.length ?? 0), () => {
      fill(main, header, tiles, mission, report, resources, logs);
      return main;
    });
    // The newest lines are what matter in a tail.
    const pre = logs.querySelector('pre');
    if (pre) pre.scrollTop = pre.scrollHeight;
  },
}));
