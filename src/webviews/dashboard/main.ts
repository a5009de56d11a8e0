/// <reference lib="dom" />
// Federation dashboard: personas and their tasks, the open queue, agents by host and status, open handoffs, held
// locks and recent matrix runs, in one page.
import '../shared/base.css';
import './styles.css';
import { duration, timestamp } from '../../core/reports/format';
import type { DashboardModel } from '../../core/reports/protocol';
import { button, fill, h, icon } from '../shared/dom';
import { startPage, timed } from '../shared/page';
import { dependencySection, type DependencySection } from './dependencies';

const TASK_OPEN = new Set(['queued', 'claimed', 'in_progress', 'handed_off']);
const AGENT_ICON = { created: 'wait', running: 'run', succeeded: 'pass', failed: 'fail', 'oom-killed': 'fail', missing: 'stop', unknown: 'wait' } as const;

function tile(label: string, value: string | number, hint: string, id: string): HTMLElement {
  return h('div', { class: 'tile', data: { metric: id } }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, String(value)), h('div', { class: 'hint' }, hint));
}

function taskStatus(status: string): HTMLElement {
  const cls = status === 'done' ? 'passed' : status === 'failed' ? 'failed' : status === 'in_progress' ? 'running' : status === 'cancelled' ? 'cancelled' : 'pending';
  return h('span', { class: `st ${cls} small` }, status.replace('_', ' '));
}

/** "in 12m" / "3m ago". */
function relative(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const d = t - now;
  return d >= 0 ? `in ${duration(d)}` : `${duration(-d)} ago`;
}

const main = document.getElementById('app') ?? document.body.appendChild(h('main', { id: 'app' }));
let dependencies: DependencySection | undefined;

