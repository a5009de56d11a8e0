/// <reference lib="dom" />
// DOM building for the report pages. Everything shown comes from agents and task output, so text only ever goes
// in through textContent and attributes through setAttribute with a fixed allowlist: no innerHTML, no event
// handler attributes, no URLs built from data.

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  title?: string;
  role?: string;
  tabindex?: number;
  type?: string;
  value?: string;
  id?: string;
  for?: string;
  colspan?: number;
  hidden?: boolean;
  disabled?: boolean;
  checked?: boolean;
  /** data-* attributes, without the prefix. */
  data?: Record<string, string | number>;
  /** aria-* attributes, without the prefix. */
  aria?: Record<string, string | number | boolean>;
  on?: Partial<{ [E in keyof HTMLElementEventMap]: (ev: HTMLElementEventMap[E]) => void }>;
}

const PLAIN = ['class', 'title', 'role', 'type', 'value', 'id', 'for'] as const;

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    for (const k of PLAIN) {
      const v = props[k];
      if (v !== undefined) el.setAttribute(k, v);
    }
    if (props.tabindex !== undefined) el.setAttribute('tabindex', String(props.tabindex));
    if (props.colspan !== undefined) el.setAttribute('colspan', String(props.colspan));
    if (props.hidden) el.hidden = true;
    if (props.disabled) el.setAttribute('disabled', '');
    if (props.checked && el instanceof HTMLInputElement) el.checked = true;
    for (const [k, v] of Object.entries(props.data ?? {})) el.dataset[k] = String(v);
    for (const [k, v] of Object.entries(props.aria ?? {})) el.setAttribute(`aria-${k}`, String(v));
    for (const [k, fn] of Object.entries(props.on ?? {})) if (fn) el.addEventListener(k, fn as EventListener);
  }
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element with numeric or string attributes (geometry and class only: callers pass no data here). */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs?: Record<string, string | number> | null, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  if (attrs) for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  append(el, children);
  return el;
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** Replaces the children of `el`. */
export function fill(el: Element, ...children: Child[]): void {
  clear(el);
  append(el, children);
}

/** Small inline icons: drawn here rather than pulled from a font, so pages need no font files. */
export function icon(name: 'pass' | 'fail' | 'clock' | 'stop' | 'skip' | 'run' | 'wait' | 'warn' | 'retry' | 'file' | 'refresh' | 'export' | 'gear', label?: string): SVGSVGElement {
  const paths: Record<string, string> = {
    pass: 'M6.3 11.2 3 7.9l1-1 2.3 2.3L12 3.5l1 1z',
    fail: 'M8 7 4.5 3.5l-1 1L7 8l-3.5 3.5 1 1L8 9l3.5 3.5 1-1L9 8l3.5-3.5-1-1z',
    clock: 'M8 1.5A6.5 6.5 0 1 0 8 14.5 6.5 6.5 0 0 0 8 1.5zm0 1.3a5.2 5.2 0 1 1 0 10.4A5.2 5.2 0 0 1 8 2.8zM7.4 4.5v4l3 1.8.6-1-2.4-1.4V4.5z',
    stop: 'M4 4h8v8H4z',
    skip: 'M3 3.5v9l6-4.5zm6 0v9l6-4.5z',
    run: 'M4 2.5v11l9-5.5z',
    wait: 'M4 7h2v2H4zm3 0h2v2H7zm3 0h2v2h-2z',
    warn: 'M8 1.5 .8 14h14.4zm0 2.6 5 8.6H3zM7.3 6.5h1.4v3.2H7.3zm0 4h1.4v1.3H7.3z',
    retry: 'M8 2.5a5.5 5.5 0 0 0-5.3 4H4a4.2 4.2 0 1 1 .6 3.3l1.5-1.3H2v4l1.6-1.5A5.5 5.5 0 1 0 8 2.5z',
    file: 'M3.5 1.5h6l3 3v10h-9zm1 1v11h7V5.2H8.8V2.5zm5.3.5v1.7h1.6z',
    refresh: 'M13 3v3.5H9.5l1.4-1.4A4 4 0 1 0 12 8h1.3A5.3 5.3 0 1 1 11.8 4.2z',
    export: 'M7.4 2h1.2v7.2l2.5-2.5.9.9L8 11.6 4 7.6l.9-.9 2.5 2.5zM2.5 12.5h11v1.3h-11z',
    gear: 'M7 1.5h2l.3 1.7 1.1.5 1.4-1 1.4 1.4-1 1.4.5 1.1 1.8.3v2l-1.8.3-.5 1.1 1 1.4-1.4 1.4-1.4-1-1.1.5-.3 1.8H7l-.3-1.8-1.1-.5-1.4 1-1.4-1.4 1-1.4-.5-1.1-1.8-.3v-2l1.8-.3.5-1.1-1-1.4 1.4-1.4 1.4 1 1.1-.5zM8 5.8a2.2 2.2 0 1 0 0 4.4 2.2 2.2 0 0 0 0-4.4z',
  };
  const svg = s('svg', { class: `icon icon-${name}`, viewBox: '0 0 16 16', width: 16, height: 16, 'aria-hidden': label ? 'false' : 'true', focusable: 'false' });
  if (label) {
    svg.setAttribute('role', 'img');
    svg.appendChild(s('title', null, label));
  }
  svg.appendChild(s('path', { d: paths[name] ?? '', fill: 'currentColor' }));
  return svg;
}

/** `button` with an icon and a label. */
export function button(label: string, onClick: () => void, opts: { icon?: Parameters<typeof icon>[0]; secondary?: boolean; disabled?: boolean; title?: string; id?: string } = {}): HTMLButtonElement {
  const b = h('button', {
    type: 'button',
    class: opts.secondary ? 'btn secondary' : 'btn',
    ...(opts.title ? { title: opts.title } : {}),
    ...(opts.id ? { id: opts.id } : {}),
    ...(opts.disabled ? { disabled: true } : {}),
    on: { click: onClick },
  }, opts.icon ? icon(opts.icon) : null, h('span', null, label));
  return b;
}
