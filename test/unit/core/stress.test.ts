// The shared stress and corruption suite (test/stress/suite.ts) on the file backend, and what only the file
// backend has: a state lock held by a process, taken over when that process dies (SIGKILL), at once on this host,
// after the stale window when the holder is on another host. The NATS backend has no lock to hold: a change is
// one commit the stream takes whole or refuses, so a dead writer holds nothing (its analogue, a writer killed
// mid-change, is in the shared suite).
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { LOCK_TIMINGS } from '../../../src/core/federation/state/store';
import { newFederation } from '../../helpers/federation';
import { WORKER, setupFederation } from '../../stress/run';
import { defineStressSuite } from '../../stress/suite';
import { useTempDir } from '../../helpers/tmp';

const stored = (root: string) => ['queue.json', 'queue.journal'].map((n) => path.join(root, '.federation', n)).map((f) => (existsSync(f) ? readFileSync(f, 'utf8') : '(none)')).join('\n---\n');

defineStressSuite({
  name: 'file',
  setup: (root, n) => setupFederation(root, n),
  open: (root) => newFederation(root),
  // The file itself always parses: a reader never sees a half-written queue.json.
  rawCheck: (root) => void JSON.parse(readFileSync(path.join(root, '.federation', 'queue.json'), 'utf8')),
  corruptTask: async (root, fed) => {
    // A hand edit of queue.json (the journal folded into it first, so the file is the whole queue).
    const queue = await fed.store.read('queue');
    const dir = path.join(root, '.federation');
    writeFileSync(path.join(dir, 'queue.json'), JSON.stringify({ ...queue, tasks: queue.tasks.map((t, i) => (i === 0 ? { ...t, priority: 'high' } : t)) }, null, 2));
    rmSync(path.join(dir, 'queue.journal'), { force: true });
    return { where: path.join(dir, 'queue.json'), field: 'tasks.0.priority' };
  },
  stored: async (root) => stored(root),
});

describe('the file backend\'s state lock when its holder is killed', function () {
  this.timeout(60_000);
  const tmp = useTempDir('fed-stress-lock-');

  /** A worker process that takes the state lock and holds it until it is killed; resolves once it holds it. */
  async function holder(env: Record<string, string> = {}) {
    const child = spawn(process.execPath, [WORKER, tmp.path, 'w0', '0', 'hold-lock'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('holding') && resolve());
      child.on('exit', (code) => reject(new Error(`holder exited early (${code})`)));
    });
    assert.ok(existsSync(path.join(tmp.path, '.federation', 'state.lock')), 'the holder holds the lock');
    return child;
  }

  it('a holder on this host killed with SIGKILL is taken over at once (under 500 ms), not after the stale window', async () => {
    const fed = await setupFederation(tmp.path, 1);
    const child = await holder();
    const owner = JSON.parse(readFileSync(path.join(tmp.path, '.federation', 'state.lock.owner'), 'utf8')) as { pid: number; host: string };
    assert.equal(owner.pid, child.pid, 'the lock names its holder');
    // While the holder lives, a waiter waits (the takeover is for dead holders only).
    const waiting = fed.addTask({ title: 'waits for the live holder' });
    let settled = false;
    void waiting.finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(settled, false, 'a live holder is never taken over');
    const t0 = Date.now();
    child.kill('SIGKILL');
    await waiting;
    const waited = Date.now() - t0;
    assert.ok(waited < 500, `waited ${waited} ms after the holder died (target < 500 ms; stale window ${LOCK_TIMINGS.staleMs} ms)`);
    assert.equal((await fed.listTasks()).length, 1);
    await fed.close(); // lets go of the lock kept for a next change (stateLock.ts)
    assert.equal(existsSync(path.join(tmp.path, '.federation', 'state.lock.owner')), false, 'the note goes with the lock');
  });

  it('a killed holder on another host still costs the stale window (its process cannot be checked from here)', async () => {
    const fed = await setupFederation(tmp.path, 1);
    const child = await holder({ FED_TEST_LOCK_HOST: 'another-host' });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const t0 = Date.now();
    await fed.addTask({ title: 'after the crash' });
    const waited = Date.now() - t0;
    assert.ok(waited >= LOCK_TIMINGS.staleMs - LOCK_TIMINGS.updateMs - 500, `the lock was really held (waited only ${waited} ms)`);
    assert.ok(waited <= LOCK_TIMINGS.staleMs + 2_000, `waited ${waited} ms for a dead holder's lock (stale window ${LOCK_TIMINGS.staleMs} ms)`);
    assert.equal((await fed.listTasks()).length, 1);
  });
});
