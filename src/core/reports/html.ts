// The HTML of a report page: in a webview (scripts and styles from dist/webviews/ under a strict CSP with a fresh
// nonce) and as a self-contained exported file (the same bundle, CSS and model inlined). No vscode import: the
// browser tests serve exactly this HTML.
import { randomBytes } from 'node:crypto';
import type { PanelKind, PanelModel } from './protocol';
import { EXPORT_THEME_CSS } from './themes';

/** 128 random bits per render: a nonce is only worth something if it cannot be guessed or reused. */
export function makeNonce(): string {
  return randomBytes(16).toString('base64').replace(/[+/=]/g, (c) => ({ '+': '-', '/': '_', '=': '' })[c]!);
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

/** For values put into attributes of our own template (URIs, titles): never data from reports. */
export function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface PageHtmlOptions {
  kind: PanelKind;
  title: string;
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

export function pageHtml(o: PageHtmlOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeAttr(o.title)}</title>
<link rel="stylesheet" href="${escapeAttr(o.styleUri)}">
</head>
<body class="loading" data-panel="${o.kind}">
<p class="placeholder">Loading…</p>
<main id="app"></main>
<script nonce="${o.nonce}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>
`;
}

/** JSON that can sit inside a <script> element: no "</script>", no "<!--". */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export interface ExportHtmlOptions {
  kind: PanelKind;
  title: string;
  model: PanelModel;
  /** The page bundle and its CSS, as shipped in dist/webviews/. */
  script: string;
  css: string;
}

/**
 * One file that opens anywhere: the page's own script and styles inline under a CSP that allows only them, the
 * model as inert JSON. Outside VS Code there are no theme variables, so a light and a dark set come along.
 */
export function exportHtml(o: ExportHtmlOptions): string {
  const nonce = makeNonce();
  const csp = ["default-src 'none'", `script-src 'nonce-${nonce}'`, `style-src 'nonce-${nonce}'`, 'img-src data:'].join('; ');
  // Inside <script>/<style>, only a closing tag could end the element early.
  const js = o.script.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
  const css = o.css.replace(/<\/(style)/gi, '<\\/$1');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeAttr(o.title)}</title>
<style nonce="${nonce}">${EXPORT_THEME_CSS}</style>
<style nonce="${nonce}">${css}</style>
</head>
<body class="loading" data-panel="${o.kind}">
<p class="placeholder">Loading…</p>
<main id="app"></main>
<script type="application/json" id="af-model">${scriptSafeJson(o.model)}</script>
<script nonce="${nonce}">${js}</script>
</body>
</html>
`;
}
