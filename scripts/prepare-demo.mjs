// Copies demo/ to a scratch folder and makes it look alive: fresh heartbeats and renewed locks, so the demo
// (and the UI tests that use it as their fixture) shows active personas and a held lock whatever the date.
// Usage: node scripts/prepare-demo.mjs [DEST]   (needs `node scripts/build.mjs` first: uses dist/cli.js)
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Refreshes heartbeats and lock expiry of a federation copied from demo/, through the real CLI. */
export function refreshDemo(dest) {
  const fed = join(dest, '.federation');
  if (!existsSync(join(fed, 'personas.json'))) return;
  const run = (...args) => execFileSync(process.execPath, [join(root, 'dist', 'cli.js'), '--root', dest, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (const p of JSON.parse(readFileSync(join(fed, 'personas.json'), 'utf8')).personas) run('persona', 'heartbeat', p.id);
  const locks = existsSync(join(fed, 'locks')) ? readdirSync(join(fed, 'locks')).filter((n) => n.endsWith('.lock')) : [];
  for (const name of locks) {
    const lock = JSON.parse(readFileSync(join(fed, 'locks', name), 'utf8'));
    run('lock', 'acquire', lock.resource, '--persona', lock.holder, ...(lock.task ? ['--task', lock.task] : []), '--ttl', '240');
  }
}

export function prepareDemo(dest) {
  rmSync(dest, { recursive: true, force: true });
  cpSync(join(root, 'demo'), dest, { recursive: true });
  refreshDemo(dest);
  return dest;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(prepareDemo(resolve(process.argv[2] ?? join(root, '.vscode-test', 'demo-workspace'))));
}
