// The wrapper a task container runs its command under (containerUsage.ts), run here by the real /bin/sh against
// a made-up cgroup folder: the command's status comes through, a SIGTERM to the wrapper reaches the command, and
// the cgroup's counters (v2 or v1) end up in the usage file as the runner parses them.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseUsage, USAGE_WRAPPER } from '../../../src/core/matrix/containerUsage';
import { useTempDir } from '../../helpers/tmp';
import { waitForFile } from './helpers';

describe('matrix container usage wrapper (real sh)', function () {
  this.timeout(20_000);
  const tmp = useTempDir('fed-cgu-');

  /** Runs the wrapper as the container would; `onStart` gets its pid. */
  function wrapper(command: string, cgroup: string, onStart?: (pid: number) => void): Promise<{ code: number | null; usage: string }> {
    const usage = path.join(tmp.path, 'usage');
    const child = spawn('/bin/sh', ['-c', USAGE_WRAPPER, 'federation-task', command, cgroup, usage], { stdio: 'ignore' });
    onStart?.(child.pid!);
    return new Promise((resolve) => child.once('exit', (code) => resolve({ code, usage: existsSync(usage) ? readFileSync(usage, 'utf8') : '' })));
  }

  function cgroupV2(): string {
    const dir = path.join(tmp.path, 'cg2');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'cpu.stat'), 'usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\nnr_periods 0\n');
    writeFileSync(path.join(dir, 'memory.peak'), '104857600\n');
    return dir;
  }

  it("passes the command's exit status through and leaves cgroup v2's counters", async () => {
    const r = await wrapper('echo hi > /dev/null; exit 7', cgroupV2());
    assert.equal(r.code, 7);
    assert.deepEqual(parseUsage(r.usage), { userMs: 2000, systemMs: 500, peakMemoryBytes: 104857600, source: 'cgroup' });
  });

  it("reads cgroup v1's cpuacct.stat (ticks) and memory.max_usage_in_bytes", async () => {
    const dir = path.join(tmp.path, 'cg1');
    mkdirSync(path.join(dir, 'cpuacct'), { recursive: true });
    mkdirSync(path.join(dir, 'memory'));
    writeFileSync(path.join(dir, 'cpuacct', 'cpuacct.stat'), 'user 150\nsystem 25\n');
    writeFileSync(path.join(dir, 'memory', 'memory.max_usage_in_bytes'), '5242880\n');
    const r = await wrapper('true', dir);
    assert.equal(r.code, 0);
    assert.deepEqual(parseUsage(r.usage), { userMs: 1500, systemMs: 250, peakMemoryBytes: 5242880, source: 'cgroup' });
  });

  it('a SIGTERM to the wrapper reaches the command, whose status it then exits with, counters written', async () => {
    const started = path.join(tmp.path, 'started');
    const termed = path.join(tmp.path, 'termed');
    const cmd = `trap 'echo term > ${termed}; kill $! 2>/dev/null; exit 143' TERM; sleep 30 & echo up > ${started}; wait`;
    let pid = 0;
    const done = wrapper(cmd, cgroupV2(), (p) => (pid = p));
    await waitForFile(started);
    process.kill(pid, 'SIGTERM');
    const r = await done;
    assert.equal(r.code, 143);
    assert.equal(readFileSync(termed, 'utf8'), 'term\n');
    assert.equal(parseUsage(r.usage)?.userMs, 2000);
  });

  it('no cgroup files: no usage', async () => {
    const r = await wrapper('true', path.join(tmp.path, 'none'));
    assert.equal(r.code, 0);
    assert.equal(parseUsage(r.usage), undefined);
    assert.equal(parseUsage('usage_usec x\nuser_usec 12abc\n'), undefined, 'numbers only');
  });
});
