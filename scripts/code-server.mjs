#!/usr/bin/env node
// code-server (VS Code in the browser) as a real editor for tests and `npm start`: starting it on a loopback port
// with throwaway settings, opening a window with the extension under development, stopping its whole process tree.
// Which builds there are (4.100.3, the default; 4.103.2 on its own Node 22) and how they install offline:
// scripts/code-server-install.mjs, re-exported here.
//
// CLI:  node scripts/code-server.mjs install [--force] [--version V]   install every build, or V (reused when its
//                                                                    marker file is present)
//       node scripts/code-server.mjs path [--version V]     print the entry script path (after install)
//       node scripts/code-server.mjs check                  prerequisites and what is installed, per build
//       node scripts/code-server.mjs serve [--version V] [FOLDER]   start on a free loopback port, print URL, Ctrl-C stops
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readFileSync, rmSync, mkdtempSync, readdirSync, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import http from 'node:http';
import {
  CODE_SERVER_VERSION, CODE_SERVER_VERSIONS, codeServerBuild, codeServerNode, installAllCodeServers, installCodeServer,
  isInstalled, missingPrerequisites, notInstalled,
} from './code-server-install.mjs';

export {
  ROOT, CACHE_DIR, CODE_SERVER_VERSION, NEWER_CODE_SERVER_VERSION, CODE_SERVER_VERSIONS, INSTALL_DIR, ENTRY,
  codeServerBuild, codeServerNode, isInstalled, missingPrerequisites, prepareRipgrepCache, installCodeServer,
  installAllCodeServers,
} from './code-server-install.mjs';

const log = (...a) => console.error('[code-server]', ...a);

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => res(port));
    });
  });
}

/** User settings that keep the editor quiet and offline: no welcome page, tips, telemetry, update or gallery checks. */
export const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.settings.enableNaturalLanguageSearch': false,
  'workbench.localHistory.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'update.showReleaseNotes': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'extensions.showRecommendationsOnlyOnDemand': true,
  'npm.fetchOnlinePackageInfo': false,
  'typescript.disableAutomaticTypeAcquisition': true,
  'typescript.surveys.enabled': false,
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'github.gitAuthentication': false,
  'chat.commandCenter.enabled': false,
  'window.commandCenter': false,
  'workbench.layoutControl.enabled': false,
  'files.hotExit': 'off',
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'security.workspace.trust.emptyWindow': true,
};

/** Creates a throwaway user-data dir with quiet user settings (plus `settings`). */
export function makeUserDataDir(baseDir, settings = {}) {
  const dir = join(baseDir, 'user-data');
  mkdirSync(join(dir, 'User'), { recursive: true });
  writeFileSync(join(dir, 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...settings }, null, 2) + '\n');
  return dir;
}

/** Resolves once GET url answers with any HTTP status below 500. */
export async function waitForHttp(url, { timeoutMs = 60_000, isAlive = () => true } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await new Promise((res) => {
      const req = http.get(url, (r) => { r.resume(); res(r.statusCode ?? 0); });
      req.on('error', () => res(0));
      req.setTimeout(2000, () => { req.destroy(); res(0); });
    });
    if (status > 0 && status < 500) return status;
    if (!isAlive()) throw new Error(`code-server exited before ${url} answered`);
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** All descendants of pid (Linux /proc), deepest last. */
function descendants(pid) {
  let byParent;
  try {
    byParent = new Map();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      let stat;
      try { stat = readFileSync(`/proc/${name}/stat`, 'utf8'); } catch { continue; }
      // pid (comm) state ppid ...: comm may contain spaces and parentheses, so parse after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!byParent.has(ppid)) byParent.set(ppid, []);
      byParent.get(ppid).push(Number(name));
    }
  } catch { return []; }
  const out = [];
  const walk = (p) => { for (const c of byParent.get(p) ?? []) { out.push(c); walk(c); } };
  walk(pid);
  return out;
}

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/**
 * Kills a process started with `detached: true` (own process group) together with all its descendants,
 * also those that left the group. Synchronous SIGTERM then, after graceMs, SIGKILL. Safe to call twice.
 */
