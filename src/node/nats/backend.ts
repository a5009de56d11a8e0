// The NATS backend: a federation's state in JetStream, shared by every workspace that names the same servers and
// federation. The event stream is the truth: each change is one commit message, published on the condition that
// the stream's last commit is the one the change was decided on (Nats-Expected-Last-Sequence), so commits are
// serialised by the stream itself, each lands whole or not at all, and a change that lost the race is decided
// again on the new values. Every process applies the stream in order to its view (view.ts); the KV buckets are
// materialised from it (materialize.ts). docs/nats.md has the design and why.
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { DeliverPolicy, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { FederationError } from '../../core/errors';
import type { BackendStatus, StateBackend, Subscription, Transaction } from '../../core/federation/state/backend';
import { emptyState, type StateFileName, type StateOf, type Task } from '../../core/federation/state/schemas';
import type { FederationStore } from '../../core/federation/state/store';
import type { Logger } from '../../core/ports';
import { type NatsConnection, type NatsCredentials, followStatus, isNoAnswer, isStreamNotFound, isWrongLastSequence, openConnection, unavailable, wrongLastSequenceIs } from './connection';
import { createFederation } from './setup';
import { taskHistory } from './history';
import { Materializer } from './materialize';
import { type Bucket, type FederationNames, federationNames, textItem, textName } from './names';
import { Staging, primaryOf } from './staging';
import { thaw } from '../../core/federation/state/frozen';
import { type Commit, View } from './view';

export interface NatsBackendOptions {
  servers: string[];
  federation: string;
  replicas: number;
  credentials: NatsCredentials;
  /** This workspace's .federation/ (the file backend): config.yaml, the local copies of handoffs, corrupt/. */
  files: FederationStore;
  logger: Logger;
  /** Keep a copy of each handoff document in .federation/handoffs/ so an editor opens it as a file. */
  mirrorDocs?: boolean;
  /** Milliseconds a change or a read waits for the servers to come back before it fails (default 10 s). */
  unavailableMs?: number;
  /** Milliseconds a change keeps retrying when others keep landing first (default 30 s). */
  contentionMs?: number;
  /** Milliseconds to wait for one answer of the servers (default 5 s). */
  requestMs?: number;
  /** Materialise the KV buckets after changes (default true; a test may turn it off to see the stream alone). */
  materialize?: boolean;
}

export async function openNatsBackend(options: NatsBackendOptions): Promise<NatsBackend> {
  const nc = await openConnection({ servers: options.servers, federation: options.federation, credentials: options.credentials });
  const backend = new NatsBackend(nc, options);
  try {
    await backend.start();
  } catch (e) {
    await nc.close().catch(() => undefined);
    throw e;
  }
  return backend;
}

export class NatsBackend implements StateBackend {
  readonly kind = 'nats';
  readonly names: FederationNames;
  private readonly js: JetStreamClient;
  private jsm!: JetStreamManager;
  private readonly view: View;
  private messages: ConsumerMessages | undefined;
  /** The consumer whose messages the view takes (an older one's may still arrive). */
  private following: object | undefined;
  private started = false;
  private connected = true;
  private disconnectReason: string | undefined;
  private connectedWaiters: (() => void)[] = [];
  private readonly statusListeners = new Set<(s: BackendStatus) => void>();
  private readonly materializer: Materializer | undefined;
  private syncing: Promise<void> | undefined;
  private closed = false;
  /** Commits made and races lost by this process (for the benchmark and the tests' reports). */
  readonly stats = { commits: 0, conflicts: 0 };

  constructor(
    readonly nc: NatsConnection,
    private readonly options: NatsBackendOptions,
  ) {
    this.names = federationNames(options.federation);
    this.js = jetstream(nc, { timeout: this.requestMs });
    this.view = new View((bucket, key) => this.where(bucket, key));
    this.materializer = options.materialize === false ? undefined : new Materializer(nc, this.names, this.view, options.logger);
    followStatus(nc, (connected, reason) => this.setConnected(connected, reason));
  }

  private get requestMs(): number {
    return this.options.requestMs ?? 5000;
  }

  /** Finds the federation's stream and applies it; a federation not made yet is started by init(). */
  async start(): Promise<void> {
    this.jsm ??= await jetstreamManager(this.nc, { timeout: this.requestMs });
    if (this.started) return;
    try {
      await this.jsm.streams.info(this.names.stream);
    } catch (e) {
      if (isStreamNotFound(e)) return;
      throw this.mapError(e, 'did not answer', 'not-written');
    }
    await this.follow();
    this.started = true;
    await this.sync();
    if (this.options.mirrorDocs) for (const key of this.view.keys('docs')) this.mirror(key);
  }

  /**
   * Follows the stream from the first commit this view lacks, with an ordered consumer. Ordered consumers recover
   * from most failures themselves, but one can stall for good when the stream's leader dies at the wrong moment
   * (seen with a SIGKILL in a three-node cluster): sync() then follows again from where the view is.
   */
  private async follow(): Promise<void> {
    const from = this.view.seq + 1;
    const old = this.messages;
    this.messages = undefined;
    void old?.close().catch(() => undefined);
    const token = {};
    this.following = token;
    const consumer = await this.js.consumers.get(this.names.stream, from <= 1 ? { deliver_policy: DeliverPolicy.All } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from });
    const messages = await consumer.consume({ callback: (m) => this.onMessage(m, token) });
    if (this.following === token) this.messages = messages;
    else await messages.close().catch(() => undefined);
  }

  private onMessage(m: JsMsg, token: object): void {
    // Only the current consumer's messages, and only the next commit: a gap would leave a commit out of the view.
    if (token !== this.following) return;
    if (this.view.seq > 0 && m.seq > this.view.seq + 1) {
      this.options.logger.warn(`${this.names.stream}: #${m.seq} came after #${this.view.seq}; following the stream again from #${this.view.seq + 1}`);
      void this.follow().catch((e: unknown) => this.options.logger.debug(`following ${this.names.stream}: ${String(e)}`));
      return;
    }
    let commit: Commit | undefined;
    try {
      commit = m.json<Commit>();
    } catch {
      this.options.logger.warn(`${this.names.stream} #${m.seq}: not a commit (not JSON); skipped`);
    }
    this.view.apply(m.seq, commit);
    if (!commit) return;
    if (this.options.mirrorDocs) for (const [b, k] of commit.w) if (b === 'docs') this.mirror(k);
    this.materializer?.changed();
  }

  /** Writes (or removes) the local copy of a handoff document. Best effort: the document itself is in NATS. */
  private mirror(key: string): void {
    const file = this.options.files.pathOf(`handoffs/${textName('docs', key)}`);
    const text = this.view.items.docs.has(key) ? safe(() => this.view.text('docs', key)) : undefined;
    const write = text === undefined ? fsp.rm(file, { force: true }) : fsp.mkdir(path.dirname(file), { recursive: true }).then(() => fsp.writeFile(file, text, 'utf8'));
    write.catch((e: unknown) => this.options.logger.warn(`copying handoff ${file}: ${String(e)}`));
  }

  // ---- status ---------------------------------------------------------------------------------------------------

  private setConnected(connected: boolean, reason?: string): void {
    if (this.closed || connected === this.connected) return;
    this.connected = connected;
    this.disconnectReason = connected ? undefined : reason;
    if (connected) {
      const waiters = this.connectedWaiters;
      this.connectedWaiters = [];
      waiters.forEach((w) => w());
    }
    this.options.logger.info(`NATS ${this.names.federation}: ${connected ? 'connected' : `disconnected (${reason ?? 'no server'})`}`);
    const s = this.status();
    for (const l of this.statusListeners) l(s);
  }

  status(): BackendStatus {
    const where = `NATS ${this.options.servers.join(', ')} (federation ${this.names.federation})`;
    return this.connected ? { kind: 'nats', state: 'connected', where } : { kind: 'nats', state: 'disconnected', where, reason: this.disconnectReason ?? 'no server answers' };
  }

  onStatus(listener: (status: BackendStatus) => void): Subscription {
    this.statusListeners.add(listener);
    return { close: () => void this.statusListeners.delete(listener) };
  }

  watch(onChange: () => void): Subscription {
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A burst of commits (another workspace's import) becomes one call, as the file watcher coalesces writes.
    const off = this.view.onApplied(() => {
      timer ??= setTimeout(() => {
        timer = undefined;
        onChange();
      }, 15);
    });
    return {
      close: () => {
        off();
        if (timer) clearTimeout(timer);
      },
    };
  }

  /** Resolves when connected; fails with backend-unavailable once `deadline` passes. */
  private async connectedBy(deadline: number, outcome: 'not-written' | 'unknown'): Promise<void> {
    if (this.closed) throw this.unavailable('were let go of (the backend is closed)', outcome);
    if (this.connected) return;
    const left = deadline - Date.now();
    if (left <= 0) throw this.unavailable(`are not reachable (${this.disconnectReason ?? 'no server answers'})`, outcome);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.connectedWaiters = this.connectedWaiters.filter((w) => w !== done);
        reject(this.unavailable(`did not come back within ${Math.round((this.options.unavailableMs ?? 10_000) / 1000)} s (${this.disconnectReason ?? 'no server answers'})`, outcome));
      }, left);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.connectedWaiters.push(done);
    });
  }

  private unavailable(what: string, outcome: 'not-written' | 'unknown', cause?: unknown): FederationError {
    return unavailable(this.options, what, outcome, cause);
  }

  private mapError(e: unknown, what: string, outcome: 'not-written' | 'unknown'): unknown {
    return isNoAnswer(e) ? this.unavailable(`${what} (${e instanceof Error ? e.message : String(e)})`, outcome, e) : e;
  }

  // ---- reading --------------------------------------------------------------------------------------------------

  /** Brings the view up to the stream's last commit as of now (one request; concurrent callers share it). */
  private sync(deadline = Date.now() + (this.options.unavailableMs ?? 10_000)): Promise<void> {
    this.syncing ??= (async () => {
      try {
        for (;;) {
          await this.connectedBy(deadline, 'not-written');
          try {
            const info = await this.jsm.streams.info(this.names.stream);
            // Commits this view lacks come within one answer's time, else its consumer is followed anew.
            const late = await withTimeout(this.view.reached(info.state.last_seq), Math.max(1, Math.min(this.requestMs, deadline - Date.now())), () => 'late' as const).catch((e: unknown) => e);
            if (late === undefined) return;
            if (Date.now() >= deadline) throw this.unavailable(`did not deliver the federation's commits up to #${info.state.last_seq}`, 'not-written');
            this.options.logger.info(`${this.names.stream}: commits up to #${info.state.last_seq} did not come (the view is at #${this.view.seq}); following the stream again`);
            await this.follow();
            continue;
          } catch (e) {
            if (!isNoAnswer(e) || Date.now() >= deadline) throw this.mapError(e, 'did not answer', 'not-written');
            await sleep(100);
          }
        }
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  private async ready(): Promise<boolean> {
    if (!this.started) await this.start();
    if (!this.started) return false;
    await this.sync();
    return true;
  }

  async isInitialized(): Promise<boolean> {
    return (await this.ready()) && this.view.seq > 0;
  }

  async read<K extends StateFileName>(name: K): Promise<StateOf<K>> {
    if (!(await this.ready())) return emptyState(name);
    return this.view.document(name);
  }

  async readText(rel: string): Promise<string | undefined> {
    const item = textItem(rel);
    if (!item) return this.options.files.readText(rel);
    if (!(await this.ready())) return undefined;
    return this.view.text(item.bucket, item.key);
  }

  async listDir(rel: string): Promise<string[]> {
    if (!(await this.ready())) return [];
    return new Staging(this.view, this.view.seq, (r) => this.pathOf(r)).tx.listDir(rel);
  }

  async taskHistory(taskId: string): Promise<{ seq: number; at: string; task: Task | null }[]> {
    if (!(await this.ready())) return [];
    return taskHistory(this.js, this.names, taskId);
  }

  pathOf(rel: string): string {
    const item = textItem(rel);
    return item?.bucket === 'locks' ? this.where('locks', item.key) : this.options.files.pathOf(rel);
  }

  private where(bucket: Bucket, key: string): string {
    return `nats://${this.names.federation}/${bucket}/${key}`;
  }

  keepAside(where: string, text: string): Promise<string | undefined> {
    return this.options.files.keepAside(where, text);
  }

  // ---- changing -------------------------------------------------------------------------------------------------

  /**
   * Decides the change on the view as of its last commit and publishes it as one commit on the condition that
   * no other landed since. When one did, the view catches up and `fn` runs again on the new values.
   */
  async transaction<T>(fn: (tx: Transaction) => Promise<T> | T): Promise<T> {
    // No request to catch up first: the view follows the stream as it grows, and a change decided on a view one
    // commit behind is refused by the stream and decided again, so it costs a retry, never a wrong result. A
    // callback that throws or stages nothing is not checked by the stream: then the view catches up once first.
    if (!this.started) await this.start();
    if (!this.started || this.view.seq === 0) await this.ready();
    if (!this.started || this.view.seq === 0) {
      throw new FederationError('not-initialized', `No federation "${this.names.federation}" on ${this.options.servers.join(', ')}: run "federation init" first.`, { federation: this.names.federation });
    }
    const contentionDeadline = Date.now() + (this.options.contentionMs ?? 30_000);
    let fresh = false;
    for (let attempt = 0; ; attempt++) {
      await this.connectedBy(Date.now() + (this.options.unavailableMs ?? 10_000), 'not-written');
      const staging = new Staging(this.view, this.view.seq, (r) => this.pathOf(r));
      const decideStart = performance.now();
      let result: T;
      try {
        result = await fn(staging.tx);
      } catch (e) {
        // Refused on a view that may be behind (a task another process just added): ask once, decide again.
        if (fresh || !(await this.caughtUp(staging.base))) throw e;
        fresh = true;
        continue;
      }
      const commit = staging.build(randomUUID(), new Date());
      const decideMs = performance.now() - decideStart;
      if (!commit) {
        // Nothing to write is an answer only about the stream as it is now, not as this view last saw it.
        if (fresh || !(await this.caughtUp(staging.base))) return thaw(result);
        fresh = true;
        continue;
      }
      const outcome = await this.commit(commit, staging.base);
      if (typeof outcome === 'number') {
        const seq = outcome;
        this.stats.commits++;
        await withTimeout(this.view.reached(seq), this.options.unavailableMs ?? 10_000, () => this.unavailable(`did not deliver commit #${seq} back`, 'not-written')).catch(() => undefined);
        // The caller gets its own objects: no shared (frozen) task escapes the change.
        return thaw(result);
      }
      if (Date.now() > contentionDeadline) {
        throw new FederationError('lock-timeout', `Could not change federation "${this.names.federation}" within ${Math.round((this.options.contentionMs ?? 30_000) / 1000)} s: other changes kept landing first. Nothing was changed; try again.`, { federation: this.names.federation });
      }
      this.stats.conflicts++;
      // Lost the race: the commits that came first (up to the one the stream named, else the next) are on their
      // way to this view; wait for them (and ask the stream when they do not come), then decide again. The
      // others that lost decide again too, and all but one of them will lose again, each having spent a decision
      // (the CPU every writer on the machine shares): each waits a random part of a few decisions' time first,
      // so that they come one after the other (jittered back-off, in units of what deciding costs here now).
      await withTimeout(this.view.reached(outcome.last ?? staging.base + 1), this.requestMs, () => new Error('late')).catch(() => this.sync());
      const backoff = Math.random() * decideMs * Math.min(attempt + 1, 4);
      if (backoff >= 1) await sleep(backoff); // a timer waits at least 1 ms: less is no wait
    }
  }

  /** Brings the view up to the stream's last commit; whether it moved past `base` (then decide again). */
  private async caughtUp(base: number): Promise<boolean> {
    await this.sync();
    return this.view.seq > base;
  }

  /**
   * Publishes one commit; its sequence, or (nothing written) that another commit landed first with the stream's
   * last sequence when it says. The view takes its own commit at once when it is the next one: a change that
   * follows need not wait for the stream to deliver it back (it still comes, and is skipped as applied).
   */
  private async commit(commit: Commit, base: number): Promise<number | { last: number | undefined }> {
    const body = JSON.stringify(commit);
    const max = this.nc.info?.max_payload ?? 1024 * 1024;
    if (Buffer.byteLength(body) > max - 1024) {
      throw new FederationError('invalid-input', `This change is ${Buffer.byteLength(body)} bytes, more than the ${max} bytes a NATS message may hold here; nothing was changed.`, { bytes: Buffer.byteLength(body), max });
    }
    const subject = this.names.subject(primaryOf(commit));
    const deadline = Date.now() + (this.options.unavailableMs ?? 10_000);
    let sent = false;
    for (;;) {
      try {
        // The commit's id is its message id: sent again after no answer, the stream tells a repeat (duplicate)
        // from a first arrival, so an answer lost on the way back never makes a second commit.
        const ack = await this.js.publish(subject, body, { msgID: commit.tx, expect: { lastSequence: base }, timeout: this.requestMs });
        // Parsed from what was sent, so the view holds what the stream will deliver.
        if (ack.seq === base + 1 && this.view.seq === base) this.view.apply(ack.seq, JSON.parse(body) as Commit);
        return ack.seq;
      } catch (e) {
        if (isWrongLastSequence(e)) return (sent ? this.view.committed(commit.tx) : undefined) ?? { last: wrongLastSequenceIs(e) };
        if (!isNoAnswer(e)) throw e;
        sent = true;
        const landed = this.view.committed(commit.tx);
        if (landed !== undefined) return landed;
        await this.connectedBy(deadline, 'unknown');
        if (Date.now() >= deadline) throw this.unavailable('did not confirm the change in time', 'unknown', e);
        await sleep(50);
      }
    }
  }

  /** Creates the stream, the buckets and the first commit (once, whoever is first); never overwrites. */
  async init(): Promise<string[]> {
    this.jsm ??= await jetstreamManager(this.nc, { timeout: this.requestMs });
    const created = await createFederation(this.jsm, this.js, this.nc, this.names, this.options.replicas).catch((e: unknown) => {
      throw this.mapError(e, 'did not answer', 'not-written');
    });
    created.push(...(await localFolder(this.options.files)));
    await this.start();
    return created;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.materializer?.flush().catch(() => undefined);
    this.closed = true;
    this.materializer?.stop();
    await this.messages?.close().catch(() => undefined);
    await this.nc.close().catch(() => undefined);
  }
}

/** A NATS workspace's own folder: config.yaml is there already; what is process-local is ignored by git. */
async function localFolder(files: FederationStore): Promise<string[]> {
  await files.fs.mkdir(files.dir, { recursive: true });
  try {
    await files.fs.writeFile(files.pathOf('.gitignore'), '# Process-local files of Agent Federation (the state is in NATS)\ncorrupt/\npackages/\n*.tmp\n', { flag: 'wx' });
    return ['.gitignore'];
  } catch {
    return [];
  }
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function withTimeout<T>(p: Promise<T>, ms: number, error: () => unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(error()), ms);
    p.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e)),
    );
  });
}
