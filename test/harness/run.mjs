#!/usr/bin/env node
// Runs the in-editor suite (out/test/vscode/**/*.test.js) in a real VS Code: code-server 4.100.3 (the `engines`
// floor's editor) or 4.103.2 + headless Debian chromium. It builds nothing: run `node scripts/build.mjs` first
// (`npm run test:vscode` does). Four passes, each with its own code-server and its own copy of the workspace:
//   trusted    every suite but the other passes' own (*untrusted*, *installed*, *vscode-1.103*), with Workspace
//              Trust off (--disable-workspace-trust);
//   untrusted  only untrusted.test.js, with Workspace Trust on and the folder opened in Restricted Mode
//              (UNTRUSTED_SETTINGS): the views show state, every run command refuses, nothing starts.
//   installed  only installed.test.js, against the packaged extension: `npm run package` makes the .vsix (with
//              its vscode:prepublish build and .vscodeignore), code-server installs it into the pass's own
//              extensions folder, and the editor opens with no extensionDevelopmentPath of ours (the tests ride on
//              test/harness/driver, an empty extension), so what runs is exactly what a user installs.
//   nats       only *nats* suites: the demo workspace's federation moved onto a real nats-server (the shipped CLI's
//              `migrate --to nats`), and a second workspace that shares no file with it working on it.
//   vscode-1.103  in code-server 4.103.2 (VS Code 1.103, on its own Node 22): the trusted pass's suites again and
//              the *vscode-1.103* ones (the MCP server-definition API, stable there; test/vscode/index.ts).
// (--pass all runs trusted, untrusted, installed, nats, vscode-1.103.) Each pass prints its own mocha-style summary ("N passing"), which scripts/test-all.mjs adds up.
//
//   node test/harness/run.mjs [--pass all|trusted|untrusted|installed|nats|vscode-1.103] [--timeout SECONDS] [--grep PATTERN] [--keep]
//                             [--extension DIR] [--tests FILE] [--workspace DIR]
//
//   --pass       which pass to run (default all)
//   --vsix       the installed pass installs this .vsix instead of running `npm run package`
//   --timeout    each pass, from starting code-server to the results file (default 180, env FEDERATION_TEST_TIMEOUT)
//   --grep       only tests whose full title matches (passed to mocha in the extension host)
//   --keep       keep the temp workspace and code-server dirs (paths are printed)
//   --extension  extension under development (default: this repository)
//   --tests      extensionTestsPath module (default: <repo>/out/test/vscode/index.js)
//   --workspace  fixture folder copied to a temp folder and opened (default: <repo>/demo)
//
// The extension host gets the results path from FEDERATION_TEST_RESULTS, set on the code-server process:
// the server passes its environment on to the extension hosts it spawns.
// The extension host learns its pass from FEDERATION_TEST_PASS (test/vscode/index.ts picks the files by it).
// Writes test-results/vscode-results.json (the suite's JSON) and test-results/vscode/ (browser console,
// code-server output, editor logs including the extension host's, and a screenshot at the end or on timeout);
// each other pass writes test-results/vscode-PASS-results.json and test-results/vscode-PASS/ (the newer editor's:
// vscode-1.103-results.json and vscode-1.103/).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { join, resolve, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { installVsix, NEWER_CODE_SERVER_VERSION, codeServerBuild } from '../../scripts/code-server.mjs';
import {
  ROOT, RESULTS_DIR, RESULTS_ENV, DEFAULT_FIXTURE, UNTRUSTED_SETTINGS, copyFixture, launchChromium, captureConsole, copyEditorLogs,
  startEditor, sleep,
} from './editor.mjs';

const { values: opts } = parseArgs({
  options: {
    pass: { type: 'string', default: 'all' },
    timeout: { type: 'string', default: process.env.FEDERATION_TEST_TIMEOUT ?? '180' },
    grep: { type: 'string' },
    keep: { type: 'boolean', default: false },
    extension: { type: 'string', default: ROOT },
    tests: { type: 'string' },
    workspace: { type: 'string', default: DEFAULT_FIXTURE },
    vsix: { type: 'string' },
  },
});
const timeoutMs = Number(opts.timeout) * 1000;
if (!(timeoutMs > 0)) { console.error(`bad --timeout ${opts.timeout}`); process.exit(2); }
const extensionPath = resolve(opts.extension);
const testsPath = resolve(opts.tests ?? join(ROOT, 'out', 'test', 'vscode', 'index.js'));

