// Copies demo/ to a scratch folder and makes it look alive: fresh heartbeats and renewed locks, so the demo
// (and the UI test that uses it as its fixture) shows active personas and a held lock whatever the date.
// Usage: node scripts/prepare-demo.mjs DEST   (needs `node scripts/build.mjs` first: uses dist/cli.js)
import { cpSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function prepareDemo(dest) {
  const { main } = createRequire(import.meta.url)(join(root, 'dist', 'cli.js'));
  rmSync(dest, { recursive: true, force: true });
  cpSync(join(root, 'demo'), dest, { recursive: true });
  const quiet = { out: () => {}, err: (s) => process.stderr.write(s + '\n'), cwd: dest };
  const run = async (...args) => {
    const code = await main(['--root', dest, ...args], quiet);
    if (code !== 0) throw new Error(`federation ${args.join(' ')} exited ${code}`);
  };
  const personas = JSON.parse(readFileSync(join(dest, '.federation', 'personas.json'), 'utf8')).personas;
  for (const p of personas) await run('persona', 'heartbeat', p.id);
  for (const name of readdirSync(join(dest, '.federation', 'locks')).filter((n) => n.endsWith('.lock'))) {
    const lock = JSON.parse(readFileSync(join(dest, '.federation', 'locks', name), 'utf8'));
    await run('lock', 'acquire', lock.resource, '--persona', lock.holder, ...(lock.task ? ['--task', lock.task] : []), '--ttl', '240');
  }
  return dest;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dest = resolve(process.argv[2] ?? join(root, '.vscode-test', 'demo-workspace'));
  await prepareDemo(dest);
  console.log(dest);
}
