// The NATS backend on a three-node JetStream cluster (replicas 3) while it fails: one node killed with SIGKILL
// in the middle of a run, then the whole cluster stopped and started again. Eight writers in two workspaces go on
// adding and claiming throughout; afterwards nothing is lost, nothing claimed twice, every history whole.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Federation } from '../../src/core/federation';
import { federationNames } from '../../src/node/nats/names';
import { NatsCluster, startCluster } from '../helpers/natsServer';
import { natsFederation, uniqueFederation, writeNatsConfig } from '../helpers/natsFederation';
import { TASKS, WriterResult, allCommits, checkOutcome, runWriter, stopWriters } from './writers';

const CLUSTER_TASKS = Math.max(80, Math.round(TASKS / 2));

describe('NATS backend on a three-node cluster that fails', function () {
  this.timeout(Math.max(240_000, CLUSTER_TASKS * 1500));
  let cluster: NatsCluster;
  const dirs: string[] = [];
  const feds: Federation[] = [];

  beforeEach(async () => {
    cluster = await startCluster(3);
  });
  afterEach(async () => {
    stopWriters();
    await Promise.all(feds.splice(0).map((f) => f.close()));
    await cluster?.dispose();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** Two workspaces of a new federation with eight personas; `during` runs when the writers are a third done. */
  async function run(during: (name: string, progress: { count: number; errors: number; onError: (n: number) => Promise<void> }) => Promise<void>, env: Record<string, string>): Promise<{ fed: Federation; results: WriterResult[]; name: string; after: number }> {
    const name = uniqueFederation('clu');
    const roots = [0, 1].map(() => {
      const root = mkdtempSync(path.join(os.tmpdir(), 'fed-nats-ws-'));
      dirs.push(root);
      writeNatsConfig(root, cluster.servers, name, { replicas: 3 });
      return root;
    });
    const fed = natsFederation(roots[0]!, { nats: { unavailableMs: 30_000 } });
    feds.push(fed);
    await fed.init();
    for (let i = 0; i < 8; i++) await fed.registerPersona({ id: `w${i}`, skills: ['stress'] });
    const steps = (CLUSTER_TASKS / 8) * 2;
    let triggered: Promise<void> | undefined;
    let afterTrigger = 0;
    const errorWaiters: { n: number; resolve: () => void }[] = [];
    const progress = {
      count: 0,
      errors: 0,
      onError: (n: number) => (progress.errors >= n ? Promise.resolve() : new Promise<void>((resolve) => errorWaiters.push({ n, resolve }))),
    };
    const onLine = (line: string) => {
      if (line.startsWith('error ')) {
        progress.errors++;
        for (const w of errorWaiters.filter((x) => progress.errors >= x.n)) w.resolve();
      }
      if (!line.startsWith('progress ')) return;
      progress.count++;
      if (triggered) afterTrigger++;
      if (!triggered && progress.count >= (steps * 8) / 3) triggered = during(name, progress);
    };
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => runWriter(roots[i % 2]!, `w${i}`, steps, env, onLine)));
    await triggered;
    return { fed, results, name, after: afterTrigger };
  }

  async function streamLeader(name: string): Promise<string> {
    const nc = await connect({ servers: cluster.servers });
    try {
      const info = await (await jetstreamManager(nc)).streams.info(federationNames(name).stream);
      return info.cluster!.leader!;
    } finally {
      await nc.close();
    }
  }

  it('SIGKILL of the stream\'s leader mid-run: nothing lost, claims go on on the other two', async () => {
    let killed = '';
    const { fed, results, name, after } = await run(async (federation) => {
      killed = await streamLeader(federation);
      await cluster.nodes.find((n) => n.name === killed)!.stop('SIGKILL');
    }, {});
    assert.ok(killed, 'a leader was killed');
    assert.ok(after > 0, 'steps went on after the kill');
    const { tasks } = await checkOutcome(fed, results, await allCommits(cluster.servers, name));
    assert.ok(tasks.length >= CLUSTER_TASKS);
    assert.ok((await streamLeader(name)) !== killed, 'another node leads the stream');
  });

  it('the whole cluster stopped: writers get backend-unavailable naming the servers, nothing half-written, and they go on when it is back', async () => {
    const { fed, results, name } = await run(async (_federation, progress) => {
      await cluster.stopAll('SIGTERM');
      // Each writer waits 2 s for the servers, then says so; once several have, the cluster comes back.
      await progress.onError(4);
      await cluster.startAll();
    }, { FED_UNAVAILABLE_MS: '2000' });
    const errors = results.flatMap((r) => r.errors);
    assert.ok(errors.length >= 4, `${errors.length} errors`);
    for (const e of errors) {
      assert.equal(e.reason, 'backend-unavailable');
      for (const s of cluster.servers) assert.ok(e.message.includes(s), e.message);
      assert.ok(e.outcome === 'not-written' || e.outcome === 'unknown');
    }
    await checkOutcome(fed, results, await allCommits(cluster.servers, name));
    for (const t of await fed.listTasks()) if (t.status === 'claimed') assert.ok(t.assignee && t.history.at(-1)?.by === t.assignee, `${t.id} claimed whole`);
  });
});
