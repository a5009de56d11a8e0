#!/usr/bin/env node
// code-server (VS Code 1.100.3 in the browser) as a real editor for tests and `npm start`.
//
// It is installed into the project cache `.vscode-test/code-server-<version>/`, never into package.json:
// it is large, builds native modules, and only the editor tests and `npm start` need it.
//
// What a machine needs before the install (Debian/Ubuntu; .ci/run installs them):
//   apt-get install -y libkrb5-dev ripgrep   # kerberos headers for a native module; a local `rg`
//   apt-get install -y chromium              # only for the harness and UI tests (/usr/bin/chromium)
// Node 20 is required (code-server >= 4.101 needs Node 22+). Node's C headers must be available to node-gyp
// without a download: Debian/NodeSource packages put them in /usr/include/node, which is used when present.
//
// Offline tricks (no network but the npm registry):
//   - @vscode/ripgrep's postinstall downloads rg from GitHub unless it finds its tarball in its cache folder
//     `$TMPDIR/vscode-ripgrep-cache-<pkg version>/`; we put a tarball with the system `rg` there first.
//   - a nested `npx node-gyp` stops at an "Ok to proceed?" prompt unless npm_config_yes=true.
//   - as root, code-server's postinstall.sh exits unless npm runs it with --unsafe-perm.
//
// CLI:  node scripts/code-server.mjs install [--force]   install (reused when the marker file is present)
//       node scripts/code-server.mjs path                 print the entry script path (after install)
//       node scripts/code-server.mjs serve [FOLDER]       start on a free loopback port, print URL, Ctrl-C stops
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import {
  existsSync, mkdirSync, writeFileSync, readFileSync, rmSync, copyFileSync, chmodSync, mkdtempSync,
  readdirSync, openSync, closeSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import http from 'node:http';

export const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
export const CODE_SERVER_VERSION = '4.100.3';
/** @vscode/ripgrep version that code-server 4.100.3 depends on (names its download cache folder). */
const RIPGREP_PKG_VERSION = '1.15.11';
const RIPGREP_TARBALL = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

export const CACHE_DIR = join(ROOT, '.vscode-test');
export const INSTALL_DIR = join(CACHE_DIR, `code-server-${CODE_SERVER_VERSION}`);
const MARKER = join(INSTALL_DIR, '.installed');
/** The script `code-server` runs; started with the current node (code-server 4.100 needs Node 20). */
export const ENTRY = join(INSTALL_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

const log = (...a) => console.error('[code-server]', ...a);

export function isInstalled() {
  if (!existsSync(MARKER) || !existsSync(ENTRY)) return false;
  try { return JSON.parse(readFileSync(MARKER, 'utf8')).version === CODE_SERVER_VERSION; } catch { return false; }
}

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Missing system prerequisites, as human-readable hints (empty when all is there). */
export function missingPrerequisites() {
  const missing = [];
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 20) missing.push(`Node 20 is required by code-server ${CODE_SERVER_VERSION} (this is ${process.version})`);
  if (!which('rg')) missing.push('ripgrep: apt-get install -y ripgrep');
  if (!existsSync('/usr/include/gssapi/gssapi.h') && !existsSync('/usr/include/krb5.h')) {
    missing.push('kerberos headers: apt-get install -y libkrb5-dev');
  }
  if (!which('make') || !(which('g++') || which('c++'))) missing.push('a C++ toolchain: apt-get install -y build-essential');
  if (!which('python3')) missing.push('python3 (node-gyp): apt-get install -y python3');
  return missing;
}

/** Put a tarball holding the system `rg` where @vscode/ripgrep's postinstall looks before downloading. */
export function prepareRipgrepCache() {
  const rg = which('rg');
  if (!rg) throw new Error('ripgrep is not installed (apt-get install -y ripgrep)');
  const cacheDir = join(tmpdir(), `vscode-ripgrep-cache-${RIPGREP_PKG_VERSION}`);
  const tarball = join(cacheDir, RIPGREP_TARBALL);
  if (existsSync(tarball)) return tarball;
  mkdirSync(cacheDir, { recursive: true });
  const stage = mkdtempSync(join(tmpdir(), 'rg-stage-'));
  try {
    copyFileSync(rg, join(stage, 'rg'));
    chmodSync(join(stage, 'rg'), 0o755);
    execFileSync('tar', ['-C', stage, '-czf', `${tarball}.part`, 'rg']);
    execFileSync('mv', [`${tarball}.part`, tarball]);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  return tarball;
}

/**
 * On Debian as root (a fresh machine of this project's kind), `npm start` installs what code-server's install needs,
 * as .ci/run does, so that `npm install && npm start` is all a newcomer runs. Elsewhere it only reports.
 */
function installDebianPrerequisites() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0 || !which('apt-get')) return;
  const packages = ['ripgrep', 'libkrb5-dev', 'make', 'g++', 'python3'].filter((p) => spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout?.includes('install ok installed') !== true);
  if (packages.length === 0) return;
  log(`installing Debian packages code-server needs: ${packages.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit', env });
}

/** Installs code-server into the project cache unless it is already there. Returns the entry script. */
export async function installCodeServer({ force = false, quiet = false } = {}) {
  if (!force && isInstalled()) {
    if (!quiet) log(`already installed in ${INSTALL_DIR}`);
    return ENTRY;
  }
  let missing = missingPrerequisites();
  if (missing.length) {
    installDebianPrerequisites();
    missing = missingPrerequisites();
  }
  if (missing.length) {
    throw new Error(`cannot install code-server; missing prerequisites:\n  - ${missing.join('\n  - ')}`);
  }
  const started = Date.now();
  prepareRipgrepCache();
  rmSync(MARKER, { force: true });
  mkdirSync(INSTALL_DIR, { recursive: true });
  // An own package.json makes this folder npm's prefix, so the project's package.json is never touched.
  writeFileSync(join(INSTALL_DIR, 'package.json'), JSON.stringify({
    name: 'code-server-cache', private: true, description: 'code-server for Agent Federation editor tests (generated)',
  }, null, 2) + '\n');
  const env = { ...process.env, npm_config_yes: 'true', npm_config_fund: 'false', npm_config_audit: 'false',
    npm_config_update_notifier: 'false' };
  // node-gyp must not download Node's headers: use the installed ones when they exist.
  const headers = resolve(dirname(process.execPath), '..', 'include', 'node');
  if (!env.npm_config_nodedir && existsSync(join(headers, 'node.h'))) env.npm_config_nodedir = resolve(headers, '..', '..');
  const args = ['install', '--no-save', '--no-package-lock', '--loglevel=warn', `code-server@${CODE_SERVER_VERSION}`];
  // As root, code-server's own postinstall.sh refuses to run unless npm_config_unsafe_perm=true, which
  // `--unsafe-perm` sets for lifecycle scripts (npm 11 also warns that it does not know the option: harmless).
  if (process.getuid && process.getuid() === 0) args.splice(1, 0, '--unsafe-perm');
  log(`installing code-server@${CODE_SERVER_VERSION} into ${INSTALL_DIR} (npm ${args.join(' ')})`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const code = await new Promise((res) => {
    const p = spawn(npm, args, { cwd: INSTALL_DIR, env, stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'] });
    p.on('exit', (c, s) => res(c ?? (s ? 1 : 0)));
    p.on('error', (e) => { log(e.message); res(1); });
  });
  if (code !== 0) throw new Error(`npm install code-server@${CODE_SERVER_VERSION} failed with exit code ${code}`);
  if (!existsSync(ENTRY)) throw new Error(`code-server installed but ${ENTRY} is missing`);
  writeFileSync(MARKER, JSON.stringify({ version: CODE_SERVER_VERSION, installedAt: new Date().toISOString(),
    node: process.version }) + '\n');
  log(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return ENTRY;
}

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
 * Returns { url, port, pid, process, workDir, userDataDir, extensionsDir, logFile, editorUrl(opts), stop() }.
 */
/**
 * Installs a packaged extension (.vsix) into `extensionsDir` with code-server's own installer, as a user's
 * "Install from VSIX…" does (offline: the gallery is off). Returns the installer's output.
 */
export function installVsix(vsix, extensionsDir) {
  if (!isInstalled()) throw new Error(`code-server is not installed; run: node scripts/code-server.mjs install`);
  mkdirSync(extensionsDir, { recursive: true });
  const r = spawnSync(process.execPath, [ENTRY, '--install-extension', vsix, '--extensions-dir', extensionsDir, '--force'], {
    encoding: 'utf8', env: { EXTENSIONS_GALLERY: '{}', ...process.env }, timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`installing ${vsix} failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

export async function startCodeServer(opts = {}) {
  if (!isInstalled()) throw new Error(`code-server is not installed; run: node scripts/code-server.mjs install`);
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
      ENTRY,
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
    const child = spawn(process.execPath, args, {
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
      url: base, port, pid: child.pid, process: child, workDir, userDataDir, extensionsDir, logFile,
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
  const [cmd = 'install', ...rest] = process.argv.slice(2);
  try {
    if (cmd === 'install') {
      await installCodeServer({ force: rest.includes('--force') });
    } else if (cmd === 'path') {
      if (!isInstalled()) { log('not installed'); process.exit(1); }
      console.log(ENTRY);
    } else if (cmd === 'check') {
      const m = missingPrerequisites();
      console.log(m.length ? `missing:\n  - ${m.join('\n  - ')}` : 'prerequisites present');
      console.log(isInstalled() ? `installed: ${INSTALL_DIR}` : 'not installed');
      process.exit(m.length ? 1 : 0);
    } else if (cmd === 'serve') {
      await installCodeServer({ quiet: true });
      const folder = rest[0] ? resolve(rest[0]) : undefined;
      const cs = await startCodeServer({ folder });
      console.log(`code-server ${CODE_SERVER_VERSION} on ${cs.editorUrl({ folder })}  (log: ${cs.logFile}; Ctrl-C stops)`);
      const stop = async () => { await cs.stop(); process.exit(0); };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      cs.process.on('exit', (c) => { log(`exited with ${c}`); process.exit(c ?? 1); });
    } else {
      console.error('usage: node scripts/code-server.mjs install [--force] | path | check | serve [FOLDER]');
      process.exit(2);
    }
  } catch (e) {
    log(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
