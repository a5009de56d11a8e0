/// <reference lib="dom" />
// The dashboard's dependency chain: one ordered list per column of task cards (what a screen reader reads, each
// card labelled with what it waits for and what waits for it), and one SVG behind them for the connectors. The
// model places every card (column, row); the connectors need the cards' real boxes, so they are drawn once the
// section is in the page, and again when its size changes. Arrow keys move between cards (one tab stop).
import type { DependencyGraphModel, DependencyNodeModel, DependencyReadiness } from '../../core/reports/protocol';
import { h, s } from '../shared/dom';

/** The status colour class (base.css `.st.*`) for each readiness: blocked is the failure colour, colour is never the only cue. */
const ST: Record<DependencyReadiness, string> = {
  ready: 'passed', blocked: 'failed', awaiting_review: 'warning', claimed: 'pending', in_progress: 'running', handed_off: 'pending', done: 'passed', failed: 'failed', cancelled: 'cancelled',
};

const words = (x: string) => x.replace(/_/g, ' ');
const blockerText = (n: DependencyNodeModel) => n.blockers.map((b) => `${b.task} (${words(b.status)})`).join(', ');

export interface DependencySection {
  element: HTMLElement;
  /** Draws (or redraws) the connectors; call once the section is in the page. */
  draw(): void;
  /** Stops following size changes (before the page is rendered again). */
  dispose(): void;
}

function card(n: DependencyNodeModel, after: string[], before: string[]): HTMLLIElement {
  const label = [`${n.id} ${n.title}: ${words(n.readiness)}`,
    n.blockers.length ? `waits for ${blockerText(n)}` : '',
    after.length ? `after ${after.join(', ')}` : '',
    before.length ? `needed by ${before.join(', ')}` : ''].filter(Boolean).join('; ');
  return h('li', { class: `dep-card r-${n.readiness}`, tabindex: -1, title: n.title, aria: { label }, data: { task: n.id, readiness: n.readiness } },
    h('div', { class: 'dep-head' }, h('span', { class: 'mono' }, n.id), h('span', { class: `st ${ST[n.readiness] ?? 'pending'} small` }, words(n.readiness))),
    h('div', { class: 'dep-title' }, n.title),
    n.blockers.length ? h('div', { class: 'dep-blockers small' }, h('span', { class: 'muted' }, 'waits for '), blockerText(n)) : null);
}

