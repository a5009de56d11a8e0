/// <reference lib="dom" />
// The run's Gantt chart: one SVG, one <rect> per attempt, lanes grouped by wave, the leader's and the setup steps
// on top. Built in one pass into a detached SVG and attached once (a thousand tasks lay out once, not a thousand
// times); hover and click are one delegated listener each, so no per-bar handlers either.
import { bytes, duration, tickLabel, tickStep, timestamp } from '../../core/reports/format';
import type { RunReportModel, RunTaskModel } from '../../core/reports/protocol';
import { h, s } from '../shared/dom';
import { statusText } from './status';

const LABEL_W = 190;
const PAD_R = 16;
const AXIS_H = 26;
const HEADER_H = 22;

export interface TimelineOptions {
  width: number;
  onOpen(task: RunTaskModel): void;
}

/** CSS class of a bar: the colour says how the unit ended; an allowed failure shows as a warning. */
function barClass(t: RunTaskModel): string {
  if ((t.status === 'failed' || t.status === 'timed_out') && t.allowed) return 's-warning';
  return `s-${t.status}`;
}

export function renderTimeline(model: RunReportModel, opts: TimelineOptions): HTMLElement {
  const width = Math.max(520, Math.floor(opts.width));
  const plotW = width - LABEL_W - PAD_R;
  const span = Math.max(1, model.spanMs);
  const x = (ms: number) => LABEL_W + (Math.max(0, ms) / span) * plotW;
  const totalLanes = model.waves.reduce((n, w) => n + w.lanes, 0) + 2;
  // Many lanes get thinner rows so the chart stays on a screen or two.
  const laneH = totalLanes > 120 ? 7 : totalLanes > 60 ? 11 : totalLanes > 30 ? 15 : 20;
  const barH = Math.max(4, laneH - (laneH > 10 ? 5 : 2));
  const showLaneLabels = laneH >= 11;

  const wrap = h('div', { class: 'timeline-wrap' });
  const tip = h('div', { class: 'tooltip', hidden: true, role: 'tooltip' });
  const root = s('svg', { class: laneH < 15 ? 'timeline dense' : 'timeline', width, role: 'img', 'aria-label': `Timeline of ${model.tasks.length} tasks in ${model.waves.length} waves` });
  const grid = s('g', { class: 'grid' });
  const bands = s('g', { class: 'bands' });
  const labels = s('g', { class: 'labels' });
  const bars = s('g', { class: 'bars' });
  const texts = s('g', { class: 'bar-labels' });
  const marks = s('g', { class: 'marks' });

  let y = AXIS_H;
  const row = (label: string, cls: string, height: number, sub?: string, strong = false) => {
    const top = y;
    bands.appendChild(s('rect', { x: 0, y: top, width, height, class: cls }));
    if (label) {
      const t = s('text', { x: 8, y: top + height / 2, class: strong ? 'row-label strong' : 'row-label', 'dominant-baseline': 'central' }, label);
      if (sub) t.appendChild(s('tspan', { class: 'row-sub', dx: 6 }, sub));
      labels.appendChild(t);
    }
    y += height;
    return top;
  };
  const phaseBar = (top: number, height: number, startMs: number, endMs: number, cls: string, label: string, i: number) => {
    const x0 = x(startMs);
    const w = Math.max(2, x(endMs) - x0);
    bars.appendChild(s('rect', { x: x0, y: top + (height - barH) / 2, width: w, height: barH, rx: 2, class: `bar phase ${cls}`, 'data-p': i }));
    if (w > 60) texts.appendChild(s('text', { x: x0 + 5, y: top + height / 2, class: 'bar-label', 'dominant-baseline': 'central' }, clip(label, w)));
  };

  // The leader's steps and the setup step.
  const leaderTop = row('Leader', 'band leader', Math.max(laneH, 16), 'plan · report', true);
  const setupTop = row('Setup', 'band setup', Math.max(laneH, 16), 'install / cache', true);
  model.phases.forEach((p, i) => {
    const top = p.kind === 'setup' ? setupTop : leaderTop;
    phaseBar(top, Math.max(laneH, 16), p.startMs, p.endMs, `phase-${p.kind} ps-${p.status}`, p.label, i);
  });

  // Lanes by wave: the offset of each wave's first lane.
  const laneTop = new Map<number, number>();
  model.waves.forEach((w, wi) => {
    const top = row(`W${w.index + 1} · ${w.name}`, `band wave-header ${wi % 2 ? 'odd' : 'even'}`, HEADER_H, `${w.units} unit${w.units === 1 ? '' : 's'} · ${w.agents} agent${w.agents === 1 ? '' : 's'}`, true);
    if (w.startMs !== null && w.endMs !== null) {
      marks.appendChild(s('rect', { x: x(w.startMs), y: top + HEADER_H - 5, width: Math.max(1, x(w.endMs) - x(w.startMs)), height: 3, class: 'wave-extent' }));
      if (w.lowerBoundMs > 0) {
        const bx = x(w.startMs + w.lowerBoundMs);
        marks.appendChild(s('line', { x1: bx, x2: bx, y1: top + 3, y2: top + HEADER_H - 2, class: 'wave-bound' }, s('title', null, `Lower bound of this wave: ${duration(w.lowerBoundMs)}`)));
      }
    }
    laneTop.set(w.index, y);
    for (let l = 0; l < w.lanes; l++) row(showLaneLabels ? `agent ${l + 1}` : '', `band lane ${wi % 2 ? 'odd' : 'even'}`, laneH);
  });
  const height = y + 8;

  // Bars: one rect per attempt; the index into model.tasks rides along for the hover and the click.
  const tasks = model.tasks;
  for (let i = 0; i < tasks.length; i++) {
    const t = tasks[i]!;
    if (t.startMs === null) continue;
    const top = (laneTop.get(t.wave) ?? AXIS_H) + t.lane * laneH + (laneH - barH) / 2;
    const cls = barClass(t);
    const spans = t.attemptSpans.length ? t.attemptSpans : [{ startMs: t.startMs, endMs: t.endMs ?? model.spanMs, ok: t.status === 'passed' }];
    const last = spans.length - 1;
    for (let k = 0; k <= last; k++) {
      const a = spans[k]!;
      const x0 = x(a.startMs);
      const w = Math.max(1.5, x(a.endMs) - x0);
      // Earlier attempts of a retried unit failed by definition: drawn as failed, fainter.
      bars.appendChild(s('rect', { x: x0, y: top, width: w, height: barH, rx: barH > 8 ? 2 : 1, class: k === last ? `bar ${cls}` : 'bar s-failed retry', 'data-i': i }));
      if (k === last && w > 70 && barH >= 10) texts.appendChild(s('text', { x: x0 + 5, y: top + barH / 2, class: 'bar-label', 'dominant-baseline': 'central' }, clip(t.unit, w)));
    }
  }

  // Axis and grid.
  const step = tickStep(span, Math.max(3, Math.floor(plotW / 110)));
  for (let ms = 0; ms <= span + 1; ms += step) {
    const gx = x(ms);
    grid.appendChild(s('line', { x1: gx, x2: gx, y1: AXIS_H - 4, y2: height - 6, class: 'tick' }));
    grid.appendChild(s('text', { x: gx, y: AXIS_H - 9, class: 'tick-label', 'text-anchor': ms === 0 ? 'start' : 'middle' }, tickLabel(ms)));
  }
  // The critical-path bound: no schedule of these units on these agents ends before this line.
  const execStart = Math.min(...model.waves.map((w) => w.startMs ?? Infinity));
  if (Number.isFinite(execStart) && model.metrics.criticalPathMs > 0) {
    const cx = x(execStart + model.metrics.criticalPathMs);
    marks.appendChild(s('line', { x1: cx, x2: cx, y1: AXIS_H, y2: height - 6, class: 'critical' }));
    // Near the right edge the label goes on the line's left, so it is never cut off.
    const right = cx > width - 200;
    marks.appendChild(s('text', { x: right ? cx - 4 : cx + 4, y: AXIS_H + 11, class: 'critical-label', 'text-anchor': right ? 'end' : 'start' }, `critical-path bound ${duration(model.metrics.criticalPathMs)}`));
  }
  if (model.live) {
    const nx = x(model.spanMs);
    marks.appendChild(s('line', { x1: nx, x2: nx, y1: AXIS_H - 4, y2: height - 6, class: 'now' }));
  }
  root.setAttribute('height', String(height));
  root.setAttribute('viewBox', `0 0 ${width} ${height}`);
  root.append(bands, grid, labels, marks, bars, texts);

  // Hover and click, delegated.
  const taskAt = (target: EventTarget | null): RunTaskModel | undefined => {
    const el = target instanceof Element ? target.closest('[data-i]') : null;
    const i = el ? Number(el.getAttribute('data-i')) : NaN;
    return Number.isInteger(i) ? tasks[i] : undefined;
  };
  const phaseAt = (target: EventTarget | null) => {
    const el = target instanceof Element ? target.closest('[data-p]') : null;
    const i = el ? Number(el.getAttribute('data-p')) : NaN;
    return Number.isInteger(i) ? model.phases[i] : undefined;
  };
  root.addEventListener('mousemove', (ev) => {
    const t = taskAt(ev.target);
    const p = t ? undefined : phaseAt(ev.target);
    if (!t && !p) {
      tip.hidden = true;
      return;
    }
    if (tip.dataset['for'] !== (t ? `t${t.unit}` : `p${p!.kind}`)) {
      tip.dataset['for'] = t ? `t${t.unit}` : `p${p!.kind}`;
      tip.replaceChildren(...(t ? taskTip(t, model) : [h('div', { class: 'tt-title' }, p!.label), h('div', null, `${duration(p!.endMs - p!.startMs)} · ${p!.detail}`)]));
    }
    tip.hidden = false;
    // Fixed to the viewport: the chart scrolls sideways and would clip a tooltip inside it.
    const w = tip.offsetWidth;
    const hgt = tip.offsetHeight;
    const left = ev.clientX + 14 + w > window.innerWidth ? ev.clientX - 14 - w : ev.clientX + 14;
    const top = ev.clientY + 16 + hgt > window.innerHeight ? ev.clientY - 10 - hgt : ev.clientY + 16;
    tip.style.left = `${Math.max(4, left)}px`;
    tip.style.top = `${Math.max(4, top)}px`;
  });
  root.addEventListener('mouseleave', () => (tip.hidden = true));
  root.addEventListener('click', (ev) => {
    const t = taskAt(ev.target);
    if (t?.hasLog) opts.onOpen(t);
  });
  wrap.append(root, tip);
  return wrap;
}

