// A test double (it lives under test/, never in src): an in-memory DockerClient for unit tests of code that drives
// containers. It keeps the engine's rules that callers depend on (state transitions, 304-style no-ops, 404/409
// errors, stop = kill+die+stop events, follow logs ending when the container stops) and nothing more. Tests script
// what "runs" inside: emitLog() and exit().

import { randomBytes } from 'node:crypto';
import { FederationError } from '../../src/core/errors';
import type {
  BuildContext, BuildOptions, BuildResult, CallOptions, ContainerInfo, ContainerSpec, ContainerState,
  ContainerSummary, CreatedContainer, DockerClient, DockerEvent, DockerStream, EngineInfo, EventOptions,
  ImageSummary, ListOptions, LogChunk, LogOptions, NetworkSpec, RemoveOptions, StopOptions, VolumeSpec,
  WaitOptions, WaitResult,
} from '../../src/core/docker/client';
import { toFederationError, unavailableError } from '../../src/core/docker/engineErrors';
import { AsyncQueue } from '../../src/core/docker/stream';
import { packTar, readTar, type TarEntry } from '../../src/core/docker/tar';

interface FakeContainer {
  id: string;
  name: string;
  spec: ContainerSpec;
  imageId: string;
  state: ContainerState;
  exitCode: number | null;
  oomKilled: boolean;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  output: Array<LogChunk & { time: Date }>;
  /** Called whenever the container stops running or is removed. */
  onChange: Set<() => void>;
}

interface Subscriber {
  queue: AsyncQueue<DockerEvent>;
  opts: EventOptions;
}

function matchesLabels(have: Record<string, string>, want: Record<string, string> | undefined): boolean {
  return Object.entries(want ?? {}).every(([k, v]) => have[k] === v);
}

export class FakeDockerClient implements DockerClient {
  /** A local engine's label (a unix socket), so agents get bind mounts; `transfer: 'volumes'` tests the copies. */
  readonly hostLabel = 'unix:///fake/docker.sock';
  /** Every call by operation name, in order, for assertions. */
  readonly calls: string[] = [];
  /** When true every call fails as if the engine were not running. */
  unavailable = false;
  /** Exit code a container gets from stopContainer (143: it obeyed SIGTERM; 137 if it "needed" SIGKILL). */
  stopExitCode = 143;
  /** Scripted behaviour on each start, e.g. (c, id) => { c.emitLog(id, 'stdout', 'hi\n'); c.exit(id, 0); }. */
  onStart?: (fake: FakeDockerClient, id: string) => void;

  private readonly images = new Map<string, { id: string; labels: Record<string, string> }>();
  private readonly containers = new Map<string, FakeContainer>();
  private readonly volumes = new Map<string, Record<string, string>>();
  /** What each volume holds, by path inside it ("" is its root folder). */
  private readonly volumeFiles = new Map<string, Map<string, { type: 'file' | 'dir'; mode: number; content?: Buffer }>>();
  private readonly networks = new Map<string, { id: string; labels: Record<string, string> }>();
  private readonly history: DockerEvent[] = [];
  private readonly subscribers = new Set<Subscriber>();
  private readonly failures = new Map<string, FederationError[]>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  // ---- test controls --------------------------------------------------------------------------------------

  addImage(tag: string, labels: Record<string, string> = {}): string {
    const id = `sha256:${randomBytes(32).toString('hex')}`;
    this.images.set(tag, { id, labels });
    return id;
  }

  /** The next call of `operation` (e.g. "startContainer") throws `error` instead of running. */
  failNext(operation: keyof DockerClient, error: FederationError): void {
    const list = this.failures.get(operation) ?? [];
    list.push(error);
    this.failures.set(operation, list);
  }

  /** Output "written" by the running program. */
  emitLog(idOrName: string, stream: 'stdout' | 'stderr', text: string): void {
    const c = this.find(idOrName, 'emitLog');
    c.output.push({ stream, text, time: this.now() });
    this.notify(c);
  }

  /** The program ends by itself. */
  exit(idOrName: string, exitCode: number, opts: { oomKilled?: boolean } = {}): void {
    const c = this.find(idOrName, 'exit');
    if (c.state !== 'running') return;
    if (opts.oomKilled) {
      c.oomKilled = true;
      this.emit(c, 'oom');
    }
    this.stopped(c, exitCode);
  }

  containerIds(): string[] {
    return [...this.containers.keys()];
  }

  // ---- engine ---------------------------------------------------------------------------------------------

  async ping(opts?: CallOptions): Promise<void> {
    this.enter('ping', opts);
  }

