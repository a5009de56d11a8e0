// Real nats-server processes for the NATS backend's tests: one node, or a three-node JetStream cluster, on free
// loopback ports with their stores in a temp folder, killed and removed afterwards. Readiness is what the servers
// say: "Server is ready" and a JetStream metadata leader in their logs, then (a cluster) the leader's monitoring
// endpoint reporting every running peer current, asked until it does (a leader is elected before its peers have
// caught up, and a stream with replicas 3 cannot be placed until they have). Never a sleep.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export function natsServerAvailable(): boolean {
  return spawnSync('nats-server', ['--version'], { encoding: 'utf8' }).status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export class NatsNode {
  private proc: ChildProcess | undefined;
  private log = '';
  private watchers: { re: RegExp; from: number; resolve: () => void }[] = [];

  constructor(
    readonly name: string,
    readonly port: number,
    readonly storeDir: string,
    private readonly extraArgs: string[],
    /** The HTTP monitoring port (-m), for a cluster's readiness. */
    readonly monitorPort?: number,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** The server's process id while it runs. */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Starts the server and resolves once it says it is ready. */
  async start(): Promise<void> {
    const from = this.log.length;
    const monitor = this.monitorPort ? ['-m', String(this.monitorPort)] : [];
    const proc = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(this.port), ...monitor, '-js', '-sd', this.storeDir, '--server_name', this.name, ...this.extraArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    proc.stderr!.on('data', (d: Buffer) => {
      this.log += d.toString();
      this.watchers = this.watchers.filter((w) => {
        if (!w.re.test(this.log.slice(w.from))) return true;
        w.resolve();
        return false;
      });
    });
    const exited = new Promise<never>((_, reject) => proc.once('exit', (code, signal) => reject(new Error(`nats-server ${this.name} exited (${signal ?? code}) before it was ready:\n${this.log.slice(from)}`))));
    await Promise.race([this.waitForLog(/Server is ready/, from), exited]);
    proc.removeAllListeners('exit');
  }

  /** Resolves when the log (from offset `from`, default: from now on) matches `re`. */
  waitForLog(re: RegExp, from = this.log.length): Promise<void> {
    if (re.test(this.log.slice(from))) return Promise.resolve();
    return new Promise((resolve) => this.watchers.push({ re, from, resolve }));
  }

  logLength(): number {
    return this.log.length;
  }

  /** Sends `signal` and waits for the process to end. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const proc = this.proc;
    if (!proc || !this.running) return;
    const done = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    await done;
  }
}

export interface NatsCluster {
  nodes: NatsNode[];
  servers: string[];
  /** Waits until the cluster has a JetStream metadata leader (after a start or a restart). */
  settled(): Promise<void>;
  stopAll(signal?: NodeJS.Signals): Promise<void>;
  startAll(): Promise<void>;
  dispose(): Promise<void>;
}

/** One node with JetStream, its store in a new folder under `parent` (the benchmark keeps its files in .tmp/). */
export async function startNats(extraArgs: string[] = [], parent = os.tmpdir()): Promise<NatsCluster> {
  const dir = mkdtempSync(path.join(parent, 'fed-nats-'));
  const node = new NatsNode('n1', await freePort(), path.join(dir, 'n1'), extraArgs);
  await node.start();
  return {
    nodes: [node],
    servers: [node.url],
    settled: async () => undefined,
    stopAll: (signal) => node.stop(signal),
    startAll: () => node.start(),
    dispose: async () => {
      await node.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Three nodes in one JetStream cluster on loopback. */
export async function startCluster(size = 3): Promise<NatsCluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fed-nats-cluster-'));
  const ports = await Promise.all(Array.from({ length: size }, () => freePort()));
  const routePorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const monitorPorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const routes = routePorts.map((p) => `nats://127.0.0.1:${p}`).join(',');
  const nodes = ports.map((port, i) => new NatsNode(`n${i + 1}`, port, path.join(dir, `n${i + 1}`), ['--cluster_name', 'C', '--cluster', `nats://127.0.0.1:${routePorts[i]}`, '--routes', routes], monitorPorts[i]));
  let marks = nodes.map((n) => n.logLength());
  const settled = async () => {
    await Promise.race(nodes.map((n, i) => n.waitForLog(/JetStream cluster new metadata leader|Self is new JetStream cluster metadata leader/, marks[i])));
    await metaCurrent(nodes.filter((n) => n.running));
  };
  const startAll = async () => {
    marks = nodes.map((n) => n.logLength());
    await Promise.all(nodes.filter((n) => !n.running).map((n) => n.start()));
    await settled();
  };
  await startAll();
  return {
    nodes,
    servers: nodes.map((n) => n.url),
    settled,
    stopAll: async (signal) => {
      await Promise.all(nodes.map((n) => n.stop(signal)));
    },
    startAll,
    dispose: async () => {
      await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Resolves once a running node leads the JetStream metadata group with every other running node a current
 * replica (its /jsz monitoring answer), asked again every 50 ms for at most 30 s.
 */
async function metaCurrent(running: NatsNode[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = '';
  for (;;) {
    for (const n of running) {
      try {
        const res = await fetch(`http://127.0.0.1:${n.monitorPort}/jsz`);
        const jsz = (await res.json()) as { meta_cluster?: { leader?: string; replicas?: { name: string; current: boolean }[] } };
        const meta = jsz.meta_cluster;
        last = JSON.stringify(meta);
        if (meta?.leader !== n.name) continue;
        const current = new Set((meta.replicas ?? []).filter((r) => r.current).map((r) => r.name));
        if (running.every((o) => o === n || current.has(o.name))) return;
      } catch (e) {
        last = String(e);
      }
    }
    if (Date.now() > deadline) throw new Error(`the NATS cluster did not settle within 30 s: ${last}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
