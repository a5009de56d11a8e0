// Shared by the stress test and the benchmarks: spawn N worker processes against one federation.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { Federation } from '../../src/core/federation';
import { newFederation } from '../helpers/federation';

export const WORKER = path.join(__dirname, 'worker.js');
/** The benchmark's anchor: the same workload through a naive proper-lockfile loop (naiveWorker.ts). */
export const NAIVE_WORKER = path.join(__dirname, 'naiveWorker.js');

export interface WorkerResult {
  claimed: string[];
  added: number;
  latenciesMs: { add: number[]; claim: number[] };
}

export async function setupFederation(root: string, personas: number): Promise<Federation> {
  const fed = newFederation(root);
  await fed.init();
  for (let i = 0; i < personas; i++) await fed.registerPersona({ id: `w${i}`, skills: ['stress'] });
  return fed;
}

export function runWorker(root: string, persona: string, count: number, mode: 'mixed' | 'add' | 'naive'): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const argv = mode === 'naive' ? [NAIVE_WORKER, root, persona, String(count)] : [WORKER, root, persona, String(count), mode];
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
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