function clip(text: string, widthPx: number): string {
  const max = Math.floor((widthPx - 10) / 6.6);
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

function taskTip(t: RunTaskModel, model: RunReportModel): Node[] {
  const wave = model.waves.find((w) => w.index === t.wave);
  const rows: Array<[string, string]> = [
    ['Status', statusText(t)],
    ['Module', t.module],
    ['Wave', wave ? `W${wave.index + 1} · ${wave.name} (${wave.priority})` : String(t.wave + 1)],
    ['Agent', `lane ${t.lane + 1}`],
    ['Duration', duration(t.durationMs)],
    ['Started', t.startMs === null ? '–' : `+${duration(t.startMs)} (${timestamp(new Date(Date.parse(model.startedAt) + t.startMs).toISOString())})`],
    ['Attempts', `${t.attempts}/${t.maxAttempts}`],
  ];
  // Older models have no resources; a runner that measured nothing leaves them null.
  const r = t.resources;
  if (r?.cpuMs !== null && r?.cpuMs !== undefined) rows.push(['CPU time', duration(r.cpuMs)]);
  if (r?.peakMemoryBytes !== null && r?.peakMemoryBytes !== undefined) rows.push(['Peak memory', bytes(r.peakMemoryBytes)]);
  if (r?.producedBytes !== null && r?.producedBytes !== undefined) rows.push(['Output', bytes(r.producedBytes)]);
  if (t.exitCode !== null || t.signal) rows.push(['Exit', t.signal ? `signal ${t.signal}` : String(t.exitCode)]);
  if (t.reason) rows.push(['Reason', t.reason]);
  rows.push(['Command', t.command]);
  const dl = h('dl');
  for (const [k, v] of rows) dl.append(h('dt', null, k), h('dd', null, v));
  return [h('div', { class: 'tt-title' }, t.unit), dl, t.hasLog ? h('div', { class: 'muted' }, 'Click to open the log') : h('div', { class: 'muted' }, 'No log')];
}

/** The colour key under the chart. */
export function legend(): HTMLElement {
  const items: Array<[string, string]> = [
    ['s-passed', 'passed'], ['s-failed', 'failed'], ['s-timed_out', 'timed out'], ['s-warning', 'allowed failure'],
    ['s-failed retry', 'failed attempt (retried)'], ['s-cancelled', 'cancelled'], ['s-running', 'running'],
    ['phase phase-setup', 'setup'], ['phase phase-plan', 'leader'],
  ];
  return h('div', { class: 'legend' }, ...items.map(([cls, label]) => {
    const sw = s('svg', { width: 14, height: 10, 'aria-hidden': 'true' }, s('rect', { x: 0, y: 0, width: 14, height: 10, rx: 2, class: `bar ${cls}` }));
    return h('span', { class: 'legend-item' }, sw, label);
  }), h('span', { class: 'legend-item' }, s('svg', { width: 14, height: 10, 'aria-hidden': 'true' }, s('line', { x1: 7, x2: 7, y1: 0, y2: 10, class: 'critical' })), 'critical-path bound'));
}