  async info(opts?: CallOptions): Promise<EngineInfo> {
    this.enter('info', opts);
    return {
      version: '0.0.0-fake', apiVersion: '1.41', os: 'Fake OS', osType: 'linux', arch: 'x86_64', kernelVersion: '0',
      name: 'fake', hostLabel: this.hostLabel, cgroupVersion: '2', cgroupDriver: 'fake', storageDriver: 'fake', warnings: [],
    };
  }

  async buildImage(_context: BuildContext, opts: BuildOptions): Promise<BuildResult> {
    this.enter('buildImage', opts);
    opts.onProgress?.(`fake build of ${opts.tag}`);
    return { imageId: this.addImage(opts.tag, opts.labels), tag: opts.tag };
  }

  async imageExists(ref: string, opts?: CallOptions): Promise<boolean> {
    this.enter('imageExists', opts);
    return this.images.has(ref);
  }

  async listImages(opts?: ListOptions): Promise<ImageSummary[]> {
    this.enter('listImages', opts);
    const byId = new Map<string, ImageSummary>();
    for (const [tag, image] of this.images) {
      if (!matchesLabels(image.labels, opts?.labels)) continue;
      const entry = byId.get(image.id) ?? { id: image.id, tags: [], labels: image.labels, sizeBytes: 0 };
      entry.tags.push(tag);
      byId.set(image.id, entry);
    }
    return [...byId.values()];
  }

  async removeImage(ref: string, opts?: CallOptions & { force?: boolean }): Promise<void> {
    this.enter('removeImage', opts);
    const image = this.images.get(ref);
    if (!image) throw this.engineError('remove image', ref, 404, `No such image: ${ref}`);
    const used = [...this.containers.values()].some((c) => c.imageId === image.id);
    if (used && !opts?.force) throw this.engineError('remove image', ref, 409, `conflict: unable to remove repository reference "${ref}" (must force)`);
    this.images.delete(ref);
  }

  // ---- containers -----------------------------------------------------------------------------------------

  async createContainer(spec: ContainerSpec, opts?: CallOptions): Promise<CreatedContainer> {
    this.enter('createContainer', opts);
    const image = this.images.get(spec.image);
    if (!image) throw this.engineError('create container', spec.name ?? spec.image, 404, `No such image: ${spec.image}`);
    const id = randomBytes(32).toString('hex');
    const name = spec.name ?? `fake_${id.slice(0, 8)}`;
    if ([...this.containers.values()].some((c) => c.name === name)) {
      throw this.engineError('create container', name, 409, `Conflict. The container name "/${name}" is already in use.`);
    }
    const c: FakeContainer = {
      id, name, spec: structuredClone(spec), imageId: image.id, state: 'created', exitCode: null, oomKilled: false,
      createdAt: this.now(), output: [], onChange: new Set(),
    };
    this.containers.set(id, c);
    this.emit(c, 'create');
    return { id, warnings: [] };
  }

  async startContainer(id: string, opts?: CallOptions): Promise<void> {
    this.enter('startContainer', opts);
    const c = this.find(id, 'start container');
    if (c.state === 'running') return;
    if (c.state === 'dead' || c.state === 'removing') {
      throw this.engineError('start container', id, 409, `container ${c.id} is marked for removal and cannot be started`);
    }
    c.state = 'running';
    c.exitCode = 0;
    c.oomKilled = false;
    c.startedAt = this.now();
    this.emit(c, 'start');
    this.onStart?.(this, c.id);
  }

  async stopContainer(id: string, opts?: StopOptions): Promise<void> {
    this.enter('stopContainer', opts);
    const c = this.find(id, 'stop container');
    if (c.state !== 'running') return;
    this.emit(c, 'kill', { signal: '15' });
    this.stopped(c, this.stopExitCode);
    this.emit(c, 'stop');
  }

  async restartContainer(id: string, opts?: StopOptions): Promise<void> {
    this.enter('restartContainer', opts);
    const c = this.find(id, 'restart container');
    if (c.state === 'running') {
      this.emit(c, 'kill', { signal: '15' });
      this.stopped(c, this.stopExitCode);
      this.emit(c, 'stop');
    }
    c.state = 'running';
    c.startedAt = this.now();
    this.emit(c, 'start');
    this.emit(c, 'restart');
    this.onStart?.(this, c.id);
  }

  async removeContainer(id: string, opts?: RemoveOptions): Promise<void> {
    this.enter('removeContainer', opts);
    const c = this.find(id, 'remove container');
    if (c.state === 'running') {
      if (!opts?.force) {
        throw this.engineError('remove container', id, 409,
          `You cannot remove a running container ${c.id}. Stop the container before attempting removal or force remove`);
      }
      this.emit(c, 'kill', { signal: '9' });
      this.stopped(c, 137);
    }
    this.containers.delete(c.id);
    this.emit(c, 'destroy');
    this.notify(c);
  }

