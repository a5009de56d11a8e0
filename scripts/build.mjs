// Builds the shipped bundles (dist/) and a transpiled copy of sources, tests, scripts and benchmarks (out/)
// so that mocha, the benchmarks and the in-editor suite run plain JavaScript without a TS loader.
//   (no flag)     dist/ for development (source maps, not minified) and out/
//   --production  dist/ exactly as released (`vscode:prepublish`, so `npm run package`), no out/
//   --tests       dist/ exactly as released and out/: what the test scripts build, so that the end-to-end tests
//                 run the bundles a user gets (dist/cli.js as a process, dist/extension.js in the editor)
import * as esbuild from 'esbuild';
import { readdirSync, readFileSync, statSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { webviewBundles } from './build-webviews.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const tests = process.argv.includes('--tests');
const production = tests || process.argv.includes('--production');
const watch = process.argv.includes('--watch');
// --outdir DIR: bundles go elsewhere (the benchmark measures a production bundle without touching dist/).
const outdirArg = process.argv.indexOf('--outdir');
const distDir = resolve(root, outdirArg > 0 ? process.argv[outdirArg + 1] : 'dist');

function tsFiles(dir) {
  const full = join(root, dir);
  let entries;
  try { entries = readdirSync(full); } catch { return []; }
  return entries.flatMap((name) => {
    const p = join(full, name);
    if (statSync(p).isDirectory()) return tsFiles(relative(root, p));
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [p] : [];
  });
}

const common = {
  absWorkingDir: root,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
  // Program files imported as text (the launch servers' src/node/process/launch-server.pl and .py).
  loader: { '.pl': 'text', '.py': 'text' },
  // The version the MCP server reports to clients (src/cli/commands/mcp.ts).
  define: { AF_VERSION: JSON.stringify(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version) },
};

const bundles = [
  // The extension: vscode is provided by the host. dockerode is not here: it lives in dist/docker.js and is
  // required only when Docker is first used, so activation never parses it.
  // Banner and footer stamp when the bundle starts and ends evaluating, so the reported activation time is
  // code loading plus the activate() call (VS Code's own wait between the two is not ours).
  {
    entryPoints: { extension: 'src/extension/extension.ts' },
    external: ['vscode', './docker.js', './nats.js'],
    banner: { js: 'var __AF_LOAD_START__ = performance.now();' },
    footer: { js: 'var __AF_LOAD_END__ = performance.now();' },
  },
  { entryPoints: { cli: 'src/cli/main.ts' }, external: ['./docker.js', './mcp.js', './nats.js'], banner: { js: '#!/usr/bin/env node' } },
  // The MCP server (`federation mcp`): the SDK and its protocol schemas load only for that command.
  { entryPoints: { mcp: 'src/mcp/server.ts' } },
  // The NATS backend and its client: required only when config.yaml names backend kind nats.
  { entryPoints: { nats: 'src/node/nats/index.ts' } },
];
const dockerEntry = 'src/node/docker/dockerodeClient.ts';
try {
  statSync(join(root, dockerEntry));
  // ssh2's optional native helpers are loaded in try/catch by ssh2 itself; leaving them out keeps the bundle pure JS.
  bundles.push({ entryPoints: { docker: dockerEntry }, external: ['cpu-features', '*.node'] });
} catch { /* the Docker adapter is not written yet */ }

// Only a release build starts clean (no stale source maps); a dev build overwrites in place so that an editor
// already running on dist/ keeps working.
if (production) rmSync(distDir, { recursive: true, force: true });
const contexts = [];
let pruneOut = () => {};
function allFiles(dir) {
  let names;
  try { names = readdirSync(dir); } catch { return []; }
  return names.flatMap((n) => (statSync(join(dir, n)).isDirectory() ? allFiles(join(dir, n)) : [join(dir, n)]));
}
for (const b of bundles) {
  contexts.push(await esbuild.context({
    // jsonc-parser's UMD main requires its parts by computed paths a bundle cannot follow: bundle its ESM build.
    alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
    ...common, ...b, bundle: true, outdir: distDir, minify: production, metafile: true,
  }));
}
// One browser bundle per report panel (no CDN, no network), next to the extension.
for (const options of webviewBundles(root, { production, outdir: join(distDir, 'webviews') })) {
  contexts.push(await esbuild.context(options));
}
if (!production || tests) {
  // Tests and tools: one output file per source, same tree under out/, dependencies left to node_modules.
  const entries = ['src', 'test', 'scripts', 'bench'].flatMap(tsFiles);
  // Each text asset becomes a module of its text named after it plus .js (launch-server.pl.js), which is what
  // Node finds for require('./launch-server.pl'): out/ loads the same text the bundles inline.
  const assets = allFiles(join(root, 'src')).filter((f) => /\.(pl|py)$/.test(f)).map((f) => relative(root, f));
  contexts.push(await esbuild.context({
    ...common, entryPoints: [...entries, ...assets.map((a) => ({ in: a, out: a }))], outdir: 'out', outbase: '.', bundle: false,
  }));
  // Outputs whose source is gone are removed after the build (a deleted test must not keep running); out/ is
  // never wiped first, so a test run in progress elsewhere keeps its files.
  const expected = new Set([
    ...entries.map((e) => join(root, 'out', relative(root, e)).replace(/\.ts$/, '.js')),
    ...assets.map((a) => join(root, 'out', a) + '.js'),
  ]);
  pruneOut = () => {
    for (const f of allFiles(join(root, 'out'))) {
      const js = f.replace(/\.js\.map$/, '.js');
      if (js.endsWith('.js') && !expected.has(js)) rmSync(f, { force: true });
    }
  };
}

if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('esbuild: watching for changes');
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
  pruneOut();
}
