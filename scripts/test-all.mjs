#!/usr/bin/env node
// `npm test`: every check in order, each timed, continuing after a failure:
//   typecheck (tsc --noEmit), test:unit, test:nats (real nats-server), test:docker, test:vscode (real editor: trusted, untrusted, installed and
//   VS Code 1.103 passes, each with its own summary), test:ui (browser UI),
//   test:webviews (report panels in a real browser and editor)
// then one summary table and a last line "N passed, N failed" (totals of tests). Exit code 1 if any part failed.
//
// Counts come from mocha's own summary lines ("N passing", "N failing", "N pending"; summed when a part runs mocha
// more than once). A part that fails without a failing test in its output (crash, build error, missing script,
// timeout) counts as one failure, so the last line never says "0 failed" for a red run. The type check counts as
// one test: passed or failed.
//
//   node scripts/test-all.mjs [--only unit,vscode] [--skip ui]
//   FEDERATION_PART_TIMEOUT (seconds per part, default 1200)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

const PARTS = [
  { name: 'typecheck', cmd: npx, args: ['tsc', '--noEmit'], kind: 'tsc' },
  { name: 'unit', script: 'test:unit' },
  // The NATS backend against real nats-server processes (one node, a three-node cluster): nats-server on PATH.
  { name: 'nats', script: 'test:nats' },
  { name: 'docker', script: 'test:docker' },
  { name: 'vscode', script: 'test:vscode' },
  { name: 'ui', script: 'test:ui' },
  { name: 'webviews', script: 'test:webviews' },
];

const { values: opts } = parseArgs({ options: { only: { type: 'string' }, skip: { type: 'string' } } });
const only = opts.only ? new Set(opts.only.split(',')) : null;
const skip = new Set(opts.skip ? opts.skip.split(',') : []);
const partTimeoutMs = Number(process.env.FEDERATION_PART_TIMEOUT ?? 1200) * 1000;

// eslint-disable-next-line no-control-regex
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '');

/** Sums mocha's summary lines in `out`; null when there is none. */
function parseMocha(out) {
  const text = stripAnsi(out);
  const sum = (re) => [...text.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
  const found = /^\s*\d+ passing\b/m.test(text) || /^\s*\d+ failing\b/m.test(text);
  if (!found) return null;
  return { passed: sum(/^\s*(\d+) passing\b/gm), failed: sum(/^\s*(\d+) failing\b/gm), pending: sum(/^\s*(\d+) pending\b/gm) };
}

let current = null; // the running child, killed on Ctrl-C
function killCurrent() {
  if (!current) return;
  try { process.kill(-current.pid, 'SIGTERM'); } catch { /* gone */ }
  setTimeout(() => { try { process.kill(-current.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000).unref();
}
process.on('SIGINT', () => { killCurrent(); process.exit(130); });
process.on('SIGTERM', () => { killCurrent(); process.exit(143); });

function run(cmd, args) {
  return new Promise((resolve) => {
    let out = '';
    let timedOut = false;
    // Own process group, so a timeout or Ctrl-C ends the part's whole tree (code-server, chromium, containers' CLIs).
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: process.env });
    current = child;
    const timer = setTimeout(() => { timedOut = true; killCurrent(); }, partTimeoutMs);
    child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
    child.stderr.on('data', (d) => { out += d; process.stderr.write(d); });
    child.on('error', (e) => { out += `\n${e.message}\n`; });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      current = null;
      resolve({ code: code ?? (signal ? 1 : 0), signal, out, timedOut });
    });
  });
}

const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts ?? {};
const rows = [];
for (const part of PARTS) {
  if ((only && !only.has(part.name)) || skip.has(part.name)) continue;
  const label = part.script ? `npm run ${part.script}` : `${part.cmd} ${part.args.join(' ')}`;
  console.log(`\n━━━━ ${part.name}: ${label} ━━━━\n`);
  const started = Date.now();
  const row = { name: part.name, ok: false, passed: 0, failed: 0, pending: 0, note: '', seconds: 0 };
  if (part.script && !scripts[part.script]) {
    row.note = `no "${part.script}" script in package.json`;
    row.failed = 1;
    console.log(row.note);
  } else {
    const r = part.script ? await run(npm, ['run', part.script]) : await run(part.cmd, part.args);
    row.ok = r.code === 0 && !r.timedOut;
    if (part.kind === 'tsc') {
      const errors = (stripAnsi(r.out).match(/error TS\d+/g) ?? []).length;
      row.passed = row.ok ? 1 : 0;
      row.failed = row.ok ? 0 : 1;
      row.note = row.ok ? 'no type errors' : `${errors} type error(s)`;
    } else {
      const counts = parseMocha(r.out);
      if (counts) Object.assign(row, counts);
      else row.note = 'no mocha summary in the output';
      if (!row.ok && row.failed === 0) {
        row.failed = 1;
        row.note = [row.note, `exit ${r.signal ?? r.code} without a failing test (counted as 1 failure)`].filter(Boolean).join('; ');
      }
      if (row.ok && row.failed > 0) row.ok = false; // mocha said "failing" although the exit code was 0
    }
    if (r.timedOut) row.note = `timed out after ${partTimeoutMs / 1000} s; ${row.note}`;
  }
  row.seconds = (Date.now() - started) / 1000;
  rows.push(row);
}

// ---- summary ----
const pad = (s, n, right = false) => (right ? String(s).padStart(n) : String(s).padEnd(n));
console.log('\n━━━━ summary ━━━━\n');
console.log(`${pad('part', 10)} ${pad('result', 6)} ${pad('passed', 7, true)} ${pad('failed', 7, true)} ${pad('pending', 8, true)} ${pad('time', 9, true)}  notes`);
for (const r of rows) {
  console.log(`${pad(r.name, 10)} ${pad(r.ok ? 'ok' : 'FAIL', 6)} ${pad(r.passed, 7, true)} ${pad(r.failed, 7, true)} ` +
    `${pad(r.pending, 8, true)} ${pad(`${r.seconds.toFixed(1)} s`, 9, true)}  ${r.note}`);
}
const total = rows.reduce((t, r) => ({ passed: t.passed + r.passed, failed: t.failed + r.failed }), { passed: 0, failed: 0 });
const seconds = rows.reduce((t, r) => t + r.seconds, 0);
console.log(`${pad('total', 10)} ${pad(rows.every((r) => r.ok) ? 'ok' : 'FAIL', 6)} ${pad(total.passed, 7, true)} ` +
  `${pad(total.failed, 7, true)} ${pad(rows.reduce((t, r) => t + r.pending, 0), 8, true)} ${pad(`${seconds.toFixed(1)} s`, 9, true)}`);
console.log('');
console.log(`${total.passed} passed, ${total.failed} failed`);
process.exit(rows.every((r) => r.ok) && rows.length > 0 ? 0 : 1);