  async inspectContainer(id: string, opts?: CallOptions): Promise<ContainerInfo> {
    this.enter('inspectContainer', opts);
    const c = this.find(id, 'inspect container');
    const h = c.spec.hardening ?? {};
    return {
      id: c.id,
      name: c.name,
      image: c.spec.image,
      imageId: c.imageId,
      labels: { ...(this.imageLabels(c)), ...(c.spec.labels ?? {}) },
      state: c.state,
      running: c.state === 'running',
      exitCode: c.exitCode,
      oomKilled: c.oomKilled,
      createdAt: c.createdAt,
      ...(c.startedAt ? { startedAt: c.startedAt } : {}),
      ...(c.finishedAt ? { finishedAt: c.finishedAt } : {}),
      restartCount: 0,
      user: c.spec.user ?? '',
      cmd: c.spec.cmd ?? [],
      env: { ...(c.spec.env ?? {}) },
      workingDir: c.spec.workingDir ?? '',
      mounts: (c.spec.mounts ?? []).map((m) => ({ source: m.source, target: m.target, readOnly: m.readOnly ?? false, type: m.type ?? 'bind' })),
      tmpfs: { ...(c.spec.tmpfs ?? {}) },
      hardening: {
        capDrop: h.capDrop ?? [],
        capAdd: h.capAdd ?? [],
        readOnlyRootfs: h.readOnlyRootfs ?? false,
        noNewPrivileges: h.noNewPrivileges ?? false,
        memoryBytes: h.memoryBytes ?? 0,
        nanoCpus: h.nanoCpus ?? 0,
        pidsLimit: h.pidsLimit ?? 0,
        network: h.network ?? 'bridge',
        securityOpt: h.noNewPrivileges ? ['no-new-privileges'] : [],
      },
    };
  }

  async listContainers(opts?: ListOptions): Promise<ContainerSummary[]> {
    this.enter('listContainers', opts);
    return [...this.containers.values()]
      .filter((c) => matchesLabels({ ...this.imageLabels(c), ...(c.spec.labels ?? {}) }, opts?.labels))
      .map((c) => ({
        id: c.id, name: c.name, image: c.spec.image, labels: { ...this.imageLabels(c), ...(c.spec.labels ?? {}) },
        state: c.state, status: c.state === 'running' ? 'Up' : c.state === 'exited' ? `Exited (${c.exitCode})` : 'Created',
      }));
  }

