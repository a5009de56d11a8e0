#!/usr/bin/env node
// `npm start`: build, then open the extension under development in a browser editor (code-server) on a scratch
// copy of demo/. Prints the URL to open; runs until Ctrl-C, then stops code-server.
//
//   npm start [-- --keep] [-- --port 8080] [-- --folder DIR] [-- --no-build]
//
//   --keep      reuse .vscode-test/demo-workspace as it is (default: refresh it from demo/ on every start)
//   --port N    listen on 127.0.0.1:N (default: a free port)
//   --folder    open this folder instead of the demo copy (it is used in place, not copied)
//   --no-build  skip `node scripts/build.mjs`
//
// code-server has no --extensionDevelopmentPath option: the extension is loaded through the URL's `payload`
// (extensionDevelopmentPath=<repo>), so always open the printed URL. After a rebuild (`npm run watch` in another
// terminal), run "Developer: Reload Window" in the editor.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { prepareDemo } from './prepare-demo.mjs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, CACHE_DIR, installCodeServer, startCodeServer, CODE_SERVER_VERSION, codeServerBuild } from './code-server.mjs';

const { values: opts } = parseArgs({
  options: {
    keep: { type: 'boolean', default: false },
    port: { type: 'string' },
    folder: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
  },
});

if (!opts['no-build']) {
  const t = Date.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) { console.error('build failed'); process.exit(r.status ?? 1); }
  console.log(`built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

await installCodeServer({ quiet: true });

let folder;
if (opts.folder) {
  folder = resolve(opts.folder);
} else {
  const demo = join(ROOT, 'demo');
  folder = join(CACHE_DIR, 'demo-workspace');
  if (!opts.keep || !existsSync(folder)) {
    if (!existsSync(demo)) { console.error(`${demo} does not exist`); process.exit(1); }
    mkdirSync(CACHE_DIR, { recursive: true });
    prepareDemo(folder);
  }
}

// Editor state (settings, logs) lives in .vscode-test/start/ and is recreated on every start.
const workDir = join(CACHE_DIR, 'start');
rmSync(workDir, { recursive: true, force: true });
const editor = await startCodeServer({
  workDir,
  folder,
  ...(opts.port ? { port: Number(opts.port) } : {}),
  logFile: join(workDir, 'code-server.log'),
});
const url = editor.editorUrl({ folder, extensionDevelopmentPath: ROOT });

console.log('');
console.log(`  Agent Federation in code-server ${CODE_SERVER_VERSION} (VS Code ${codeServerBuild().vscode})`);
console.log(`  workspace: ${folder}${opts.folder ? '' : opts.keep ? ' (kept)' : ' (fresh copy of demo/)'}`);
console.log(`  log:       ${editor.logFile}`);
console.log('');
console.log('  Open this URL in a browser (the window title shows "[Extension Development Host]"):');
console.log('');
console.log(`  ${url}`);
console.log('');
console.log('  Ctrl-C stops.');

let stopping = false;
const stop = async (code) => {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping code-server…');
  await editor.stop();
  process.exit(code);
};
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
process.on('SIGHUP', () => stop(0));
editor.process.on('exit', (code, signal) => {
  if (stopping) return;
  console.error(`code-server exited (${signal ?? code}); see ${editor.logFile}`);
  process.exit(1);
});