const PASSES = {
  trusted: { title: 'trusted workspace', logDir: join(RESULTS_DIR, 'vscode'), resultsCopy: join(RESULTS_DIR, 'vscode-results.json'), env: {}, editor: {} },
  untrusted: {
    title: 'untrusted workspace (Restricted Mode)',
    logDir: join(RESULTS_DIR, 'vscode-untrusted'),
    resultsCopy: join(RESULTS_DIR, 'vscode-untrusted-results.json'),
    env: { FEDERATION_TEST_PASS: 'untrusted' },
    editor: { disableWorkspaceTrust: false, settings: UNTRUSTED_SETTINGS },
  },
  installed: {
    title: 'the packaged .vsix, installed',
    logDir: join(RESULTS_DIR, 'vscode-installed'),
    resultsCopy: join(RESULTS_DIR, 'vscode-installed-results.json'),
    env: { FEDERATION_TEST_PASS: 'installed' },
    editor: {},
    installed: true,
  },
  nats: {
    title: 'the demo federation on NATS JetStream (a real nats-server), a second workspace sharing it',
    logDir: join(RESULTS_DIR, 'vscode-nats'),
    resultsCopy: join(RESULTS_DIR, 'vscode-nats-results.json'),
    env: { FEDERATION_TEST_PASS: 'nats' },
    editor: {},
    nats: true,
  },
  'vscode-1.103': {
    title: `VS Code ${codeServerBuild(NEWER_CODE_SERVER_VERSION).vscode} (code-server ${NEWER_CODE_SERVER_VERSION}), with the MCP server-definition API`,
    logDir: join(RESULTS_DIR, 'vscode-1.103'),
    resultsCopy: join(RESULTS_DIR, 'vscode-1.103-results.json'),
    env: { FEDERATION_TEST_PASS: 'vscode-1.103' },
    editor: { version: NEWER_CODE_SERVER_VERSION },
  },
};
/** The extension the installed pass's tests ride on: a manifest and nothing else, so ours is the installed one. */
const DRIVER = join(ROOT, 'test', 'harness', 'driver');
const chosen = opts.pass === 'all' ? Object.keys(PASSES) : [opts.pass];
if (!chosen.every((p) => p in PASSES)) { console.error(`bad --pass ${opts.pass}: all, ${Object.keys(PASSES).join(', ')}`); process.exit(2); }

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const say = (m) => console.error(`[harness ${elapsed()}] ${m}`);

function preflight() {
  const problems = [];
  if (!existsSync(testsPath)) problems.push(`${relative(ROOT, testsPath)} is missing: run \`node scripts/build.mjs\` first`);
  const manifest = join(extensionPath, 'package.json');
  if (!existsSync(manifest)) problems.push(`${manifest} is missing`);
  else {
    const main = JSON.parse(readFileSync(manifest, 'utf8')).main;
    if (main && !existsSync(resolve(extensionPath, main)) && !existsSync(resolve(extensionPath, `${main}.js`))) {
      problems.push(`the extension's main ${main} is missing: run \`node scripts/build.mjs\` first`);
    }
  }
  if (!existsSync(opts.workspace)) problems.push(`fixture workspace ${opts.workspace} is missing`);
  return problems;
}

// ---- mocha-style report ----------------------------------------------------------------------------------
function report(results) {
  const tests = results.tests ?? [];
  const suiteOf = (t) => (t.fullTitle.endsWith(t.title) ? t.fullTitle.slice(0, -t.title.length).trim() : '');
  let lastSuite = null;
  let n = 0;
  console.log('');
  for (const t of tests) {
    const suite = suiteOf(t);
    if (suite !== lastSuite) { if (suite) console.log(`  ${suite}`); lastSuite = suite; }
    const ind = suite ? '    ' : '  ';
    if (t.state === 'passed') console.log(`${ind}✔ ${t.title}${t.durationMs > 75 ? ` (${t.durationMs}ms)` : ''}`);
    else if (t.state === 'pending') console.log(`${ind}- ${t.title}`);
    else console.log(`${ind}${++n}) ${t.title}`);
  }
  console.log('');
  console.log(`  ${results.passed} passing (${Math.round((results.durationMs ?? 0) / 1000)}s)`);
  if (results.pending) console.log(`  ${results.pending} pending`);
  if (results.failed) console.log(`  ${results.failed} failing`);
  tests.filter((t) => t.state === 'failed').forEach((t, i) => {
    console.log('');
    console.log(`  ${i + 1}) ${t.fullTitle}:`);
    const e = t.error ?? { message: 'failed' };
    const text = e.stack && e.stack.includes(e.message) ? e.stack : `${e.message}\n${e.stack ?? ''}`.trim();
    console.log(`     ${text.split('\n').join('\n     ')}`);
    if (e.expected !== undefined || e.actual !== undefined) {
      console.log(`     expected: ${e.expected}\n     actual:   ${e.actual}`);
    }
  });
  console.log('');
}