export function dependencySection(g: DependencyGraphModel): DependencySection {
  const aside = [`${g.counts.ready} ready`, `${g.counts.blocked} blocked`, g.counts.awaitingReview ? `${g.counts.awaitingReview} awaiting review` : ''].filter(Boolean).join(' · ');
  const title = h('h2', null, 'Dependencies', g.total ? h('span', { class: 'aside' }, aside) : null);
  if (!g.nodes.length) {
    const element = h('section', { id: 'dependencies' }, title,
      h('p', { class: 'empty' }, 'No task waits for another. Chain them with `federation task add … --depends-on T3` or `federation task depend T5 --on T3`.'));
    return { element, draw() {}, dispose() {} };
  }

  const after = new Map<string, string[]>();
  const before = new Map<string, string[]>();
  for (const e of g.edges) {
    (after.get(e.to) ?? after.set(e.to, []).get(e.to)!).push(e.from);
    (before.get(e.from) ?? before.set(e.from, []).get(e.from)!).push(e.to);
  }
  // Columns and rows as the cards come (the model sends them in order), so a model with gaps cannot break the page.
  const grid: HTMLLIElement[][] = [];
  const cards = new Map<string, HTMLLIElement>();
  const pos = new Map<string, [number, number]>();
  for (const n of g.nodes) {
    const li = card(n, after.get(n.id) ?? [], before.get(n.id) ?? []);
    const c = Math.min(Math.max(0, Math.floor(n.column)), g.nodes.length - 1);
    while (grid.length <= c) grid.push([]);
    pos.set(n.id, [c, grid[c]!.push(li) - 1]);
    cards.set(n.id, li);
  }
  let current = grid.find((col) => col.length)![0]!;
  current.tabIndex = 0;
  const lists = grid.map((col, c) => h('ol', { class: 'plain dep-col', aria: { label: c === 0 ? 'Tasks that wait for nothing' : `Step ${c + 1}` } }, ...col));
  const svg = s('svg', { class: 'dep-edges', 'aria-hidden': 'true', focusable: 'false' });
  const canvas = h('div', { class: 'dep-canvas' }, svg, ...lists);
  const scroller = h('div', {
    class: 'dep-scroll', role: 'group',
    aria: { label: `Dependency chain of ${g.nodes.length} tasks in ${grid.length} columns; arrow keys move between tasks` },
  }, canvas);

  // Arrow keys: up and down within a column, left and right to the nearest row of the next column.
  const move = (to: HTMLLIElement | undefined) => {
    if (!to) return;
    current.tabIndex = -1;
    to.tabIndex = 0;
    to.focus();
    current = to;
  };
  canvas.addEventListener('keydown', (ev) => {
    const at = pos.get((ev.target as HTMLElement).dataset?.['task'] ?? '');
    if (!at) return;
    const [c, r] = at;
    const col = (i: number) => grid[i] ?? [];
    const target = ev.key === 'ArrowDown' ? col(c)[r + 1] : ev.key === 'ArrowUp' ? col(c)[r - 1]
      : ev.key === 'ArrowRight' ? col(c + 1)[Math.min(r, col(c + 1).length - 1)]
        : ev.key === 'ArrowLeft' ? col(c - 1)[Math.min(r, col(c - 1).length - 1)] : undefined;
    if (ev.key.startsWith('Arrow')) ev.preventDefault();
    move(target);
  });
  canvas.addEventListener('click', (ev) => {
    const li = (ev.target as Element).closest?.('li.dep-card');
    if (li instanceof HTMLLIElement) move(li);
  });

  // A card under the pointer or focus shows its own connectors strongly.
  let paths: SVGPathElement[] = [];
  const highlight = (id: string | undefined) => {
    for (const p of paths) {
      const e = g.edges[Number(p.getAttribute('data-e'))]!;
      p.classList.toggle('hl', id !== undefined && (e.from === id || e.to === id));
    }
  };
  const cardOf = (ev: Event) => ((ev.target as Element).closest?.('li.dep-card') as HTMLElement | null)?.dataset['task'];
  canvas.addEventListener('mouseover', (ev) => highlight(cardOf(ev)));
  canvas.addEventListener('mouseleave', () => highlight(document.activeElement instanceof HTMLElement ? document.activeElement.dataset['task'] : undefined));
  canvas.addEventListener('focusin', (ev) => highlight(cardOf(ev)));
  canvas.addEventListener('focusout', () => highlight(undefined));

  const draw = () => {
    const box = canvas.getBoundingClientRect();
    const w = Math.ceil(canvas.scrollWidth);
    const ht = Math.ceil(canvas.scrollHeight);
    svg.setAttribute('width', String(w));
    svg.setAttribute('height', String(ht));
    svg.setAttribute('viewBox', `0 0 ${w} ${ht}`);
    const defs = s('defs', null, ...['ok', 'blocked'].map((k) => s('marker', { id: `dep-arrow-${k}`, viewBox: '0 0 8 8', refX: 7, refY: 4, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      s('path', { d: 'M0 0 8 4 0 8z', class: `dep-arrow ${k}` }))));
    paths = [];
    g.edges.forEach((e, i) => {
      const from = cards.get(e.from);
      const to = cards.get(e.to);
      if (!from || !to) return;
      const a = from.getBoundingClientRect();
      const b = to.getBoundingClientRect();
      const x1 = a.right - box.left;
      const y1 = a.top + a.height / 2 - box.top;
      const x2 = b.left - box.left - 2;
      const y2 = b.top + b.height / 2 - box.top;
      const dx = Math.max(18, (x2 - x1) / 2);
      const k = e.satisfied ? 'ok' : 'blocked';
      paths.push(s('path', { d: `M${x1} ${y1}C${x1 + dx} ${y1} ${x2 - dx} ${y2} ${x2} ${y2}`, class: `dep-edge ${k}`, 'marker-end': `url(#dep-arrow-${k})`, 'data-e': i }));
    });
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    svg.append(defs, ...paths);
  };
  // Fonts, zoom or a wrapped title change the cards' boxes: follow the canvas's size.
  const observer = typeof ResizeObserver === 'function' ? new ResizeObserver(() => draw()) : undefined;

  const more = g.more ? h('p', { class: 'muted dep-more' }, `+${g.more} more task${g.more === 1 ? '' : 's'} in dependency chains not drawn (the ${g.nodes.length} shown are the chains with work left first).`) : null;
  const cyclic = g.cyclic.length
    ? h('p', { class: 'notice error dep-cyclic', role: 'note' }, `${g.cyclic.join(', ')} ${g.cyclic.length === 1 ? 'is' : 'are'} on a dependency cycle or wait${g.cyclic.length === 1 ? 's' : ''} for one: queue.json was changed by hand. Give one of them new dependencies with "federation task depend ID --on …" (--on '' for none).`)
    : null;
  const element = h('section', { id: 'dependencies' }, title, cyclic, scroller, more);
  return {
    element,
    draw() {
      draw();
      observer?.observe(canvas);
    },
    dispose: () => observer?.disconnect(),
  };
}
