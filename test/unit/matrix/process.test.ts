// The real process runner (the Node adapter, src/node/process): a process group per attempt, and nothing it started outlives it.
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import type { ProcessSpec } from '../../../src/core/matrix/processPort';
import { groupAlive, LocalProcessRunner } from '../../../src/node/process';
import { useTempDir } from '../../helpers/tmp';
import { pidAlive, waitForFile } from './helpers';

for (const launcher of ['spawn', 'fork-server', 'spawn-server'] as const) describe(`LocalProcessRunner (real processes, ${launcher})`, function () {
  this.timeout(30_000);
  const tmp = useTempDir('fed-proc-');
  const started: number[] = [];
  const runner = new LocalProcessRunner(launcher);
  const spec = (command: string, extra: Partial<ProcessSpec> = {}): ProcessSpec => ({ command, cwd: tmp.path, env: process.env, logFile: path.join(tmp.path, 'task.log'), timeoutMs: 10_000, graceMs: 500, ...extra });

  afterEach(function () {
    // Whatever a failed test left behind: its groups and recorded pids. Only then: after a pass they are gone,
    // and their numbers may already belong to someone else's processes.
    const pids = started.splice(0);
    if (this.currentTest?.state !== 'failed') return;
    for (const pid of pids) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  });

  it('runs in the given folder, appends output to the log, reports the exit code', async () => {
    const out = await runner.run(spec('pwd; echo to-stderr >&2; echo "$MATRIX_X"; exit 3', { env: { ...process.env, MATRIX_X: 'hello' }, preamble: '=== header\twith tab\n' }));
    started.push(out.pid!);
    assert.equal(out.exitCode, 3);
    assert.equal(out.timedOut, false);
    const log = readFileSync(path.join(tmp.path, 'task.log'), 'utf8');
    assert.match(log, new RegExp(`${tmp.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
    assert.match(log, /^=== header\twith tab\n/, 'the preamble comes first');
    assert.match(log, /to-stderr/);
    assert.match(log, /hello/);
  });

  it(launcher === 'spawn' ? 'reports no resource usage (Node gives no rusage of a child)' : "reports the task's CPU time and peak memory from wait4's rusage", async () => {
    // 64 MiB written (so resident) and 300 ms of CPU, in a child of the task's shell: rusage counts what it waited for.
    const burn = `python3 -c "import time; b = b'x' * (64 << 20); e = time.process_time() + 0.3; [0 for _ in iter(lambda: time.process_time() < e, False)]"`;
    const out = await runner.run(spec(burn));
    started.push(out.pid!);
    assert.equal(out.exitCode, 0);
    if (launcher === 'spawn') return assert.equal(out.usage, undefined);
    const u = out.usage!;
    assert.equal(u.source, 'rusage');
    assert.ok(u.userMs + u.systemMs >= 250, `CPU ${u.userMs} + ${u.systemMs} ms`);
    assert.ok(u.userMs + u.systemMs < 5000, `CPU ${u.userMs} + ${u.systemMs} ms is the task's, not the machine's`);
    assert.ok(u.peakMemoryBytes! >= 64 << 20, `peak ${u.peakMemoryBytes} bytes`);
    const idle = (await runner.run(spec('true'))).usage!;
    assert.ok(idle.peakMemoryBytes! < 32 << 20 && idle.userMs + idle.systemMs < 100, `an idle task measures small: ${JSON.stringify(idle)}`);
  });

  it('a timeout kills the whole process group: SIGTERM, then SIGKILL for a grandchild that ignores SIGTERM', async () => {
    const gc = path.join(tmp.path, 'gc.pid');
    const t0 = Date.now();
    const out = await runner.run(spec(`sh -c 'trap "" TERM; exec sleep 30' & echo $! > ${gc}; sleep 30`, { timeoutMs: 400, graceMs: 600 }));
    const elapsed = Date.now() - t0;
    started.push(out.pid!);
    const grandchild = Number(await waitForFile(gc));
    started.push(grandchild);
    assert.equal(out.timedOut, true);
    assert.equal(out.exitCode, null);
    assert.ok(elapsed >= 400 + 600 - 50, `SIGKILL only after the grace period (took ${elapsed} ms)`);
    assert.ok(elapsed < 6000, `bounded (took ${elapsed} ms)`);
    assert.equal(pidAlive(grandchild), false, 'the grandchild is gone');
    assert.equal(groupAlive(out.pid!), false, 'the group is empty');
  });

  it('a group that obeys SIGTERM ends right away, well before the grace period', async () => {
    const t0 = Date.now();
    const out = await runner.run(spec('sleep 30 & sleep 30', { timeoutMs: 300, graceMs: 5000 }));
    started.push(out.pid!);
    assert.equal(out.timedOut, true);
    assert.equal(out.signal, 'SIGTERM');
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
    assert.equal(groupAlive(out.pid!), false);
  });

  it('a background process left by a finished task is stopped with it', async () => {
    const gc = path.join(tmp.path, 'bg.pid');
    const out = await runner.run(spec(`sleep 30 & echo $! > ${gc}; exit 0`, { graceMs: 300 }));
    started.push(out.pid!);
    const bg = Number(await waitForFile(gc));
    started.push(bg);
    assert.equal(out.exitCode, 0);
    assert.equal(pidAlive(bg), false);
  });

  it('AbortSignal cancels: the group is stopped and the outcome says cancelled', async () => {
    const gc = path.join(tmp.path, 'c.pid');
    const ac = new AbortController();
    const p = runner.run(spec(`sleep 30 & echo $! > ${gc}; sleep 30`, { signal: ac.signal, graceMs: 300 }));
    const bg = Number(await waitForFile(gc));
    started.push(bg);
    ac.abort();
    const out = await p;
    started.push(out.pid!);
    assert.equal(out.cancelled, true);
    assert.equal(out.timedOut, false);
    assert.equal(pidAlive(bg), false);
    assert.equal(groupAlive(out.pid!), false);
    const already = await runner.run(spec('true', { signal: ac.signal }));
    assert.deepEqual([already.cancelled, already.pid], [true, null], 'an aborted signal starts nothing');
  });

  it('each task gets exactly its own environment, also when many start at once (variables added, changed, removed)', async () => {
    const base = { ...process.env, MATRIX_KEEP: 'k', MATRIX_GONE: 'g' };
    const envs: NodeJS.ProcessEnv[] = [
      ...Array.from({ length: 20 }, (_, i) => ({ ...base, MATRIX_I: String(i), MATRIX_KEEP: i % 2 ? 'odd\tvalue\\x' : 'k' })),
      (({ MATRIX_GONE: _g, ...rest }) => ({ ...rest, MATRIX_I: 'no-gone' }))(base),
      { PATH: process.env['PATH'], MATRIX_I: 'tiny' },
      { ...base, MATRIX_I: 'back' },
    ];
    const outs = await Promise.all(envs.map((env, i) => runner.run(spec('echo "$MATRIX_I|${MATRIX_KEEP-unset}|${MATRIX_GONE-unset}|${HOME-unset}"', { env, logFile: path.join(tmp.path, `env${i}.log`) }))));
    outs.forEach((o) => started.push(o.pid!));
    const line = (i: number) => readFileSync(path.join(tmp.path, `env${i}.log`), 'utf8').trim();
    for (let i = 0; i < 20; i++) assert.equal(line(i), `${i}|${i % 2 ? 'odd\tvalue\\x' : 'k'}|g|${process.env['HOME'] ?? 'unset'}`);
    assert.equal(line(20), `no-gone|k|unset|${process.env['HOME'] ?? 'unset'}`);
    assert.equal(line(21), 'tiny|unset|unset|unset');
    assert.equal(line(22), `back|k|g|${process.env['HOME'] ?? 'unset'}`);
  });

  it('a frozen base environment with extraEnv on top: each task sees both, and a new base replaces the old one', async () => {
    const base1 = Object.freeze({ ...process.env, MATRIX_KEEP: 'k1', MATRIX_B1: 'only-in-base-1' });
    const base2 = Object.freeze({ PATH: process.env['PATH'], MATRIX_KEEP: 'k2' });
    const cmd = 'echo "$MATRIX_I|${MATRIX_KEEP-unset}|${MATRIX_B1-unset}|${MATRIX_OWN-unset}"';
    const specs: Partial<ProcessSpec>[] = [
      ...Array.from({ length: 10 }, (_, i) => ({ env: base1, extraEnv: { MATRIX_I: String(i), MATRIX_OWN: `own\t${i}` } })),
      { env: base1, extraEnv: { MATRIX_I: 'override', MATRIX_KEEP: 'mine' } },
      { env: base2, extraEnv: { MATRIX_I: 'second-base' } },
      { env: { ...base1, MATRIX_I: 'plain object' } },
      { env: base1, extraEnv: { MATRIX_I: 'first-again' } },
      // Not allowed by the type, but possible at run time: left out, as Node's spawn does.
      { env: base1, extraEnv: { MATRIX_I: 'undefined value', MATRIX_OWN: undefined as unknown as string } },
    ];
    const outs = await Promise.all(specs.map((extra, i) => runner.run(spec(cmd, { ...extra, logFile: path.join(tmp.path, `base${i}.log`) }))));
    outs.forEach((o) => started.push(o.pid!));
    const line = (i: number) => readFileSync(path.join(tmp.path, `base${i}.log`), 'utf8').trim();
    for (let i = 0; i < 10; i++) assert.equal(line(i), `${i}|k1|only-in-base-1|own\t${i}`);
    assert.equal(line(10), 'override|mine|only-in-base-1|unset', 'extraEnv wins over the base');
    assert.equal(line(11), 'second-base|k2|unset|unset', 'nothing of the first base is left');
    assert.equal(line(12), 'plain object|k1|only-in-base-1|unset');
    assert.equal(line(13), 'first-again|k1|only-in-base-1|unset');
    assert.equal(line(14), 'undefined value|k1|only-in-base-1|unset');
  });

  it('many tasks at once are shared among at most min(4, cores) launch servers, which exit after dispose()', async () => {
    const runner = new LocalProcessRunner(launcher);
    const outs = await Promise.all(
      Array.from({ length: 40 }, (_, i) => runner.run(spec('echo $PPID; sleep 0.3', { logFile: path.join(tmp.path, `ppid${i}.log`) }))),
    );
    outs.forEach((o) => started.push(o.pid!));
    assert.ok(outs.every((o) => o.exitCode === 0));
    const parents = [...new Set(outs.map((_, i) => Number(readFileSync(path.join(tmp.path, `ppid${i}.log`), 'utf8').trim())))];
    if (launcher === 'spawn') {
      assert.deepEqual(parents, [process.pid]);
      return;
    }
    const cores = availableParallelism();
    assert.ok(parents.length <= Math.min(4, cores), `${parents.length} servers`);
    if (cores >= 2) assert.ok(parents.length >= 2, `40 tasks at once went to ${parents.length} server(s)`);
    assert.ok(parents.every((p) => p !== process.pid && pidAlive(p)), 'idle servers wait for more work until dispose()');
    runner.dispose();
    const deadline = Date.now() + 5000;
    while (parents.some(pidAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(parents.filter(pidAlive), [], 'every server exited after dispose()');
    const again = await runner.run(spec('true'));
    started.push(again.pid!);
    assert.equal(again.exitCode, 0, 'a disposed runner starts new servers when used again');
    runner.dispose();
  });

  it('dispose() while a task runs: its exit is still reported, then the server exits', async () => {
    const runner = new LocalProcessRunner(launcher);
    const pending = runner.run(spec('echo $PPID; sleep 0.4; exit 7', { logFile: path.join(tmp.path, 'late.log') }));
    await waitForFile(path.join(tmp.path, 'late.log'));
    runner.dispose();
    const out = await pending;
    started.push(out.pid!);
    assert.equal(out.exitCode, 7);
    const parent = Number(readFileSync(path.join(tmp.path, 'late.log'), 'utf8').trim());
    if (launcher === 'spawn') return;
    const deadline = Date.now() + 5000;
    while (pidAlive(parent) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(pidAlive(parent), false, 'the server exited once its last task had ended');
  });

  // Node's own spawn has no server.
  if (launcher !== 'spawn') it('a launch server that dies: its running tasks are stopped and reported, and the next task gets a new server', async () => {
    const runner = new LocalProcessRunner(launcher);
    const info = path.join(tmp.path, 'orphan.txt');
    const pending = runner.run(spec(`echo "$PPID $$" > ${info}; sleep 30`, { graceMs: 300 }));
    const [server, task] = (await waitForFile(info)).trim().split(' ').map(Number) as [number, number];
    started.push(task);
    process.kill(server, 'SIGKILL');
    const out = await pending;
    assert.equal(out.exitCode, null, 'no exit code was ever reported for it');
    assert.equal(groupAlive(task), false, 'its process group was stopped');
    const next = await runner.run(spec('echo $PPID', { logFile: path.join(tmp.path, 'next.log') }));
    started.push(next.pid!);
    assert.equal(next.exitCode, 0);
    assert.notEqual(Number(readFileSync(path.join(tmp.path, 'next.log'), 'utf8').trim()), server);
    runner.dispose();
  });

  it('a finished task whose group is empty is reported at once; one whose group lives on is still stopped', async () => {
    const t0 = Date.now();
    const quick = await Promise.all(Array.from({ length: 30 }, () => runner.run(spec('exit 0', { graceMs: 5000 }))));
    quick.forEach((o) => started.push(o.pid!));
    assert.ok(quick.every((o) => o.exitCode === 0));
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
    const gc = path.join(tmp.path, 'left.pid');
    const out = await runner.run(spec(`(trap "" HUP; sleep 30) & echo $! > ${gc}; exit 0`, { graceMs: 300 }));
    started.push(out.pid!);
    const left = Number(await waitForFile(gc));
    started.push(left);
    assert.equal(pidAlive(left), false, 'the leftover was stopped');
    assert.equal(groupAlive(out.pid!), false);
  });

  it('a folder removed right after a task ran there fails the next task (it is trusted for a second, never passes)', async () => {
    const dir = path.join(tmp.path, 'gone-soon');
    mkdirSync(dir);
    const first = await runner.run(spec('true', { cwd: dir }));
    started.push(first.pid!);
    assert.equal(first.exitCode, 0);
    rmSync(dir, { recursive: true });
    const next = await runner.run(spec('true', { cwd: dir }));
    if (next.pid !== null) started.push(next.pid);
    assert.ok(next.error !== undefined || next.exitCode === 126, JSON.stringify(next));
  });

  it('a folder that does not exist, or a path through a file, is an error outcome, not a throw', async () => {
    const out = await runner.run(spec('true', { cwd: path.join(tmp.path, 'missing') }));
    assert.equal(out.exitCode, null);
    assert.ok(out.error);
    writeFileSync(path.join(tmp.path, 'a-file'), 'x');
    const through = await runner.run(spec('true', { cwd: path.join(tmp.path, 'a-file', 'sub') }));
    assert.deepEqual([through.exitCode, through.pid], [null, null]);
    assert.match(through.error ?? '', /no folder/);
  });
});