export async function killTree(pid, { graceMs = 3000 } = {}) {
  if (!pid) return;
  const targets = [pid, ...descendants(pid)];
  const signal = (sig) => {
    try { process.kill(-pid, sig); } catch { /* group gone */ }
    for (const p of targets) { try { process.kill(p, sig); } catch { /* gone */ } }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && targets.some(alive)) await new Promise((r) => setTimeout(r, 100));
  if (targets.some(alive)) signal('SIGKILL');
}

/** The same, synchronous and immediate (for process 'exit' handlers). */
export function killTreeSync(pid) {
  if (!pid) return;
  const targets = [pid, ...descendants(pid)];
  for (const sig of ['SIGTERM', 'SIGKILL']) {
    try { process.kill(-pid, sig); } catch { /* gone */ }
    for (const p of targets) { try { process.kill(p, sig); } catch { /* gone */ } }
  }
}

/**
 * Builds the URL that opens `folder` in a window whose extension host loads the extension under development
 * from `extensionDevelopmentPath` and, when given, runs the test module `extensionTestsPath`.
 */
export function editorUrl(baseUrl, { folder, extensionDevelopmentPath, extensionTestsPath } = {}) {
  const u = new URL(baseUrl);
  const authority = u.host;
  const params = new URLSearchParams();
  if (folder) params.set('folder', folder);
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', `vscode-remote://${authority}${extensionDevelopmentPath}`]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', `vscode-remote://${authority}${extensionTestsPath}`]);
  if (payload.length) params.set('payload', JSON.stringify(payload));
  const q = params.toString();
  return `${u.origin}/${q ? `?${q}` : ''}`;
}

/**
 * Installs a packaged extension (.vsix) into `extensionsDir` with code-server's own installer, as a user's
 * "Install from VSIX…" does (offline: the gallery is off). Returns the installer's output.
 */
