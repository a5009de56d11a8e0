// The anchor of the shared-state benchmark: what a careful hand-written store does without our work on it. Each
// change takes one proper-lockfile lock (its own retry with back-off), reads the whole queue, changes it, writes
// a temp file, fsyncs and renames it into place, and unlocks. Same workload and output as worker.ts (mixed:
// add, claim, add, claim…), so the two run side by side in one `npm run bench`.
// argv: ROOT PERSONA COUNT
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import * as lockfile from 'proper-lockfile';
import { waitForGo } from './go';

interface NaiveTask {
  id: string;
  title: string;
  priority: number;
  status: string;
  assignee: string | null;
  createdAt: string;
}

function write(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  writeSync(fd, text);
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, file);
}

async function change(root: string, fn: (q: { nextId: number; tasks: NaiveTask[] }) => string | undefined): Promise<string | undefined> {
  const file = path.join(root, 'naive-queue.json');
  const release = await lockfile.lock(root, { lockfilePath: path.join(root, 'naive.lock'), stale: 5_000, update: 1_000, retries: { retries: 1000, minTimeout: 1, maxTimeout: 50, factor: 1.5 }, realpath: false });
  try {
    const q = JSON.parse(readFileSync(file, 'utf8')) as { nextId: number; tasks: NaiveTask[] };
    const out = fn(q);
    write(file, JSON.stringify(q));
    return out;
  } finally {
    await release();
  }
}

async function main(): Promise<void> {
  const [root, persona, countText] = process.argv.slice(2);
  const count = Number(countText);
  await waitForGo();
  const claimed: string[] = [];
  const lat = { add: [] as number[], claim: [] as number[] };
  let added = 0;
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    if (i % 2 === 0) {
      await change(root!, (q) => {
        q.tasks.push({ id: `T${q.nextId++}`, title: `${persona} task ${i}`, priority: 1 + (i % 3), status: 'queued', assignee: null, createdAt: new Date().toISOString() });
        return undefined;
      });
      added++;
      lat.add.push(performance.now() - t0);
    } else {
      const id = await change(root!, (q) => {
        let best: NaiveTask | undefined;
        for (const t of q.tasks) if (t.status === 'queued' && (!best || t.priority < best.priority || (t.priority === best.priority && t.createdAt < best.createdAt))) best = t;
        if (!best) return undefined;
        best.status = 'claimed';
        best.assignee = persona!;
        return best.id;
      });
      if (!id) throw new Error(`nothing to claim at step ${i}`);
      claimed.push(id);
      lat.claim.push(performance.now() - t0);
    }
  }
  process.stdout.write(JSON.stringify({ claimed, added, latenciesMs: lat }) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