/** A synthetic one-test failure in the suite's JSON format, for problems outside the suite. */
function harnessFailure(title, message) {
  return { passed: 0, failed: 1, pending: 0, durationMs: Date.now() - started,
    tests: [{ title, fullTitle: `harness ${title}`, state: 'failed', durationMs: 0, error: { message } }] };
}

async function main() {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const problems = preflight();
  if (problems.length) {
    const r = harnessFailure('preflight', problems.join('\n'));
    for (const name of chosen) writeFileSync(PASSES[name].resultsCopy, JSON.stringify(r, null, 2));
    report(r);
    return 1;
  }
  let failed = false;
  for (const name of chosen) {
    say(`pass ${name}: ${PASSES[name].title}`);
    const results = await runPass(PASSES[name]);
    console.log(`\n  In-editor suite, ${PASSES[name].title}:`);
    report(results);
    failed ||= results.failed > 0 || results.passed + results.pending === 0;
  }
  return failed ? 1 : 0;
}

/** One code-server with its own workspace copy, user-data dir and results file; returns the suite's results. */
/** `npm run package` as a release does; returns the .vsix it wrote. */
function packageVsix() {
  if (opts.vsix) return resolve(opts.vsix);
  say('npm run package');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['run', 'package'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`npm run package failed (exit ${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const out = /--out\s+(\S+)/.exec(pkg.scripts.package)?.[1] ?? `${pkg.name}-${pkg.version}.vsix`;
  return resolve(ROOT, out);
}

/**
 * The nats pass's server: one JetStream node (test/helpers/natsServer.ts, as built under out/), its store beside the
 * workspace copy. The workspace copy's federation is then moved onto it by the shipped CLI (`migrate --to nats`).
 * The suite kills that process and starts a node on the same port and store again (the editor's disconnected state).
 */
async function startNats(workspaceDir) {
  const { createRequire } = await import('node:module');
  const { natsServerAvailable, startNats: startNode } = createRequire(import.meta.url)(join(ROOT, 'out', 'test', 'helpers', 'natsServer.js'));
  if (!natsServerAvailable()) throw new Error('the nats pass needs nats-server on PATH: apt-get install -y nats-server');
  const nats = await startNode([], join(workspaceDir, '..'));
  const node = nats.nodes[0];
  const config = join(workspaceDir, '.federation', 'config.yaml');
  writeFileSync(config, `${readFileSync(config, 'utf8')}backend:\n  kind: file\n  servers: [${node.url}]\n  federation: demo\n  replicas: 1\n`);
  const moved = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), '--root', workspaceDir, 'migrate', '--to', 'nats'], { encoding: 'utf8', timeout: 60_000 });
  if (moved.status !== 0) {
    await nats.dispose();
    throw new Error(`federation migrate --to nats failed (exit ${moved.status}):\n${moved.stdout}${moved.stderr}`);
  }
  say(`nats-server ${node.url}; ${moved.stdout.trim()}`);
  return {
    env: { FEDERATION_TEST_NATS_URL: node.url, FEDERATION_TEST_NATS_PID: String(node.pid), FEDERATION_TEST_NATS_PORT: String(node.port), FEDERATION_TEST_NATS_STORE: node.storeDir },
    stop: () => nats.dispose(),
  };
}

async function runPass({ logDir, resultsCopy, env: passEnv, editor: editorOptions, installed, nats: withNats }) {
  const passStarted = Date.now();
  rmSync(resultsCopy, { force: true });
  const workspace = copyFixture(resolve(opts.workspace));
  const resultsFile = join(workspace.dir, '..', 'results.json');
  say(`workspace copy: ${workspace.dir}`);
  if (!opts.keep) process.on('exit', workspace.cleanup); // also after Ctrl-C
  let editor;
  let browser;
  let consoleLog;
  let page;
  let results;
  let nats;
  const deadline = passStarted + timeoutMs;
  try {
    const workDir = join(workspace.dir, '..', 'editor');
    const installedEnv = {};
    if (withNats) {
      nats = await startNats(workspace.dir);
      Object.assign(installedEnv, nats.env);
    }
    if (installed) {
      const vsix = packageVsix();
      // startEditor uses <workDir>/extensions as the editor's extensions folder.
      const extensionsDir = join(workDir, 'extensions');
      say(`installing ${relative(ROOT, vsix)} into ${extensionsDir}`);
      installVsix(vsix, extensionsDir);
      Object.assign(installedEnv, { FEDERATION_TEST_EXTENSIONS_DIR: extensionsDir, FEDERATION_TEST_REPO: ROOT });
    }
    editor = await startEditor({
      env: { [RESULTS_ENV]: resultsFile, ...passEnv, ...installedEnv, ...(opts.grep ? { FEDERATION_TEST_GREP: opts.grep } : {}) },
      logFile: join(logDir, 'code-server.log'),
      workDir,
      ...editorOptions,
    });
    const url = editor.editorUrl({ folder: workspace.dir, extensionDevelopmentPath: installed ? DRIVER : extensionPath, extensionTestsPath: testsPath });
    say(`code-server ${editor.url} (pid ${editor.pid})`);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    consoleLog = captureConsole(page, join(logDir, 'browser-console.log'));
    say(`opening ${url}`);
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: Math.max(1000, deadline - Date.now()) });

    let serverExited = false;
    editor.process.on('exit', () => { serverExited = true; });
    let hostExitedAt = 0;
    while (!existsSync(resultsFile)) {
      if (serverExited) { results = harnessFailure('code-server', `code-server exited early; see ${relative(ROOT, join(logDir, 'code-server.log'))}`); break; }
      // The extension host that runs the tests exits when run() settles; without a results file it crashed or
      // run() was never called. Give the file a moment, then fail instead of waiting for the timeout.
      // (Counted, so that an extension host restarted by the window is not taken for a crash.)
      const serverLog = readFileSync(editor.logFile, 'utf8');
      const launched = serverLog.split('Launched Extension Host Process').length - 1;
      const exited = serverLog.split('Extension Host Process exited').length - 1;
      if (launched > 0 && exited >= launched) hostExitedAt ||= Date.now(); else hostExitedAt = 0;
      if (hostExitedAt && Date.now() - hostExitedAt > 5000) {
        results = harnessFailure('extension host', 'the extension host exited without writing results (crash, or run() threw before writing); ' +
          `see ${relative(ROOT, logDir)}/logs/*/exthost*/remoteexthost.log and browser-console.log`);
        break;
      }
      if (Date.now() > deadline) {
        results = harnessFailure('timeout', `no results after ${opts.timeout} s (window title: ${JSON.stringify(await page.title().catch(() => '?'))}); ` +
          `see ${relative(ROOT, logDir)}/ (browser-console.log, code-server.log, logs/)`);
        break;
      }
      await sleep(250);
    }
    if (!results) {
      results = JSON.parse(readFileSync(resultsFile, 'utf8'));
      say('results received');
    }
    await page.screenshot({ path: join(logDir, 'final.png') }).catch(() => {});
  } catch (e) {
    results = harnessFailure('error', e instanceof Error ? (e.stack ?? e.message) : String(e));
    if (page) await page.screenshot({ path: join(logDir, 'final.png') }).catch(() => {});
  } finally {
    await browser?.close().catch(() => {});
    await consoleLog?.close();
    if (editor) {
      await editor.stop();
      copyEditorLogs(editor.userDataDir, join(logDir, 'logs'));
    }
    await nats?.stop();
    if (existsSync(resultsFile)) copyFileSync(resultsFile, resultsCopy);
    if (opts.keep) say(`kept ${join(workspace.dir, '..')}`);
    else workspace.cleanup();
  }
  if (!existsSync(resultsCopy)) writeFileSync(resultsCopy, JSON.stringify(results, null, 2));
  say(`done; logs in ${relative(ROOT, logDir)}/`);
  return results;
}

// Ctrl-C / kill: exit through process.exit so the 'exit' handlers kill code-server's process tree.
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

let exitCode = 1;
try {
  exitCode = await main();
} catch (e) {
  console.error(e);
}
process.exit(exitCode);