export function installVsix(vsix, extensionsDir, { version = CODE_SERVER_VERSION } = {}) {
  if (!isInstalled(version)) throw notInstalled(version);
  mkdirSync(extensionsDir, { recursive: true });
  const r = spawnSync(codeServerNode(version), [codeServerBuild(version).entry, '--install-extension', vsix, '--extensions-dir', extensionsDir, '--force'], {
    encoding: 'utf8', env: { EXTENSIONS_GALLERY: '{}', ...process.env }, timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`installing ${vsix} failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

/**
 * Starts code-server on a free loopback port with a throwaway user-data dir and extensions dir.
 * Options:
 *   workDir           folder for the throwaway dirs (default: a new temp dir, removed by stop())
 *   folder            workspace folder to open by default
 *   env               extra environment for code-server (inherited by its extension hosts)
 *   settings          extra user settings
 *   disableWorkspaceTrust (default true)
 *   logFile           where code-server's stdout/stderr go (default: <workDir>/code-server.log)
 *   extraArgs         more command-line arguments
 *   timeoutMs         how long to wait for HTTP (default 60 s)
 *   version           which build (default CODE_SERVER_VERSION); started with that build's Node
 * Returns { url, port, pid, process, version, workDir, userDataDir, extensionsDir, logFile, editorUrl(opts), stop() }.
 */
export async function startCodeServer(opts = {}) {
  const version = opts.version ?? CODE_SERVER_VERSION;
  if (!isInstalled(version)) throw notInstalled(version);
  const { entry } = codeServerBuild(version);
  const node = codeServerNode(version);
  const ownWorkDir = !opts.workDir;
  const workDir = opts.workDir ?? mkdtempSync(join(tmpdir(), 'federation-code-server-'));
  mkdirSync(workDir, { recursive: true });
  const userDataDir = makeUserDataDir(workDir, opts.settings);
  const extensionsDir = join(workDir, 'extensions');
  mkdirSync(extensionsDir, { recursive: true });
  // Without --config code-server writes ~/.config/code-server/config.yaml: keep everything in workDir.
  const configFile = join(workDir, 'config.yaml');
  writeFileSync(configFile, 'auth: none\ncert: false\n');
  const logFile = opts.logFile ?? join(workDir, 'code-server.log');
  mkdirSync(dirname(logFile), { recursive: true });
  writeFileSync(logFile, '');

  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = opts.port ?? await freePort();
    const args = [
      entry,
      '--config', configFile,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--user-data-dir', userDataDir,
      '--extensions-dir', extensionsDir,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      ...(opts.disableWorkspaceTrust === false ? [] : ['--disable-workspace-trust']),
      ...(opts.extraArgs ?? []),
      ...(opts.folder ? [opts.folder] : []),
    ];
    const fd = openSync(logFile, 'a');
    const child = spawn(node, args, {
      cwd: opts.folder ?? workDir,
      // EXTENSIONS_GALLERY={} (no serviceUrl) turns the marketplace off: no open-vsx lookups from an offline editor.
      env: { EXTENSIONS_GALLERY: '{}', ...process.env, ...(opts.env ?? {}) },
      stdio: ['ignore', fd, fd],
      detached: true, // own process group: stop() kills the whole tree
    });
    closeSync(fd);
    let exited = false;
    child.on('exit', () => { exited = true; });
    const onExit = () => killTreeSync(child.pid);
    process.on('exit', onExit);
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(`${base}/healthz`, { timeoutMs: opts.timeoutMs ?? 60_000, isAlive: () => !exited });
    } catch (e) {
      lastError = e;
      await killTree(child.pid);
      process.off('exit', onExit);
      if (opts.port) break;
      continue; // maybe the port was taken in between: try another
    }
    let stopped = false;
    return {
      url: base, port, pid: child.pid, process: child, version, workDir, userDataDir, extensionsDir, logFile,
      editorUrl: (o) => editorUrl(base, o),
      async stop() {
        if (stopped) return;
        stopped = true;
        await killTree(child.pid);
        process.off('exit', onExit);
        if (ownWorkDir && !opts.keepWorkDir) rmSync(workDir, { recursive: true, force: true });
      },
    };
  }
  let tail = '';
  try { tail = readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n'); } catch { /* no log */ }
  throw new Error(`code-server did not start: ${lastError?.message}\n--- ${logFile} (tail) ---\n${tail}`);
}

// ---- CLI ------------------------------------------------------------------------------------------------
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const usage = 'usage: node scripts/code-server.mjs install [--force] [--version V] | path [--version V] | check | serve [--version V] [FOLDER]';
  try {
    const { values: flags, positionals } = parseArgs({ allowPositionals: true,
      options: { force: { type: 'boolean', default: false }, version: { type: 'string' } } });
    const [cmd = 'install', ...rest] = positionals;
    if (flags.version) codeServerBuild(flags.version); // an unknown version says which there are
    const version = flags.version ?? CODE_SERVER_VERSION;
    if (cmd === 'install') {
      if (flags.version) await installCodeServer({ force: flags.force, version });
      else await installAllCodeServers({ force: flags.force });
    } else if (cmd === 'path') {
      if (!isInstalled(version)) { log(`${version} not installed`); process.exit(1); }
      console.log(codeServerBuild(version).entry);
    } else if (cmd === 'check') {
      let bad = false;
      for (const v of flags.version ? [version] : CODE_SERVER_VERSIONS) {
        const m = missingPrerequisites(v);
        bad ||= m.length > 0;
        console.log(`code-server ${v} (VS Code ${codeServerBuild(v).vscode}, Node ${codeServerBuild(v).nodeMajor}):`);
        console.log(m.length ? `  missing:\n    - ${m.join('\n    - ')}` : '  prerequisites present');
        console.log(isInstalled(v) ? `  installed: ${codeServerBuild(v).installDir} (node ${codeServerNode(v)})` : '  not installed');
      }
      process.exit(bad ? 1 : 0);
    } else if (cmd === 'serve') {
      await installCodeServer({ quiet: true, version });
      const folder = rest[0] ? resolve(rest[0]) : undefined;
      const cs = await startCodeServer({ folder, version });
      console.log(`code-server ${version} on ${cs.editorUrl({ folder })}  (log: ${cs.logFile}; Ctrl-C stops)`);
      const stop = async () => { await cs.stop(); process.exit(0); };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      cs.process.on('exit', (c) => { log(`exited with ${c}`); process.exit(c ?? 1); });
    } else {
      console.error(usage);
      process.exit(2);
    }
  } catch (e) {
    log(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
