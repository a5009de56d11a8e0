// One tiny program for every npm script of the demo modules (backend, frontend): lint, type-check, test
// (shard-aware) and build. npm runs scripts in the module's folder, so that folder is the module.
const fs = require('node:fs');
const path = require('node:path');

const step = process.argv[2];
const moduleDir = process.cwd();
const src = path.join(moduleDir, 'src');
const files = fs.readdirSync(src).filter((f) => f.endsWith('.js')).sort();

if (step === 'lint') {
  const bad = files.filter((f) => /\t|var /.test(fs.readFileSync(path.join(src, f), 'utf8')));
  if (bad.length) {
    console.error(`lint: ${bad.join(', ')} use tabs or var`);
    process.exit(1);
  }
  console.log(`lint: ${files.length} file(s) clean`);
} else if (step === 'type-check') {
  for (const f of files) require(path.join(src, f)); // loading is our type check: a syntax error fails it
  console.log(`type-check: ${files.length} file(s) load`);
} else if (step === 'test') {
  const index = Number(process.env.FEDERATION_SHARD_INDEX ?? 0);
  const total = Number(process.env.FEDERATION_SHARD_TOTAL ?? 1);
  const mine = files.filter((_, i) => i % total === index);
  for (const f of mine) {
    const mod = require(path.join(src, f));
    for (const [name, t] of Object.entries(mod.tests ?? {})) {
      if (t() !== true) {
        console.error(`test: ${f} ${name} failed`);
        process.exit(1);
      }
    }
  }
  console.log(`test: shard ${index + 1}/${total} ran ${mine.length} file(s)`);
} else if (step === 'build') {
  const out = path.join(moduleDir, 'dist');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'bundle.js'), files.map((f) => fs.readFileSync(path.join(src, f), 'utf8')).join('\n'));
  console.log(`build: dist/bundle.js from ${files.length} file(s)`);
} else {
  console.error(`unknown step "${step}"`);
  process.exit(2);
}
