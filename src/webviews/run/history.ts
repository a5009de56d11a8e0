/// <reference lib="dom" />
// The same config's recent runs (total time as bars, success rate as a line) and this run against the previous one.
import { duration, percent, resourceChange, signedDuration, signedPoints, timestamp } from '../../core/reports/format';
import type { RunComparison, RunHistoryPoint } from '../../core/reports/protocol';
import { h, icon, s } from '../shared/dom';

export function renderTrend(points: RunHistoryPoint[], width: number, onOpen: (runId: string) => void): HTMLElement {
  if (points.length < 2) return h('p', { class: 'empty' }, points.length ? 'This is the first run of this config: no trend yet.' : 'No earlier runs of this config.');
  const W = Math.max(360, Math.min(width, 900));
  const H = 150;
  const left = 56;
  const right = 44;
  const top = 12;
  const bottom = 26;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const maxMs = Math.max(1, ...points.map((p) => p.totalMs));
  const slot = plotW / points.length;
  const barW = Math.max(4, Math.min(36, slot * 0.6));
  const svg = s('svg', { class: 'trend', width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `Total time and success rate of the last ${points.length} runs` });
  // Axes: time on the left, success rate on the right.
  for (const f of [0, 0.5, 1]) {
    const y = top + plotH * (1 - f);
    svg.appendChild(s('line', { x1: left, x2: W - right, y1: y, y2: y, class: 'tick' }));
    svg.appendChild(s('text', { x: left - 6, y: y + 4, class: 'tick-label', 'text-anchor': 'end' }, duration(maxMs * f)));
    svg.appendChild(s('text', { x: W - right + 6, y: y + 4, class: 'tick-label rate' }, percent(f, 0)));
  }
  const line: string[] = [];
  points.forEach((p, i) => {
    const cx = left + slot * (i + 0.5);
    const bh = Math.max(1, (p.totalMs / maxMs) * plotH);
    const bar = s('rect', { x: cx - barW / 2, y: top + plotH - bh, width: barW, height: bh, rx: 2, class: `trend-bar st-${p.status}${p.current ? ' current' : ''}`, 'data-run': i },
      s('title', null, `${p.runId}\n${timestamp(p.startedAt)}\n${p.status} · ${duration(p.totalMs)} · ${percent(p.successRate)} passed${p.current ? '\n(this run)' : ''}`));
    if (!p.current) {
      bar.setAttribute('tabindex', '0');
      bar.addEventListener('click', () => onOpen(p.runId));
      bar.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter') onOpen(p.runId);
      });
    }
    svg.appendChild(bar);
    const ry = top + plotH * (1 - p.successRate);
    line.push(`${i ? 'L' : 'M'}${cx.toFixed(1)},${ry.toFixed(1)}`);
    if (p.current) svg.appendChild(s('text', { x: cx, y: H - 8, class: 'tick-label current-label', 'text-anchor': 'middle' }, 'this run'));
  });
  svg.appendChild(s('path', { d: line.join(' '), class: 'rate-line' }));
  points.forEach((p, i) => svg.appendChild(s('circle', { cx: left + slot * (i + 0.5), cy: top + plotH * (1 - p.successRate), r: 3.5, class: 'rate-dot' })));
  return h('div', { class: 'trend-wrap' }, svg,
    h('div', { class: 'legend' },
      h('span', { class: 'legend-item' }, s('svg', { width: 14, height: 10, 'aria-hidden': 'true' }, s('rect', { width: 14, height: 10, rx: 2, class: 'trend-bar st-passed' })), 'total time'),
      h('span', { class: 'legend-item' }, s('svg', { width: 14, height: 10, 'aria-hidden': 'true' }, s('line', { x1: 0, x2: 14, y1: 5, y2: 5, class: 'rate-line' })), 'success rate'),
      h('span', { class: 'muted' }, 'Click a bar to open that run.')));
}

export function renderComparison(c: RunComparison, onOpen: (runId: string) => void): HTMLElement {
  const delta = (v: number, text: string, betterWhenLower: boolean) =>
    h('span', { class: `delta ${v === 0 ? 'same' : (v < 0) === betterWhenLower ? 'better' : 'worse'}` }, text);
  const list = (title: string, cls: string, items: Node[], empty: string) =>
    h('div', { class: `card ${cls}` }, h('h3', null, title), items.length ? h('ul', { class: 'plain' }, ...items) : h('p', { class: 'empty' }, empty));
  return h('div', { class: 'compare' },
    h('p', { class: 'compare-head' },
      'Against ', h('button', { type: 'button', class: 'link mono', on: { click: () => onOpen(c.previousRunId) } }, c.previousRunId),
      ` (${timestamp(c.previousStartedAt)}): total time `, delta(c.totalDeltaMs, signedDuration(c.totalDeltaMs), true),
      ', success rate ', delta(c.successRateDelta, signedPoints(c.successRateDelta), false), '.'),
    h('div', { class: 'cards' },
      list(`Newly failing (${c.newlyFailing.length})`, 'newly-failing', c.newlyFailing.map((f) =>
        h('li', null, h('span', { class: 'st failed' }, icon('fail')), h('span', { class: 'mono' }, f.unit), f.reason ? h('span', { class: 'muted' }, f.reason) : null)), 'Nothing newly fails.'),
      list(`Slower (${c.slower.length})`, 'slower', c.slower.map((x) =>
        h('li', null, h('span', { class: 'mono' }, x.unit), h('span', { class: 'muted' }, `${duration(x.beforeMs)} → ${duration(x.afterMs)}`), delta(x.afterMs - x.beforeMs, signedDuration(x.afterMs - x.beforeMs), true))), 'Nothing got notably slower.'),
      list(`Fixed (${c.fixed.length})`, 'fixed', c.fixed.map((u) => h('li', null, h('span', { class: 'st passed' }, icon('pass')), h('span', { class: 'mono' }, u))), 'Nothing that failed before passes now.'),
      list(`Faster (${c.faster.length})`, 'faster', c.faster.map((x) =>
        h('li', null, h('span', { class: 'mono' }, x.unit), h('span', { class: 'muted' }, `${duration(x.beforeMs)} → ${duration(x.afterMs)}`), delta(x.afterMs - x.beforeMs, signedDuration(x.afterMs - x.beforeMs), true))), 'Nothing got notably faster.'),
      // Absent in a model kept by a page from before resources were recorded.
      list(`Resources (${c.resources?.length ?? 0})`, 'resources', (c.resources ?? []).map((x) =>
        h('li', null, delta(x.ratio - 1, resourceChange(x), true))), 'No unit used notably more or less CPU, memory or output.'),
    ),
    c.added.length || c.removed.length
      ? h('p', { class: 'muted' }, [c.added.length ? `${c.added.length} new unit(s): ${c.added.slice(0, 8).join(', ')}${c.added.length > 8 ? '…' : ''}` : '', c.removed.length ? `${c.removed.length} unit(s) no longer run: ${c.removed.slice(0, 8).join(', ')}${c.removed.length > 8 ? '…' : ''}` : ''].filter(Boolean).join(' · '))
      : null);
}
