// The shared stress and corruption suite (test/stress/suite.ts) on the NATS backend, one nats-server for it.
// A bad item comes as a foreign writer would send it: a commit published straight to the federation's stream.
import { randomUUID } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { federationNames } from '../../src/node/nats/names';
import type { Commit } from '../../src/node/nats/view';
import { NatsCluster, startNats } from '../helpers/natsServer';
import { natsFederation, uniqueFederation } from '../helpers/natsFederation';
import { setupFederation } from '../stress/run';
import { defineStressSuite } from '../stress/suite';

let nats: NatsCluster | undefined;
const federations = new Map<string, string>();

async function withStream<T>(federation: string, f: (js: ReturnType<typeof jetstream>, names: ReturnType<typeof federationNames>, nc: Awaited<ReturnType<typeof connect>>) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: nats!.servers });
  try {
    return await f(jetstream(nc), federationNames(federation), nc);
  } finally {
    await nc.close();
  }
}

defineStressSuite(
  {
    name: 'nats',
    before: async () => {
      nats = await startNats();
    },
    after: async () => {
      await nats?.dispose();
    },
    setup: (root, n) => {
      const federation = uniqueFederation('stress');
      federations.set(root, federation);
      return setupFederation(root, n, { servers: nats!.servers, federation });
    },
    open: (root) => natsFederation(root),
    corruptTask: async (root, fed) => {
      const federation = federations.get(root)!;
      const [task] = await fed.listTasks();
      const commit: Commit = { v: 1, tx: randomUUID(), at: new Date().toISOString(), w: [['tasks', task!.id, { ...task, priority: 'high' }]] };
      await withStream(federation, (js, names) => js.publish(names.subject({ bucket: 'tasks', key: task!.id }), JSON.stringify(commit)));
      return { where: `nats://${federation}/tasks/${task!.id}`, field: 'priority' };
    },
    stored: (root) => withStream(federations.get(root)!, async (_js, names, nc) => String((await (await jetstreamManager(nc)).streams.info(names.stream)).state.last_seq)),
    revisionBefore: (root) => withStream(federations.get(root)!, async (_js, names, nc) => (await (await jetstreamManager(nc)).streams.info(names.stream)).state.last_seq),
  },
  // Each change is a round trip to the server and 8 writers race for every commit: slower than files here.
  600_000,
);
