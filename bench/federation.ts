// Shared-state benchmarks: throughput with 1 and 8 writer processes, claim latency under contention (file
// backend, NATS backend on a one-node nats-server, and the naive lockfile loop, in the same run), and the time to
// build the Task Queue tree model for 10,000 tasks. The federations live under .tmp/ (scratch.ts).
import { FederationSnapshot } from '../src/core/federation/snapshot';
import { Task } from '../src/core/federation/state/schemas';
import { buildTaskTree } from '../src/extension/models/taskQueueModel';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { natsServerAvailable, startNats } from '../test/helpers/natsServer';
import { WORKER, percentile, runWorkersTogether, setupFederation } from '../test/stress/run';
import { fileCreateUs, scratchDir, settle } from './scratch';

/** Claims of each worker left out of the latency percentiles (see writers). */
const WARM_UP_CLAIMS = 5;

interface Writers {
  perSecond: number;
  claimMs: number[];
  firstClaimMs: number;
  /** NATS: races lost (a change decided again) per commit. */
  conflictsPerCommit?: number;
}

async function writers(n: number, perWriter: number, mode: 'mixed' | 'naive' = 'mixed', nats?: { servers: string[] }): Promise<Writers> {
  const root = scratchDir(mode === 'naive' ? 'bench-naive-' : nats ? 'bench-nats-' : 'bench-federation-');
  if (mode === 'naive') writeFileSync(path.join(root, 'naive-queue.json'), JSON.stringify({ nextId: 1, tasks: [] }));
  else await (await setupFederation(root, n, nats ? { servers: nats.servers, federation: 'bench' } : undefined)).close();
  const { results, seconds } = await runWorkersTogether(root, n, perWriter, mode, nats ? 'nats' : 'file');
  const commits = results.reduce((s, r) => s + (r.stats?.commits ?? 0), 0);
  const conflicts = results.reduce((s, r) => s + (r.stats?.conflicts ?? 0), 0);
  // Each worker's first claims are its warm-up (Node compiles the code as it first runs it, and all eight start at
  // once): left out of the percentiles for every loop alike, and reported apart as the slowest first claim.
  return {
    perSecond: (n * perWriter) / seconds,
    claimMs: results.flatMap((r) => r.latenciesMs.claim.slice(WARM_UP_CLAIMS)),
    firstClaimMs: Math.max(...results.map((r) => r.latenciesMs.claim[0] ?? 0)),
    ...(nats ? { conflictsPerCommit: conflicts / Math.max(1, commits) } : {}),
  };
}

/** The same 8-writer workload on the NATS backend, on a one-node nats-server started for it (its store in .tmp/). */
async function natsWriters(n: number, perWriter: number): Promise<Record<string, number>> {
  if (!natsServerAvailable()) {
    console.log('bench: federation on NATS skipped: no nats-server on PATH');
    return {};
  }
  const server = await startNats([], scratchDir('bench-nats-server-'));
  try {
    const r = await writers(n, perWriter, 'mixed', { servers: server.servers });
    return {
      nats_mutationsPerSecond_8writers: round(r.perSecond),
      nats_claimLatencyMs_p50_8writers: round(percentile(r.claimMs, 50)),
      nats_claimLatencyMs_p99_8writers: round(percentile(r.claimMs, 99)),
      nats_conflictsPerCommit_8writers: round(r.conflictsPerCommit ?? 0),
    };
  } finally {
    await server.dispose();
  }
}

