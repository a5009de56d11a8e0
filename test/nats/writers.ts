// Shared by the NATS concurrency and failure tests: writer processes (worker.ts) on several workspaces of one
// federation, and the checks that nothing was lost, nothing claimed twice, and every task's history is whole.
import * as assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import type { Federation } from '../../src/core/federation';
import type { Task } from '../../src/core/federation/state/schemas';
import { readAll } from '../../src/node/nats/history';
import { federationNames } from '../../src/node/nats/names';
import type { Commit } from '../../src/node/nats/view';

export const WORKER = path.join(__dirname, 'worker.js');

export interface WriterResult {
  persona: string;
  added: string[];
  claimed: string[];
  errors: { step: number; reason: string; outcome: unknown; message: string }[];
  unknown: { step: number; op: string }[];
  /** Claims that found no queued task (possible only after claims whose outcome was unknown). */
  empty?: number[];
  stats?: { commits: number; conflicts: number };
}

/** Tasks of the cluster runs (half of it); the two-workspace run has its own (2,000). `npm run stress:nats` sets 2000. */
export const TASKS = Number(process.env['FEDERATION_NATS_TASKS'] ?? 400);

const running = new Set<ChildProcess>();

/** Kills the writers still running (a test that failed or timed out must not leave them behind). */
export function stopWriters(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** FED_NATS_DEBUG=1: each writer's lines on stderr as they come (to see where a run stalls). */
const DEBUG = process.env['FED_NATS_DEBUG'] === '1';

export function runWriter(root: string, persona: string, steps: number, env: Record<string, string>, onLine: (line: string) => void = () => {}): Promise<WriterResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, root, persona, String(steps)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    running.add(child);
    let out = '';
    let err = '';
    let partial = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      partial += d.toString();
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const l of lines) {
        if (DEBUG) process.stderr.write(`[${persona} ${new Date().toISOString().slice(11, 23)}] ${l}\n`);
        onLine(l);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      running.delete(child);
      if (code !== 0) return reject(new Error(`writer ${persona} exited ${code}: ${err}`));
      resolve({ persona, ...(JSON.parse(out.trim().split('\n').at(-1)!) as Omit<WriterResult, 'persona'>) });
    });
  });
}

/** Every commit of the federation, in order. */
export async function allCommits(servers: string[], federation: string): Promise<{ seq: number; commit: Commit }[]> {
  // Right after a node was killed the stream may still be choosing its new leader: a read then times out (each
  // attempt waits for the server's answer, so this is bounded by attempts, not by sleeping).
  for (let attempt = 1; ; attempt++) {
    const nc = await connect({ servers });
    try {
      const names = federationNames(federation);
      return (await readAll(jetstream(nc), names.stream, names.subjects)).map((m) => ({ seq: m.seq, commit: m.json<Commit>() }));
    } catch (e) {
      if (attempt >= 6 || (e as { name?: string }).name !== 'TimeoutError') throw e;
    } finally {
      await nc.close();
    }
  }
}

/**
 * Nothing lost (every add a writer was told of is in the queue), nothing claimed twice (no task claimed by two,
 * none with two claims), claims where the writers say, and every history whole: each task's versions in the
 * stream, in order, each one's history the previous one's plus what that commit did, the last one the task.
 */
export async function checkOutcome(fed: Federation, results: WriterResult[], commits: { seq: number; commit: Commit }[]): Promise<{ tasks: Task[] }> {
  const tasks = await fed.listTasks();
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const added = results.flatMap((r) => r.added);
  const unknownAdds = results.reduce((n, r) => n + r.unknown.filter((u) => u.op === 'add').length, 0);
  for (const id of added) assert.ok(byId.has(id), `added task ${id} is lost`);
  assert.equal(new Set(added).size, added.length, 'two writers were told of the same new task');
  assert.ok(tasks.length >= added.length && tasks.length <= added.length + unknownAdds, `${tasks.length} tasks for ${added.length} adds (${unknownAdds} unconfirmed)`);
  // Every writer adds before it claims, so only a claim that landed unconfirmed and was tried again can leave a
  // later claim with nothing to take.
  const unknownClaims = results.reduce((n, r) => n + r.unknown.filter((u) => u.op === 'claim').length, 0);
  const empty = results.reduce((n, r) => n + (r.empty?.length ?? 0), 0);
  assert.ok(empty <= unknownClaims, `${empty} claims found nothing, with only ${unknownClaims} claims unconfirmed`);
  const claimedBy = new Map<string, string>();
  for (const r of results) {
    for (const id of r.claimed) {
      assert.ok(!claimedBy.has(id), `${id} claimed by ${claimedBy.get(id)} and ${r.persona}`);
      claimedBy.set(id, r.persona);
      const t = byId.get(id)!;
      assert.equal(t.assignee, r.persona, `${id} is ${t.assignee}'s, ${r.persona} was told it claimed it`);
      assert.equal(t.status, 'claimed');
    }
  }
  for (const t of tasks) {
    const claims = t.history.filter((e) => e.action === 'claimed');
    assert.ok(claims.length <= 1, `${t.id} claimed ${claims.length} times`);
    assert.equal(t.history.filter((e) => e.action === 'created').length, 1, `${t.id}'s creation`);
  }
  const versions = new Map<string, Task[]>();
  for (const { commit } of commits) {
    for (const [bucket, key, value] of commit.w) if (bucket === 'tasks') (versions.get(key) ?? versions.set(key, []).get(key)!).push(value as Task);
  }
  for (const t of tasks) {
    const v = versions.get(t.id) ?? [];
    assert.ok(v.length >= 1, `${t.id} has no commit`);
    for (let i = 1; i < v.length; i++) {
      assert.deepEqual(v[i]!.history.slice(0, v[i - 1]!.history.length), v[i - 1]!.history, `${t.id}'s history lost an event at commit ${i}`);
    }
    assert.deepEqual(v.at(-1), t, `${t.id} in the queue is its last commit`);
    assert.equal(v.length, t.history.length, `${t.id}: one commit per event`);
  }
  return { tasks };
}