startPage('dashboard', (ctx) => ({
  render(m: DashboardModel) {
    document.title = 'Federation dashboard';
    const now = Date.parse(m.generatedAt) || Date.now();
    for (const p of m.problems) ctx.notice('error', p);
    const open = m.personas.reduce((n, p) => n + p.tasks.filter((t) => TASK_OPEN.has(t.status)).length, 0) + m.queue.unassigned.length;
    const running = m.agents.byStatus['running'] ?? 0;
    const agentsTotal = Object.values(m.agents.byStatus).reduce((a, b) => a + b, 0);

    const header = h('header', { class: 'report-header' },
      h('div', { class: 'title-row' }, h('h1', null, 'Federation'), h('span', { class: 'muted mono' }, m.root)),
      h('div', { class: 'subtitle' }, h('span', null, `As of ${timestamp(m.generatedAt)}`), m.initialized ? null : h('span', { class: 'st failed' }, 'not initialized')),
      h('div', { class: 'toolbar needs-host' }, button('Refresh', () => ctx.post({ type: 'refresh' }), { icon: 'refresh', secondary: true, id: 'refresh' })));

    const tiles = h('section', { class: 'tiles' },
      tile('Personas', m.personas.length, `${m.personas.filter((p) => p.status === 'active').length} active`, 'personas'),
      tile('Open tasks', open, `${m.queue.total} in the queue`, 'tasks'),
      tile('Agents', agentsTotal, `${running} running`, 'agents'),
      tile('Handoffs', m.handoffs.length, 'waiting for acknowledgement', 'handoffs'),
      tile('Locks', m.locks.length, `${m.locks.filter((l) => l.expired).length} expired`, 'locks'),
      tile('Usage', `$${m.usage.total.costUsd.toFixed(2)}`, `${m.usage.total.entries} attempt${m.usage.total.entries === 1 ? '' : 's'} · ${tokens(m.usage.total.inputTokens + m.usage.total.outputTokens)} tokens`, 'usage'));

    const personas = h('section', { id: 'personas' }, h('h2', null, 'Personas and their tasks'),
      m.personas.length
        ? h('div', { class: 'cards' }, ...m.personas.map((p) => h('div', { class: 'card persona', data: { persona: p.id } },
          h('div', { class: 'card-head' }, h('h3', null, p.displayName), h('span', { class: `badge small ${p.status}` }, p.status)),
          h('div', { class: 'muted small' }, h('span', { class: 'mono' }, p.id), ` · ${p.runsIn}`, p.lastHeartbeat ? ` · seen ${relative(p.lastHeartbeat, now)}` : ''),
          p.skills.length ? h('div', { class: 'chips' }, ...p.skills.map((s) => h('span', { class: 'chip' }, s))) : null,
          p.tasks.length
            ? h('ul', { class: 'plain tasks' }, ...p.tasks.map((t) => h('li', null, h('span', { class: 'mono muted' }, t.id), h('span', { class: 'task-title' }, t.title), taskStatus(t.status))))
            : h('p', { class: 'empty' }, 'No tasks.'))))
        : h('p', { class: 'empty' }, 'No personas are registered.'),
      m.queue.unassigned.length
        ? h('div', { class: 'card unassigned' }, h('h3', null, `Waiting for someone (${m.queue.unassigned.length})`),
          h('ul', { class: 'plain' }, ...m.queue.unassigned.map((t) => h('li', null, h('span', { class: 'mono muted' }, t.id), h('span', null, t.title), h('span', { class: 'muted' }, `P${t.priority}`), ...t.skills.map((s) => h('span', { class: 'chip' }, s))))))
        : null);

    const agents = h('section', { id: 'agents' }, h('h2', null, 'Agents by host',
      h('span', { class: 'aside' }, Object.entries(m.agents.byStatus).map(([k, v]) => `${v} ${k}`).join(' · ') || 'none'),
      m.agents.live ? null : h('span', { class: 'aside' }, '(from the records; engines not asked)')),
      m.agents.hosts.length
        ? h('div', { class: 'cards' }, ...m.agents.hosts.map((host) => h('div', { class: 'card host' },
          h('div', { class: 'card-head' }, h('h3', { class: 'mono' }, host.label || 'local engine'),
            host.reachable === false ? h('span', { class: 'badge small failed', title: host.error ?? '' }, 'unreachable') : host.reachable ? h('span', { class: 'badge small passed' }, 'reachable') : null),
          host.error ? h('p', { class: 'muted small' }, host.error) : null,
          host.agents.length
            ? h('ul', { class: 'plain' }, ...host.agents.map((a) => h('li', { data: { agent: a.id } },
              h('span', { class: `st ${a.status}` }, icon(AGENT_ICON[a.status] ?? 'wait'), a.status),
              h('button', { type: 'button', class: 'link mono needs-host-link', on: { click: () => ctx.post({ type: 'openAgent', id: a.id }) } }, a.id),
              h('span', { class: 'muted' }, [a.title, a.persona ? `for ${a.persona}` : '', a.durationMs !== null ? duration(a.durationMs) : ''].filter(Boolean).join(' · ')))))
            : h('p', { class: 'empty' }, 'No agents.'))))
        : h('p', { class: 'empty' }, 'No agents have been deployed.'));

    const handoffs = h('section', { id: 'handoffs' }, h('h2', null, 'Open handoffs'),
      m.handoffs.length
        ? h('table', { class: 'grid' }, h('thead', null, h('tr', null, h('th', null, 'Task'), h('th', null, 'From → to'), h('th', null, 'Since'), h('th', null, 'Document'))),
          h('tbody', null, ...m.handoffs.map((x) => h('tr', { data: { task: x.taskId } },
            h('td', null, h('span', { class: 'mono muted' }, x.taskId), ' ', x.title),
            h('td', null, `${x.from} → ${x.to}`),
            h('td', { class: 'nowrap' }, relative(x.at, now)),
            h('td', null, h('button', { type: 'button', class: 'link', on: { click: () => ctx.post({ type: 'openHandoff', taskId: x.taskId }) } }, icon('file'), ' ', x.document))))))
        : h('p', { class: 'empty' }, 'No handoff is waiting.'));

    const locks = h('section', { id: 'locks' }, h('h2', null, 'Held locks'),
      m.locks.length
        ? h('table', { class: 'grid' }, h('thead', null, h('tr', null, h('th', null, 'Resource'), h('th', null, 'Holder'), h('th', null, 'Task'), h('th', null, 'Host'), h('th', null, 'Expires'))),
          h('tbody', null, ...m.locks.map((l) => h('tr', { class: l.expired ? 'expired' : '', data: { resource: l.resource } },
            h('td', { class: 'mono' }, l.resource), h('td', null, l.holder), h('td', { class: 'mono' }, l.task ?? '–'), h('td', null, l.host),
            h('td', { class: 'nowrap' }, l.expired ? h('span', { class: 'st failed' }, `expired ${relative(l.expiresAt, now)}`) : relative(l.expiresAt, now))))))
        : h('p', { class: 'empty' }, 'No lock is held.'));

    const runs = h('section', { id: 'runs' }, h('h2', null, 'Recent matrix runs'),
      m.runs.length
        ? h('ul', { class: 'plain' }, ...m.runs.map((r) => h('li', null,
          h('span', { class: `st ${r.status}` }, icon(r.status === 'passed' ? 'pass' : r.status === 'failed' ? 'fail' : 'wait'), r.status),
          h('button', { type: 'button', class: 'link mono', on: { click: () => ctx.post({ type: 'openRun', runId: r.runId }) } }, r.runId),
          h('span', { class: 'muted' }, timestamp(r.startedAt)))))
        : h('p', { class: 'empty' }, 'No matrix runs yet.'));

    const usage = h('section', { id: 'usage' }, h('h2', null, 'Usage by persona', h('span', { class: 'aside' }, 'what the tasks\' attempts cost, as the agents reported it')),
      m.usage.byPersona.length
        ? h('table', { class: 'grid' }, h('thead', null, h('tr', null, h('th', null, 'Persona'), h('th', { class: 'num' }, 'Attempts'), h('th', { class: 'num' }, 'Input tokens'), h('th', { class: 'num' }, 'Output tokens'), h('th', { class: 'num' }, 'Cost (USD)'), h('th', { class: 'num' }, 'Wall time'))),
          h('tbody', null, ...m.usage.byPersona.map((u) => h('tr', { data: { persona: u.persona } },
            h('td', null, u.persona), h('td', { class: 'num' }, String(u.entries)), h('td', { class: 'num' }, tokens(u.inputTokens)), h('td', { class: 'num' }, tokens(u.outputTokens)),
            h('td', { class: 'num' }, u.costUsd.toFixed(4)), h('td', { class: 'num' }, duration(u.wallSeconds * 1000))))))
        : h('p', { class: 'empty' }, 'No usage recorded yet: agents report it with complete_task (MCP) or `federation task complete --usage`.'));

    dependencies?.dispose();
    dependencies = dependencySection(m.dependencies);
    timed(ctx, 'dashboard', m.personas.length + m.locks.length + m.handoffs.length + m.dependencies.nodes.length, () => {
      fill(main, header, tiles, personas, dependencies!.element, agents, h('div', { class: 'two-col' }, handoffs, locks), usage, runs);
      dependencies!.draw();
      return main;
    });
  },
}));

/** 12345 → "12.3k": token counts at a glance. */
function tokens(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : String(n);
}