  async waitContainer(id: string, opts: WaitOptions = {}): Promise<WaitResult> {
    this.enter('waitContainer', opts);
    const c = this.find(id, 'wait for container');
    const condition = opts.condition ?? 'not-running';
    if (condition === 'not-running' && c.state !== 'running') return { exitCode: c.exitCode ?? 0 };
    return new Promise<WaitResult>((resolve, reject) => {
      const ctx = { operation: 'wait for container', hostLabel: this.hostLabel, target: id, timeoutMs: opts.timeoutMs ?? 0 };
      const done = (): void => {
        c.onChange.delete(check);
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      const check = (): void => {
        const gone = !this.containers.has(c.id);
        if (condition === 'removed' ? gone : c.state !== 'running') {
          done();
          resolve({ exitCode: c.exitCode ?? 0 });
        }
      };
      const onAbort = (): void => {
        done();
        reject(toFederationError(undefined, { ...ctx, timedOut: false, cancelled: true }));
      };
      const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => {
        done();
        reject(toFederationError(undefined, { ...ctx, timedOut: true, cancelled: false }));
      }, opts.timeoutMs);
      c.onChange.add(check);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  logs(id: string, opts: LogOptions = {}): DockerStream<LogChunk> {
    const queue = new AsyncQueue<LogChunk>();
    let ready: Promise<void>;
    try {
      this.enter('logs', undefined); // an aborted signal ends a stream quietly, as in the real client
      const c = this.find(id, 'read logs of');
      let sent = 0;
      const initial = c.output.filter((o) => !opts.since || o.time >= opts.since);
      const firstIndex = c.output.length - (opts.tail !== undefined ? Math.min(opts.tail, initial.length) : initial.length);
      sent = firstIndex;
      const pump = (): void => {
        for (; sent < c.output.length; sent++) {
          const o = c.output[sent] as LogChunk;
          queue.push({ stream: o.stream, text: o.text });
        }
        // Like the engine, a follow stream ends when the container is no longer running.
        if (!opts.follow || c.state !== 'running' || !this.containers.has(c.id)) {
          c.onChange.delete(pump);
          queue.end();
        }
      };
      c.onChange.add(pump);
      pump();
      const stop = (): void => {
        c.onChange.delete(pump);
        queue.close();
      };
      if (opts.signal?.aborted) stop();
      opts.signal?.addEventListener('abort', stop, { once: true });
      ready = Promise.resolve();
    } catch (e) {
      queue.fail(e);
      ready = Promise.reject(e);
      ready.catch(() => undefined);
    }
    return { ready, close: () => queue.close(), [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator]() };
  }

  events(opts: EventOptions = {}): DockerStream<DockerEvent> {
    const queue: AsyncQueue<DockerEvent> = new AsyncQueue<DockerEvent>({ onClose: () => this.subscribers.delete(sub) });
    const sub: Subscriber = { queue, opts };
    let ready: Promise<void>;
    try {
      this.enter('events', undefined); // an aborted signal ends a stream quietly, as in the real client
      if (opts.since) {
        for (const e of this.history) if (e.time >= opts.since && this.wants(sub, e)) queue.push(e);
      }
      this.subscribers.add(sub);
      if (opts.signal?.aborted) queue.close();
      opts.signal?.addEventListener('abort', () => queue.close(), { once: true });
      ready = Promise.resolve();
    } catch (e) {
      queue.fail(e);
      ready = Promise.reject(e);
      ready.catch(() => undefined);
    }
    return { ready, close: () => queue.close(), [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator]() };
  }

  // ---- volumes and networks -------------------------------------------------------------------------------

  async createVolume(spec: VolumeSpec, opts?: CallOptions): Promise<string> {
    this.enter('createVolume', opts);
    if (!this.volumes.has(spec.name)) this.volumes.set(spec.name, spec.labels ?? {});
    return spec.name;
  }

  async listVolumes(opts?: ListOptions): Promise<string[]> {
    this.enter('listVolumes', opts);
    return [...this.volumes].filter(([, labels]) => matchesLabels(labels, opts?.labels)).map(([name]) => name);
  }

  async removeVolume(name: string, opts?: CallOptions & { force?: boolean }): Promise<void> {
    this.enter('removeVolume', opts);
    if (!this.volumes.delete(name)) throw this.engineError('remove volume', name, 404, `get ${name}: no such volume`);
    this.volumeFiles.delete(name);
  }

  /** A file "written" into a volume by the program that mounts it. */
  writeVolumeFile(volume: string, rel: string, content: string | Buffer): void {
    this.filesOf(volume).set(rel, { type: 'file', mode: 0o644, content: Buffer.from(content) });
  }

  /** What a volume holds, by path. */
  volumeContent(volume: string): Map<string, { type: 'file' | 'dir'; mode: number; content?: Buffer }> {
    return new Map(this.volumeFiles.get(volume) ?? []);
  }

  async putArchive(id: string, at: string, tar: Uint8Array, opts?: CallOptions): Promise<void> {
    this.enter('putArchive', opts);
    const c = this.find(id, 'copy files into');
    await readTar([tar], { maxBytes: 1 << 30, maxEntries: 1e6 }, async (entry, content) => {
      const full = `${at.replace(/\/+$/, '')}/${entry.name.replace(/\/+$/, '')}`;
      const m = (c.spec.mounts ?? []).find((x) => x.type === 'volume' && (full === x.target || full.startsWith(`${x.target}/`)));
      if (!m) throw this.engineError('copy files into', id, 400, `${full} is not in a volume (the fake keeps only volumes)`);
      if (m.readOnly) throw this.engineError('copy files into', id, 400, 'mounted volume is marked read-only');
      const rel = full.slice(m.target.length + 1);
      this.filesOf(m.source).set(rel, { type: entry.kind === 'dir' ? 'dir' : 'file', mode: entry.mode, ...(content ? { content } : {}) });
    });
  }

  async getArchive(id: string, at: string, opts?: CallOptions): Promise<DockerStream<Uint8Array>> {
    this.enter('getArchive', opts);
    const c = this.find(id, 'copy files out of');
    const m = (c.spec.mounts ?? []).find((x) => x.type === 'volume' && x.target === at);
    if (!m) throw this.engineError('copy files out of', id, 404, `Could not find the file ${at} in container ${id}`);
    const top = at.split('/').pop() as string;
    const entries: TarEntry[] = [{ name: top, type: 'dir', mode: 0o755 }];
    for (const [rel, f] of [...this.filesOf(m.source)].sort(([a], [b]) => a.localeCompare(b))) {
      if (rel === '') continue;
      entries.push({ name: `${top}/${rel}`, type: f.type, mode: f.mode, ...(f.content ? { content: f.content } : {}) });
    }
    const tar = packTar(entries);
    const queue = new AsyncQueue<Uint8Array>({ onClose: () => undefined });
    queue.push(tar);
    queue.end();
    return { ready: Promise.resolve(), close: () => queue.close(), [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator]() };
  }

  private filesOf(volume: string): Map<string, { type: 'file' | 'dir'; mode: number; content?: Buffer }> {
    let files = this.volumeFiles.get(volume);
    if (!files) {
      files = new Map();
      this.volumeFiles.set(volume, files);
    }
    return files;
  }

  async createNetwork(spec: NetworkSpec, opts?: CallOptions): Promise<string> {
    this.enter('createNetwork', opts);
    if (this.networks.has(spec.name)) throw this.engineError('create network', spec.name, 409, `network with name ${spec.name} already exists`);
    const id = randomBytes(32).toString('hex');
    this.networks.set(spec.name, { id, labels: spec.labels ?? {} });
    return id;
  }

  async listNetworks(opts?: ListOptions): Promise<Array<{ id: string; name: string; labels: Record<string, string> }>> {
    this.enter('listNetworks', opts);
    return [...this.networks].filter(([, n]) => matchesLabels(n.labels, opts?.labels)).map(([name, n]) => ({ id: n.id, name, labels: n.labels }));
  }

  async removeNetwork(idOrName: string, opts?: CallOptions): Promise<void> {
    this.enter('removeNetwork', opts);
    const entry = [...this.networks].find(([name, n]) => name === idOrName || n.id === idOrName);
    if (!entry) throw this.engineError('remove network', idOrName, 404, `network ${idOrName} not found`);
    this.networks.delete(entry[0]);
  }

  // ---- internals ------------------------------------------------------------------------------------------

  /** Records the call and applies the fault switches shared by every operation. */
  private enter(operation: keyof DockerClient, opts: { signal?: AbortSignal } | undefined): void {
    this.calls.push(operation);
    if (this.unavailable) throw unavailableError(this.hostLabel, 'ECONNREFUSED');
    if (opts?.signal?.aborted) {
      throw toFederationError(undefined, { operation, hostLabel: this.hostLabel, timeoutMs: 0, timedOut: false, cancelled: true });
    }
    const queued = this.failures.get(operation)?.shift();
    if (queued) throw queued;
  }

  private engineError(operation: string, target: string, statusCode: number, message: string): FederationError {
    return toFederationError({ statusCode, json: { message } }, {
      operation, hostLabel: this.hostLabel, target, timeoutMs: 0, timedOut: false, cancelled: false,
    });
  }

  /** Full id, unique id prefix or name, as the engine accepts. */
  private find(idOrName: string, operation: string): FakeContainer {
    const byId = this.containers.get(idOrName);
    if (byId) return byId;
    const matches = [...this.containers.values()].filter((c) => c.name === idOrName || c.id.startsWith(idOrName));
    if (matches.length === 1) return matches[0] as FakeContainer;
    throw this.engineError(operation, idOrName, 404, `No such container: ${idOrName}`);
  }

  private imageLabels(c: FakeContainer): Record<string, string> {
    for (const image of this.images.values()) if (image.id === c.imageId) return image.labels;
    return {};
  }

  private stopped(c: FakeContainer, exitCode: number): void {
    c.state = 'exited';
    c.exitCode = exitCode;
    c.finishedAt = this.now();
    this.emit(c, 'die', { exitCode: String(exitCode) });
    this.notify(c);
  }

  private notify(c: FakeContainer): void {
    for (const listener of [...c.onChange]) listener();
  }

  private wants(sub: Subscriber, e: DockerEvent): boolean {
    return (sub.opts.types ?? ['container']).includes(e.type as 'container') && matchesLabels(e.attributes, sub.opts.labels);
  }

  private emit(c: FakeContainer, action: string, extra: Record<string, string> = {}): void {
    const attributes = { ...this.imageLabels(c), ...(c.spec.labels ?? {}), name: c.name, image: c.spec.image, ...extra };
    const exitCode = extra['exitCode'] !== undefined ? Number(extra['exitCode']) : undefined;
    const event: DockerEvent = {
      type: 'container', action, id: c.id, name: c.name, image: c.spec.image,
      ...(exitCode !== undefined ? { exitCode } : {}), attributes, time: this.now(),
    };
    this.history.push(event);
    for (const sub of this.subscribers) if (this.wants(sub, event)) sub.queue.push(event);
  }
}
