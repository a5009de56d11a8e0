// esbuild options for the report pages: one browser bundle per panel, src/webviews/<panel>/main.ts →
// dist/webviews/<panel>.js (its imported CSS → dist/webviews/<panel>.css). Imported by scripts/build.mjs; the
// webview tests and the benchmark call it too, so they run exactly what ships.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const WEBVIEW_PANELS = ['run', 'agent', 'dashboard'];

/**
 * @param {string} root repository root
 * @param {{ production?: boolean, outdir?: string }} [options] outdir defaults to dist/webviews under root
 * @returns {import('esbuild').BuildOptions[]}
 */
export function webviewBundles(root, options = {}) {
  const production = options.production ?? process.argv.includes('--production');
  const outdir = options.outdir ?? join(root, 'dist', 'webviews');
  return WEBVIEW_PANELS.filter((p) => existsSync(join(root, 'src', 'webviews', p, 'main.ts'))).map((panel) => ({
    absWorkingDir: root,
    entryPoints: { [panel]: join('src', 'webviews', panel, 'main.ts') },
    outdir,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: ['chrome120'],
    minify: production,
    // A linked map would make the page request it, which the CSP forbids; inline maps only in development.
    sourcemap: production ? false : 'inline',
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
  }));
}
