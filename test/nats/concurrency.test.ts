// Eight writers in two workspaces that share no file, one federation in NATS: all adding and claiming at once.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as assert from 'node:assert/strict';
import { Federation } from '../../src/core/federation';
import { NatsCluster, startNats } from '../helpers/natsServer';
import { natsFederation, uniqueFederation, writeNatsConfig } from '../helpers/natsFederation';
import { allCommits, checkOutcome, runWriter, stopWriters } from './writers';

/** The figure: 2,000 tasks added and claimed (FEDERATION_NATS_TASKS to change it). */
const TASKS = Number(process.env['FEDERATION_NATS_TASKS'] ?? 2000);

describe('NATS backend under concurrent writers', function () {
  this.timeout(Math.max(120_000, TASKS * 300));
  let nats: NatsCluster;
  const dirs: string[] = [];
  let fed: Federation | undefined;
  before(async () => {
    nats = await startNats();
  });
  after(async () => {
    stopWriters();
    await fed?.close();
    await nats?.dispose();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it(`4 writers in each of two workspaces add and claim ${TASKS} tasks: none lost, none claimed twice, every history whole`, async () => {
    const name = uniqueFederation('conc');
    const roots = [0, 1].map(() => {
      const root = mkdtempSync(path.join(os.tmpdir(), 'fed-nats-ws-'));
      dirs.push(root);
      writeNatsConfig(root, nats.servers, name);
      return root;
    });
    fed = natsFederation(roots[0]!);
    await fed.init();
    for (let i = 0; i < 8; i++) await fed.registerPersona({ id: `w${i}`, skills: ['stress'] });
    const steps = (TASKS / 8) * 2;
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => runWriter(roots[i % 2]!, `w${i}`, steps, {})));
    const seconds = (Date.now() - started) / 1000;
    const { tasks } = await checkOutcome(fed, results, await allCommits(nats.servers, name));
    assert.equal(tasks.length, TASKS);
    assert.equal(tasks.filter((t) => t.status === 'claimed').length, TASKS);
    assert.deepEqual(results.flatMap((r) => r.errors), []);
    const conflicts = results.reduce((n, r) => n + (r.stats?.conflicts ?? 0), 0);
    console.log(`      ${TASKS} adds and ${TASKS} claims by 8 writers in ${seconds.toFixed(1)} s (${((TASKS * 2) / seconds).toFixed(0)} changes/s, ${conflicts} races lost and decided again)`);
  });
});
