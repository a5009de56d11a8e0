// Shared by the stress tests and the benchmarks: spawn N worker processes against one federation, on the file
// backend (the workspace's .federation/ files) or on NATS (config.yaml names the servers and the federation).
import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { Federation } from '../../src/core/federation';
import { newFederation } from '../helpers/federation';
import { natsFederation, writeNatsConfig } from '../helpers/natsFederation';

export const WORKER = path.join(__dirname, 'worker.js');
/** The benchmark's anchor: the same workload through a naive proper-lockfile loop (naiveWorker.ts). */
export const NAIVE_WORKER = path.join(__dirname, 'naiveWorker.js');

export type StressBackend = 'file' | 'nats';

export interface WorkerResult {
  claimed: string[];
  added: number;
  latenciesMs: { add: number[]; claim: number[] };
  /** NATS only: commits made and races lost (decided again). */
  stats?: { commits: number; conflicts: number };
}

/**
 * A new federation at `root` with personas w0…w{n-1}; on NATS (`nats` given) the workspace's config.yaml names
 * the servers and the federation first. The caller closes what it gets (a NATS one holds a connection).
 */
export async function setupFederation(root: string, personas: number, nats?: { servers: string[]; federation: string }): Promise<Federation> {
  if (nats) writeNatsConfig(root, nats.servers, nats.federation);
  const fed = nats ? natsFederation(root) : newFederation(root);
  await fed.init();
  for (let i = 0; i < personas; i++) await fed.registerPersona({ id: `w${i}`, skills: ['stress'] });
  return fed;
}

export function workerArgv(root: string, persona: string, count: number, mode: 'mixed' | 'add' | 'naive' | 'hold-lock', backend: StressBackend = 'file'): string[] {
  return mode === 'naive' ? [NAIVE_WORKER, root, persona, String(count)] : [WORKER, root, persona, String(count), mode, backend];
}

export interface RunningWorker {
  child: ChildProcess;
  /** Its result once it exits 0; rejects when it fails or is killed. */
  done: Promise<WorkerResult>;
  /** Resolves once it has made `n` changes (it reports each when started with `progress`). */
  progressed(n: number): Promise<void>;
}

export function startWorker(root: string, persona: string, count: number, mode: 'mixed' | 'add' | 'naive', backend: StressBackend = 'file', progress = false): RunningWorker {
  const child = spawn(process.execPath, workerArgv(root, persona, count, mode, backend), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(progress ? { FED_STRESS_PROGRESS: '1' } : {}) } });
  let out = '';
  let err = '';
  let made = 0;
  let waiters: { n: number; resolve: () => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    const text = d.toString();
    out += text;
    if (!progress) return;
    made += text.split('\n').length - 1; // one line per change (a chunk may end mid-line, never mid-newline)
    waiters = waiters.filter((w) => (made >= w.n ? (w.resolve(), false) : true));
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<WorkerResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      for (const w of waiters) w.resolve();
      if (code === 0) resolve(JSON.parse(out.trim().split('\n').at(-1)!) as WorkerResult);
      else reject(new Error(`worker ${persona} exited ${signal ?? code}: ${err}`));
    });
  });
  const progressed = (n: number) => (made >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })));
  return { child, done, progressed };
}

export function runWorker(root: string, persona: string, count: number, mode: 'mixed' | 'add' | 'naive', backend: StressBackend = 'file'): Promise<WorkerResult> {
  return startWorker(root, persona, count, mode, backend).done;
}

/**
 * Runs `n` workers from one start: each is spawned and loads its code, says it is ready, and waits; once all are,
 * they are told to go, and `seconds` counts from then. So a benchmark measures the changes, not how long Node
 * takes to load each worker's modules (ours load the whole federation, about twice the naive loop's, and eight
 * loading at once on two cores took a tenth of the run).
 */
export async function runWorkersTogether(root: string, n: number, count: number, mode: 'mixed' | 'add' | 'naive', backend: StressBackend = 'file'): Promise<{ results: WorkerResult[]; seconds: number }> {
  const children = Array.from({ length: n }, (_, i) => {
    const child = spawn(process.execPath, workerArgv(root, `w${i}`, count, mode, backend), { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, FED_STRESS_GO: '1' } });
    let out = '';
    let err = '';
    let onReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (onReady = resolve));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.startsWith('ready\n')) onReady();
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const done = new Promise<WorkerResult>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        onReady();
        if (code === 0) resolve(JSON.parse(out.trim().split('\n').at(-1)!) as WorkerResult);
        else reject(new Error(`worker w${i} exited ${signal ?? code}: ${err}`));
      });
    });
    return { child, ready, done };
  });
  await Promise.all(children.map((c) => c.ready));
  const t0 = performance.now();
  for (const c of children) c.child.stdin!.end('go\n');
  const results = await Promise.all(children.map((c) => c.done));
  return { results, seconds: (performance.now() - t0) / 1000 };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
