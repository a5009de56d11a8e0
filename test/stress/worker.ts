// A separate OS process hammering the shared state, for the stress tests and the benchmarks.
// argv: ROOT PERSONA COUNT MODE [BACKEND]   (MODE: mixed = add,claim,add,claim… | add | hold-lock;
// BACKEND: file (default) | nats, the federation config.yaml names: see run.ts)
// Prints one JSON line: { claimed: string[], added: number, latenciesMs: { add: number[], claim: number[] }, stats? }
// (after a "progress N" line per change when FED_STRESS_PROGRESS=1, for a test that kills it mid-run).
import type { DeferredBackend } from '../../src/core/federation/state/deferred';
import { nodeHostProcesses } from '../../src/node/processes';
import { newFederation } from '../helpers/federation';
import { natsFederation } from '../helpers/natsFederation';
import { waitForGo } from './go';

async function main(): Promise<void> {
  const [root, persona, countText, mode, backend] = process.argv.slice(2);
  // FED_TEST_LOCK_HOST: the lock holder says it runs on another host (whose processes a waiter cannot check).
  const host = process.env['FED_TEST_LOCK_HOST'];
  // A change on NATS keeps deciding again while others land first: long enough for a slow shared machine.
  const fed =
    backend === 'nats'
      ? natsFederation(root!, { nats: { contentionMs: 120_000 } })
      : newFederation(root!, host ? { processes: { ...nodeHostProcesses, self: { ...nodeHostProcesses.self, host } } } : {});
  const count = Number(countText);
  if (mode === 'hold-lock') {
    // Takes the state lock and never lets go: the parent SIGKILLs this process while it holds it.
    await fed.store.transaction(async () => {
      process.stdout.write('holding\n');
      // A live handle: proper-lockfile unrefs its refresh timer, so without one Node would exit and release.
      await new Promise(() => setInterval(() => undefined, 60_000));
    });
    return;
  }
  await waitForGo();
  const progress = process.env['FED_STRESS_PROGRESS'] === '1';
  const claimed: string[] = [];
  const lat = { add: [] as number[], claim: [] as number[] };
  let added = 0;
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    if (mode === 'add' || i % 2 === 0) {
      await fed.addTask({ title: `${persona} task ${i}`, priority: 1 + (i % 3), skills: ['stress'], by: persona! });
      added++;
      lat.add.push(performance.now() - t0);
    } else {
      const r = await fed.claimNext(persona!);
      if (!r.task) throw new Error(`nothing to claim at step ${i}: ${r.explanation}`);
      claimed.push(r.task.id);
      lat.claim.push(performance.now() - t0);
    }
    if (progress) process.stdout.write(`progress ${i + 1}\n`);
  }
  // The NATS backend counts its commits and the races it lost (decided again): the benchmark reports them.
  const stats = backend === 'nats' ? ((fed.store as DeferredBackend).current() as unknown as { stats?: { commits: number; conflicts: number } }).stats : undefined;
  await fed.close();
  process.stdout.write(JSON.stringify({ claimed, added, latenciesMs: lat, ...(stats ? { stats } : {}) }) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