function syntheticSnapshot(count: number): FederationSnapshot {
  const statuses: Task['status'][] = ['queued', 'queued', 'queued', 'claimed', 'in_progress', 'done', 'done', 'failed', 'handed_off', 'cancelled'];
  const at = '2026-11-21T10:00:00.000Z';
  const tasks: Task[] = Array.from({ length: count }, (_, i) => ({
    id: `T${i + 1}`,
    title: `Task number ${i + 1} with a realistic title`,
    description: i % 5 === 0 ? 'Some description text for the tooltip.' : '',
    priority: 1 + (i % 5),
    skills: i % 3 === 0 ? ['research'] : ['ci', 'docker'],
    status: statuses[i % statuses.length]!,
    assignee: i % 10 >= 3 ? `p${i % 7}` : null,
    createdAt: at,
    updatedAt: at,
    createdBy: 'bench',
    history: [{ at, by: 'bench', action: 'created', from: null, to: 'queued' }],
    // Every fourth task waits for the two before it, so the tree build pays for its blocked-by lookups.
    ...(i % 4 === 0 && i >= 2 ? { dependsOn: [`T${i - 1}`, `T${i}`] } : {}),
  }));
  return {
    root: '/bench', initialized: true, loadedAt: new Date(),
    personas: { ok: true, value: { version: 1, revision: 1, personas: [] } },
    queue: { ok: true, value: { version: 1, revision: 1, nextId: count + 1, tasks } },
    calendar: { ok: true, value: { version: 1, revision: 1, calendars: {} } },
    locks: { ok: true, value: [] },
    config: { ok: true, value: { version: 1, heartbeat: { offlineAfterSeconds: 120 }, locks: { resourceTtlMinutes: 30 }, artifacts: { rules: [] }, worktrees: { enabled: false, copy: [] }, backend: { kind: 'file', replicas: 1 } } },
  };
}

export async function benchFederation(): Promise<Record<string, number>> {
  const createUs = fileCreateUs(scratchDir('bench-probe-'));
  const one = await writers(1, 500);
  settle();
  const eight = await writers(8, 250);
  settle();
  const naive = await writers(8, 250, 'naive');
  settle();
  const nats = await natsWriters(8, 250);
  settle();
  const takeover = await killedHolderTakeoverMs();
  const snap = syntheticSnapshot(10_000);
  for (let i = 0; i < 5; i++) buildTaskTree(snap); // warm up the JIT as a long-running extension host would be
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    buildTaskTree(snap);
    times.push(performance.now() - t0);
  }
  return {
    mutationsPerSecond_1writer: round(one.perSecond),
    mutationsPerSecond_8writers: round(eight.perSecond),
    claimLatencyMs_p50_8writers: round(percentile(eight.claimMs, 50)),
    claimLatencyMs_p99_8writers: round(percentile(eight.claimMs, 99)),
    claimLatencyMs_firstClaimMax_8writers: round(eight.firstClaimMs),
    // The anchor, in the same run: a naive proper-lockfile loop (lock, read, modify, temp + fsync + rename, unlock).
    naiveMutationsPerSecond_8writers: round(naive.perSecond),
    naiveClaimLatencyMs_p50_8writers: round(percentile(naive.claimMs, 50)),
    naiveClaimLatencyMs_p99_8writers: round(percentile(naive.claimMs, 99)),
    naiveClaimLatencyMs_firstClaimMax_8writers: round(naive.firstClaimMs),
    opsOverNaive_8writers_ratio: round(eight.perSecond / naive.perSecond),
    ...nats,
    killedHolderTakeoverMs: round(takeover),
    taskTreeBuildMs_10000tasks_median: round(percentile(times, 50)),
    taskTreeBuildMs_10000tasks_cold: round(coldTreeBuild()),
    fileCreateUs: round(createUs),
  };
}

/** How long a change waits once the process holding the state lock on this host is killed (SIGKILL). */
async function killedHolderTakeoverMs(): Promise<number> {
  const root = scratchDir('bench-takeover-');
  const fed = await setupFederation(root, 1);
  const child = spawn(process.execPath, [WORKER, root, 'w0', '0', 'hold-lock'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('holding') && resolve());
    child.on('exit', (code) => reject(new Error(`holder exited early (${code})`)));
  });
  child.removeAllListeners('exit');
  const change = fed.addTask({ title: 'after the holder died' });
  const t0 = performance.now();
  child.kill('SIGKILL');
  await change;
  return performance.now() - t0;
}

/** The first build in a fresh process (no JIT warm-up), for the worst case a user sees. */
function coldTreeBuild(): number {
  const snap = syntheticSnapshot(10_000);
  const t0 = performance.now();
  buildTaskTree(snap);
  return performance.now() - t0;
}

export function round(n: number): number {
  return Math.round(n * 100) / 100;
}
