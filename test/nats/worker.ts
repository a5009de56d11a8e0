// A writer in its own process, for the NATS concurrency and failure tests: adds and claims tasks in turn on the
// federation of the workspace ROOT (its config.yaml names the servers). A change that fails because the servers
// are gone is tried again until it goes through; each failure is reported with its reason and outcome.
// argv: ROOT PERSONA COUNT   env: FED_UNAVAILABLE_MS (how long a change waits for the servers)
// stdout: "progress N" lines as it goes, then one JSON line: { added, claimed, errors, unknown, empty }.
// A claim that finds the queue empty is recorded in `empty`, not fatal: a claim whose outcome was unknown may have
// landed and been tried again, taking a task more than its step added (checkOutcome bounds these by the unknowns).
import { isFederationError } from '../../src/core/errors';
import type { DeferredBackend } from '../../src/core/federation/state/deferred';
import { natsFederation } from '../helpers/natsFederation';

async function main(): Promise<void> {
  const [root, persona, countText] = process.argv.slice(2);
  const unavailableMs = Number(process.env['FED_UNAVAILABLE_MS'] ?? 10_000);
  const fed = natsFederation(root!, { nats: { unavailableMs, contentionMs: 120_000, materialize: process.env['FED_MATERIALIZE'] !== '0' } });
  const count = Number(countText);
  const added: string[] = [];
  const claimed: string[] = [];
  const errors: { step: number; reason: string; outcome: unknown; message: string }[] = [];
  // Steps whose change may or may not have landed (sent, but the servers went away before confirming it).
  const unknown: { step: number; op: string }[] = [];
  const empty: number[] = [];
  for (let i = 0; i < count; i++) {
    const op = i % 2 === 0 ? 'add' : 'claim';
    for (;;) {
      try {
        if (op === 'add') added.push((await fed.addTask({ title: `${persona} task ${i}`, priority: 1 + (i % 3), skills: ['stress'], by: persona! })).id);
        else {
          const r = await fed.claimNext(persona!);
          if (r.task) claimed.push(r.task.id);
          else empty.push(i);
        }
        break;
      } catch (e) {
        if (!isFederationError(e, 'backend-unavailable')) throw e;
        errors.push({ step: i, reason: e.reason, outcome: e.details['outcome'], message: e.message });
        if (e.details['outcome'] === 'unknown') unknown.push({ step: i, op });
        process.stdout.write(`error ${e.reason} ${String(e.details["outcome"])} ${e.message.slice(0, 160)}\n`);
      }
    }
    process.stdout.write(`progress ${i + 1}\n`);
  }
  const stats = (fed.store as DeferredBackend).current() as unknown as { stats?: { commits: number; conflicts: number } };
  await fed.close();
  process.stdout.write(JSON.stringify({ added, claimed, errors, unknown, empty, stats: stats.stats }) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
