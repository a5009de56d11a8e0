// Shared by the stress tests and the benchmarks: spawn N worker processes against one federation, on the file
// backend (the workspace's .federation/ files) or on NATS (config.yaml names the servers and the federation).
import { spawn } from 'node:child_process';
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

export function runWorker(root: string, persona: string, count: number, mode: 'mixed' | 'add' | 'naive', backend: StressBackend = 'file'): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, workerArgv(root, persona, count, mode, backend), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as WorkerResult);
      else reject(new Error(`worker ${persona} exited ${code}: ${err}`));
    });
  });
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
