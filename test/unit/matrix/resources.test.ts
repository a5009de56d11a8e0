// Per-task resources with real processes: every attempt records CPU time, peak memory and the bytes of the build
// output a produces_artifacts task left; the task and the run add them up; `matrix report --json` carries them.
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { planMatrix } from '../../../src/core/matrix/plan';
import { runMatrix } from '../../../src/core/matrix/runner';
import { nodeFileSystem } from '../../../src/node/fs';
import { newLocalProcessRunner } from '../../../src/node/process';
import { useTempDir } from '../../helpers/tmp';
import { config, matrixCli } from './helpers';

const BURN = `python3 -c \\"import time; b = b'x' * (48 << 20); e = time.process_time() + 0.2; [0 for _ in iter(lambda: time.process_time() < e, False)]\\"`;

describe('matrix per-task resources (real processes)', function () {
  this.timeout(60_000);
  const tmp = useTempDir('fed-res-');

  it('each attempt records CPU, peak memory and produced bytes; the task and the run total them; report --json carries them', async () => {
    // build: 1,000 + 234 bytes in dist/ and out/ (a symlink is not followed, build/ is absent), on its second
    // attempt; burn: CPU and memory, no produces_artifacts.
    const build = 'mkdir -p dist/sub out && head -c 1000 /dev/zero > dist/sub/a.bin && head -c 234 /dev/zero > out/b.txt && ln -sf /etc/passwd dist/link && test -f tried || { touch tried; exit 1; }';
    const text = `tasks:
  build:
    module: web
    command: "${build}"
    produces_artifacts: true
    retries: 1
  burn:
    module: .
    command: "${BURN}"
priorities:
  priority_1:
    tasks: [build, burn]
failure_handling:
  retry: { backoff: none }
`;
    mkdirSync(path.join(tmp.path, 'web'), { recursive: true });
    mkdirSync(path.join(tmp.path, '.github'), { recursive: true });
    writeFileSync(path.join(tmp.path, '.github', 'multi-agent-config.yml'), text);
    const out = await runMatrix({ root: tmp.path, plan: planMatrix(config(text)), processRunnerFactory: newLocalProcessRunner, fs: nodeFileSystem, env: process.env, setup: false, runId: 'res1' });
    const r = Object.fromEntries(out.results.map((x) => [x.unit, x]));
    const b = r['build']!;
    assert.equal(b.status, 'passed');
    assert.equal(b.attempts, 2);
    assert.equal(b.attemptDetails[0]!.resources!.producedBytes, 1234, 'the first attempt left the files too');
    assert.equal(b.attemptDetails[1]!.resources!.producedBytes, 1234);
    assert.equal(b.resources!.producedBytes, 1234);
    for (const a of b.attemptDetails) assert.equal(a.resources!.source, 'rusage');
    assert.equal(b.resources!.cpuMs, Math.round((b.attemptDetails[0]!.resources!.cpuMs! + b.attemptDetails[1]!.resources!.cpuMs!) * 1000) / 1000, 'CPU of both attempts');
    const burn = r['burn']!.resources!;
    assert.equal(burn.producedBytes, null, 'no output folders without produces_artifacts');
    assert.ok(burn.cpuMs! >= 150, `burn CPU ${burn.cpuMs} ms`);
    assert.ok(burn.peakMemoryBytes! >= 48 << 20, `burn peak ${burn.peakMemoryBytes}`);
    assert.equal(Math.abs(burn.cpuMs! - (burn.userMs! + burn.systemMs!)) < 0.01, true);

    const totals = out.summary.resources;
    assert.equal(totals.producedBytes, 1234);
    assert.equal(totals.measuredUnits, 2);
    assert.equal(totals.peakMemoryBytes, Math.max(burn.peakMemoryBytes!, b.resources!.peakMemoryBytes!));
    assert.ok(Math.abs(totals.cpuMs - (burn.cpuMs! + b.resources!.cpuMs!)) < 0.01);

    const report = await matrixCli(tmp.path, 'report', '--run', 'res1', '--json');
    assert.equal(report.code, 0, report.err);
    const json = JSON.parse(report.out) as { summary: { resources: unknown }; tasks: { unit: string; resources: unknown; attemptDetails: { resources: unknown }[] }[] };
    assert.deepEqual(json.summary.resources, totals);
    assert.deepEqual(json.tasks.find((t) => t.unit === 'burn')!.resources, burn);
    const md = await matrixCli(tmp.path, 'report', '--run', 'res1');
    assert.match(md.out, /\| CPU time \| .*s over 2 unit\(s\) \|/);
    assert.match(md.out, /\| ✅ burn \|.*\| \d+(\.\d+)? MiB \|/);
  });
});
