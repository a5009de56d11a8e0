// The DockerClient backed by dockerode: an adapter, outside the core, implementing the port in
// src/core/docker/client.ts. Bundled on its own as dist/docker.js and loaded on first use (core/docker/loader.ts),
// so the extension does not parse dockerode, ssh2 and grpc at activation. Nothing dockerode-shaped leaves this
// file: results are mapped to our types and every failure to a FederationError (core/docker/engineErrors.ts).

import { readFileSync, readdirSync, statSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import Docker from 'dockerode';
import type DockerModem from 'docker-modem';
import { FederationError, isFederationError } from '../../core/errors';
import {
  DEFAULT_BUILD_TIMEOUT_MS, DEFAULT_DOCKER_TIMEOUT_MS,
  type AppliedHardening, type BuildContext, type BuildOptions, type BuildResult, type CallOptions,
  type ContainerInfo, type ContainerSpec, type ContainerState, type ContainerSummary, type CreatedContainer,
  type DockerClient, type DockerClientOptions, type DockerEvent, type DockerStream, type EngineInfo,
  type EventOptions, type ImageSummary, type ListOptions, type LogChunk, type LogOptions, type MountSpec,
  type NetworkSpec, type RemoveOptions, type StopOptions, type VolumeSpec, type WaitOptions, type WaitResult,
} from '../../core/docker/client';
import { toFederationError, type CallContext } from '../../core/docker/engineErrors';
import { resolveDockerHost } from '../../core/docker/context';
import { nodeFileSystem } from '../fs';
import { parseDockerHost, type DockerEndpoint } from '../../core/docker/host';
import { AsyncQueue } from '../../core/docker/stream';
import { JsonLines, LogDemuxer } from './wire';

export function createDockerodeClient(options: DockerClientOptions = {}): DockerClient {
  // The adapter is Node's own: it reads this process's environment (as for the TLS and SSH settings below).
  const endpoint = parseDockerHost(resolveDockerHost(options.host, process.env, nodeFileSystem).host, {
    tlsVerify: process.env['DOCKER_TLS_VERIFY'] === '1',
  });
  return new DockerodeClient(endpoint, options);
}

/** Raised inside a call when its signal fired; the wrapper turns it into 'cancelled' or 'docker-timeout'. */
class Aborted extends Error {}

interface Decoder<T> {
  push(data: Buffer): T[];
  end(): T[];
}

function prop(e: unknown, key: string): unknown {
  return typeof e === 'object' && e !== null ? (e as Record<string, unknown>)[key] : undefined;
}

/** The engine answers 304 to "start a running container" / "stop a stopped one": for us that is success. */
function notModified(e: unknown): boolean {
  return prop(e, 'statusCode') === 304;
}

function labelFilter(labels: Record<string, string> | undefined): string[] {
  return Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`);
}

/** The engine takes "seconds.nanoseconds" for since/until. */
function engineTime(d: Date): string {
  const ms = d.getTime();
  return `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}000000`;
}

function engineDate(s: string | undefined): Date | undefined {
  // The engine writes Go's zero time for "never".
  if (!s || s.startsWith('0001-01-01')) return undefined;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function envList(env: Record<string, string> | undefined): string[] {
  return Object.entries(env ?? {}).map(([k, v]) => `${k}=${v}`);
}

function envRecord(list: string[] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of list ?? []) {
    const eq = entry.indexOf('=');
    if (eq > 0) out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

const STATES: readonly ContainerState[] = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'];
function toState(s: string | undefined): ContainerState {
  return STATES.find((x) => x === s) ?? 'dead';
}

/** SecurityOpt spells it "no-new-privileges", "no-new-privileges:true" or "no-new-privileges=true". */
function hasNoNewPrivileges(securityOpt: string[]): boolean {
  return securityOpt.some((o) => {
    const [key, value] = o.split(/[:=]/, 2);
    return key === 'no-new-privileges' && (value === undefined || value === 'true');
  });
}

function invalidSpec(message: string, details: Record<string, unknown>): FederationError {
  return new FederationError('invalid-input', message, details);
}

function validateSpec(spec: ContainerSpec): void {
  if (!spec.image || spec.image.trim() === '') throw invalidSpec('A container needs an image.', { field: 'image' });
  for (const m of spec.mounts ?? []) {
    if (!m.target.startsWith('/')) {
      throw invalidSpec(`Mount target "${m.target}" must be an absolute path inside the container.`, { field: 'mounts', target: m.target });
    }
    if ((m.type ?? 'bind') === 'bind' && !isAbsolute(m.source)) {
      throw invalidSpec(`Bind mount source "${m.source}" must be an absolute host path.`, { field: 'mounts', source: m.source });
    }
  }
  for (const target of Object.keys(spec.tmpfs ?? {})) {
    if (!target.startsWith('/')) throw invalidSpec(`tmpfs target "${target}" must be an absolute path.`, { field: 'tmpfs', target });
  }
}

/** TLS material for tcp:// with DOCKER_TLS_VERIFY, from DOCKER_CERT_PATH or ~/.docker as the docker CLI does. */
function tlsFiles(endpointLabel: string): { ca: Buffer; cert: Buffer; key: Buffer } {
  const dir = process.env['DOCKER_CERT_PATH'] || join(homedir(), '.docker');
  try {
    return {
      ca: readFileSync(join(dir, 'ca.pem')),
      cert: readFileSync(join(dir, 'cert.pem')),
      key: readFileSync(join(dir, 'key.pem')),
    };
  } catch {
    throw new FederationError(
      'docker-unavailable',
      `Docker at ${endpointLabel} needs TLS, but ca.pem, cert.pem and key.pem were not all found in ${dir}. Set DOCKER_CERT_PATH.`,
      { host: endpointLabel, certPath: dir },
    );
  }
}

/** Without an ssh agent, fall back to the usual unencrypted key files. */
function sshKey(): Buffer | undefined {
  for (const name of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
    try {
      return readFileSync(join(homedir(), '.ssh', name));
    } catch {
      /* try the next one */
    }
  }
  return undefined;
}

function dockerodeOptions(endpoint: DockerEndpoint): Docker.DockerOptions {
  // Every connection key is given, even as undefined: docker-modem merges $DOCKER_HOST's settings underneath ours
  // and would otherwise keep, e.g., a tcp host from the environment next to our socket path.
  const base: Docker.DockerOptions = {
    socketPath: undefined, host: undefined, port: undefined, protocol: undefined, username: undefined,
    ca: undefined, cert: undefined, key: undefined, timeout: undefined, version: undefined,
  };
  switch (endpoint.kind) {
    case 'unix':
    case 'npipe':
      return { ...base, socketPath: endpoint.socketPath };
    case 'tcp':
      return {
        ...base, host: endpoint.host, port: endpoint.port, protocol: endpoint.tls ? 'https' : 'http',
        ...(endpoint.tls ? tlsFiles(endpoint.label) : {}),
      };
    case 'ssh': {
      const agent = process.env['SSH_AUTH_SOCK'];
      const privateKey = agent ? undefined : sshKey();
      return {
        ...base, host: endpoint.host, port: endpoint.port, protocol: 'ssh', username: endpoint.username,
        sshOptions: { ...(agent ? { agent } : {}), ...(privateKey ? { privateKey } : {}), readyTimeout: 10_000 },
      };
    }
  }
}

class DockerodeClient implements DockerClient {
  readonly hostLabel: string;
  private readonly docker: Docker;
  private readonly modem: DockerModem;
  private readonly timeoutMs: number;
  private readonly buildTimeoutMs: number;

  constructor(endpoint: DockerEndpoint, options: DockerClientOptions) {
    this.hostLabel = endpoint.label;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_DOCKER_TIMEOUT_MS;
    this.buildTimeoutMs = options.buildTimeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS;
    try {
      this.docker = new Docker(dockerodeOptions(endpoint));
    } catch (e) {
      // docker-modem reads $DOCKER_HOST/$DOCKER_CERT_PATH itself while constructing and throws on bad values.
      if (isFederationError(e)) throw e;
      throw new FederationError('invalid-input', `Docker client settings from the environment are not usable (DOCKER_HOST, DOCKER_CERT_PATH).`, {
        host: endpoint.label,
      });
    }
    this.modem = this.docker.modem as DockerModem;
  }

  // ---- plumbing -------------------------------------------------------------------------------------------

  /**
   * Runs one engine call under a time limit and the caller's signal. Even if the library ignores the signal
   * somewhere (connecting, ssh handshakes), the returned promise settles on abort: a dead engine never hangs us.
   */
  private async call<T>(
    operation: string,
    opts: CallOptions | undefined,
    run: (signal: AbortSignal) => Promise<T>,
    extra: { target?: string; timeoutMs?: number | null } = {},
  ): Promise<T> {
    const timeoutMs = opts?.timeoutMs ?? (extra.timeoutMs === undefined ? this.timeoutMs : extra.timeoutMs);
    const ctx: CallContext = {
      operation, hostLabel: this.hostLabel, timeoutMs: timeoutMs ?? 0, timedOut: false, cancelled: false,
      ...(extra.target !== undefined ? { target: extra.target } : {}),
    };
    const controller = new AbortController();
    const onCallerAbort = (): void => {
      ctx.cancelled = true;
      controller.abort();
    };
    const timer = timeoutMs == null ? undefined : setTimeout(() => {
      ctx.timedOut = true;
      controller.abort();
    }, timeoutMs);
    if (opts?.signal?.aborted) onCallerAbort();
    else opts?.signal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      return await new Promise<T>((resolve, reject) => {
        if (controller.signal.aborted) return reject(new Aborted());
        controller.signal.addEventListener('abort', () => reject(new Aborted()), { once: true });
        run(controller.signal).then(resolve, reject);
      });
    } catch (e) {
      throw toFederationError(e, ctx);
    } finally {
      if (timer) clearTimeout(timer);
      // The controller is not aborted on success: a streaming response would be cut off with it.
      opts?.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** A raw engine request through dockerode's modem, for the few calls whose dockerode wrappers lose information. */
  private dial<T>(options: DockerModem.DialOptions): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.modem.dial(options, (err, result) => (err ? reject(err) : resolve(result as T)));
    });
  }

  /** GET of an engine endpoint (dockerode's typings for ping/info/version do not take an abort signal). */
  private get<T>(path: string, abortSignal: AbortSignal): Promise<T> {
    return this.dial<T>({ path, method: 'GET', abortSignal, statusCodes: { 200: true, 500: 'server error' } });
  }

  /**
   * Opens a streaming request. The time limit covers only the engine accepting it; after that the stream lives
   * until the engine ends it, close() or the caller's signal.
   */
  private openStream<T>(
    operation: string,
    target: string | undefined,
    opts: { signal?: AbortSignal; timeoutMs?: number },
    request: (signal: AbortSignal) => Promise<{ stream: IncomingMessage; decoder: Decoder<T> }>,
  ): DockerStream<T> {
    const stop = new AbortController();
    let response: IncomingMessage | undefined;
    const queue = new AsyncQueue<T>({
      onClose: () => {
        stop.abort();
        response?.destroy();
      },
      pause: () => response?.pause(),
      resume: () => response?.resume(),
    });
    const onCallerAbort = (): void => queue.close();
    if (opts.signal?.aborted) queue.close();
    else opts.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const detach = (): void => opts.signal?.removeEventListener('abort', onCallerAbort);

    const ready = this.call(operation, { signal: stop.signal, ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) }, request, {
      ...(target !== undefined ? { target } : {}),
    }).then(
      ({ stream, decoder }) => {
        if (queue.isDone) {
          stream.destroy();
          return;
        }
        response = stream;
        let ended = false;
        stream.on('data', (chunk: Buffer) => {
          for (const item of decoder.push(chunk)) queue.push(item);
        });
        stream.on('end', () => {
          ended = true;
          for (const item of decoder.end()) queue.push(item);
          queue.end();
          detach();
        });
        stream.on('error', () => {
          /* reported by 'close' below; without a listener an error event would crash the process */
        });
        stream.on('close', () => {
          detach();
          if (ended || queue.isDone) return;
          // The connection went away mid-stream: the engine stopped or the network failed.
          queue.fail(toFederationError({ code: 'ECONNRESET' }, {
            operation, hostLabel: this.hostLabel, timeoutMs: 0, timedOut: false, cancelled: false,
            ...(target !== undefined ? { target } : {}),
          }));
        });
      },
      (err: unknown) => {
        detach();
        // Closed by our consumer before the engine answered: that is a normal, empty end.
        if (queue.isDone) return;
        queue.fail(err);
        throw err;
      },
    );
    // Failures reach the consumer through iteration; nobody has to await `ready`.
    ready.catch(() => undefined);
    return {
      ready,
      close: () => queue.close(),
      [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
    };
  }

  // ---- engine ---------------------------------------------------------------------------------------------

  async ping(opts?: CallOptions): Promise<void> {
    await this.call('ping', opts, (abortSignal) => this.get('/_ping', abortSignal));
  }

  async info(opts?: CallOptions): Promise<EngineInfo> {
    return this.call('info', opts, async (abortSignal) => {
      const [info, version] = await Promise.all([
        this.get<Record<string, unknown>>('/info', abortSignal),
        this.get<Record<string, unknown>>('/version', abortSignal),
      ]);
      const str = (v: unknown): string => (typeof v === 'string' ? v : '');
      return {
        version: str(info['ServerVersion']) || str(version['Version']),
        apiVersion: str(version['ApiVersion']),
        os: str(info['OperatingSystem']),
        osType: str(info['OSType']),
        arch: str(info['Architecture']),
        kernelVersion: str(info['KernelVersion']),
        name: str(info['Name']),
        hostLabel: this.hostLabel,
        cgroupVersion: str(info['CgroupVersion']),
        cgroupDriver: str(info['CgroupDriver']),
        storageDriver: str(info['Driver']),
        warnings: Array.isArray(info['Warnings']) ? (info['Warnings'] as unknown[]).filter((w): w is string => typeof w === 'string') : [],
      };
    });
  }

  // ---- images ---------------------------------------------------------------------------------------------

  async buildImage(context: BuildContext, opts: BuildOptions): Promise<BuildResult> {
    let file: NodeJS.ReadableStream | Buffer | { context: string; src: string[] };
    if ('folder' in context) {
      let entries: string[];
      try {
        if (!statSync(context.folder).isDirectory()) throw new Error('not a folder');
        entries = readdirSync(context.folder);
      } catch {
        throw new FederationError('invalid-input', `Build context ${context.folder} is not a readable folder.`, { folder: context.folder });
      }
      file = { context: context.folder, src: entries };
    } else {
      file = context.tar;
    }
    return this.call('build image', opts, async (abortSignal) => {
      const stream = (await this.docker.buildImage(file as NodeJS.ReadableStream, {
        t: opts.tag,
        dockerfile: opts.dockerfile ?? 'Dockerfile',
        labels: opts.labels ?? {},
        buildargs: opts.buildArgs ?? {},
        nocache: opts.noCache ?? false,
        rm: true,
        forcerm: true,
        abortSignal,
      } as Docker.ImageBuildOptions)) as IncomingMessage;
      const failure = await new Promise<{ message: string; code?: number } | undefined>((resolve, reject) => {
        const lines = new JsonLines();
        let error: { message: string; code?: number } | undefined;
        const handle = (items: unknown[]): void => {
          for (const item of items) {
            const text = typeof item === 'string' ? item : prop(item, 'stream') ?? prop(item, 'status');
            if (typeof text === 'string' && text.trim() !== '') {
              for (const line of text.replace(/\n$/, '').split('\n')) opts.onProgress?.(line);
            }
            const err = prop(item, 'error');
            if (typeof err === 'string' && !error) {
              const code = prop(prop(item, 'errorDetail'), 'code');
              error = { message: err.trim(), ...(typeof code === 'number' ? { code } : {}) };
            }
          }
        };
        stream.on('data', (chunk: Buffer) => handle(lines.push(chunk)));
        stream.on('end', () => {
          handle(lines.end());
          resolve(error);
        });
        stream.on('error', reject);
        stream.on('close', () => reject(Object.assign(new Error('build stream closed'), { code: 'ECONNRESET' })));
        abortSignal.addEventListener('abort', () => stream.destroy(), { once: true });
      });
      if (failure) {
        // The engine reports build failures (bad Dockerfile, failing RUN) inside a 200 response.
        throw new FederationError('docker-error', `Docker build of ${opts.tag} failed: ${failure.message}`, {
          host: this.hostLabel, operation: 'build image', target: opts.tag, engineMessage: failure.message,
          ...(failure.code !== undefined ? { statusCode: failure.code } : {}),
        });
      }
      const image = (await this.docker.getImage(opts.tag).inspect({ abortSignal } as object)) as { Id: string };
      return { imageId: image.Id, tag: opts.tag };
    }, { target: opts.tag, timeoutMs: this.buildTimeoutMs });
  }

  async imageExists(ref: string, opts?: CallOptions): Promise<boolean> {
    return this.call('inspect image', opts, async (abortSignal) => {
      try {
        await this.docker.getImage(ref).inspect({ abortSignal } as object);
        return true;
      } catch (e) {
        if (prop(e, 'statusCode') === 404) return false;
        throw e;
      }
    }, { target: ref });
  }

  async listImages(opts?: ListOptions): Promise<ImageSummary[]> {
    return this.call('list images', opts, async (abortSignal) => {
      const images = await this.docker.listImages({ filters: { label: labelFilter(opts?.labels) }, abortSignal });
      return images.map((i) => ({
        id: i.Id,
        tags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
        labels: i.Labels ?? {},
        sizeBytes: i.Size,
      }));
    });
  }

  async removeImage(ref: string, opts?: CallOptions & { force?: boolean }): Promise<void> {
    await this.call('remove image', opts, (abortSignal) =>
      this.docker.getImage(ref).remove({ force: opts?.force ?? false, abortSignal } as object), { target: ref });
  }

  // ---- containers -----------------------------------------------------------------------------------------

  async createContainer(spec: ContainerSpec, opts?: CallOptions): Promise<CreatedContainer> {
    validateSpec(spec);
    const h = spec.hardening ?? {};
    const mounts = (spec.mounts ?? []).map((m: MountSpec) => ({
      Type: m.type ?? 'bind', Source: m.source, Target: m.target, ReadOnly: m.readOnly ?? false,
    }));
    const hostConfig: Record<string, unknown> = {
      Mounts: mounts,
      ...(spec.tmpfs ? { Tmpfs: spec.tmpfs } : {}),
      ...(h.capDrop ? { CapDrop: h.capDrop } : {}),
      ...(h.capAdd ? { CapAdd: h.capAdd } : {}),
      ...(h.readOnlyRootfs !== undefined ? { ReadonlyRootfs: h.readOnlyRootfs } : {}),
      ...(h.noNewPrivileges ? { SecurityOpt: ['no-new-privileges'] } : {}),
      // Swap equal to memory means no extra swap on top of the limit.
      ...(h.memoryBytes !== undefined ? { Memory: h.memoryBytes, MemorySwap: h.memoryBytes } : {}),
      ...(h.nanoCpus !== undefined ? { NanoCpus: h.nanoCpus } : {}),
      ...(h.pidsLimit !== undefined ? { PidsLimit: h.pidsLimit } : {}),
      ...(h.network !== undefined ? { NetworkMode: h.network } : {}),
      ...(spec.init ? { Init: true } : {}),
    };
    const body = {
      Image: spec.image,
      ...(spec.cmd ? { Cmd: spec.cmd } : {}),
      ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
      ...(spec.user !== undefined ? { User: spec.user } : {}),
      Env: envList(spec.env),
      Labels: spec.labels ?? {},
      ...(spec.workingDir !== undefined ? { WorkingDir: spec.workingDir } : {}),
      Tty: spec.tty ?? false,
      AttachStdout: false,
      AttachStderr: false,
      HostConfig: hostConfig,
    };
    return this.call('create container', opts, async (abortSignal) => {
      // Raw dial: dockerode would also copy the whole body into the query string; this sends the name only there.
      const result = await this.dial<{ Id: string; Warnings?: string[] | null }>({
        path: '/containers/create?',
        method: 'POST',
        options: { _query: spec.name !== undefined ? { name: spec.name } : {}, _body: body },
        abortSignal,
        statusCodes: { 200: true, 201: true, 400: 'bad parameter', 404: 'no such image', 409: 'conflict', 500: 'server error' },
      });
      return { id: result.Id, warnings: result.Warnings ?? [] };
    }, { target: spec.name ?? spec.image });
  }

  async startContainer(id: string, opts?: CallOptions): Promise<void> {
    await this.call('start container', opts, async (abortSignal) => {
      try {
        await this.docker.getContainer(id).start({ abortSignal });
      } catch (e) {
        if (!notModified(e)) throw e;
      }
    }, { target: id });
  }

  async stopContainer(id: string, opts?: StopOptions): Promise<void> {
    const grace = opts?.graceSeconds ?? 10;
    await this.call('stop container', opts, async (abortSignal) => {
      try {
        await this.docker.getContainer(id).stop({ t: grace, abortSignal });
      } catch (e) {
        if (!notModified(e)) throw e;
      }
    }, { target: id, timeoutMs: this.timeoutMs + grace * 1000 });
  }

  async restartContainer(id: string, opts?: StopOptions): Promise<void> {
    const grace = opts?.graceSeconds ?? 10;
    await this.call('restart container', opts, (abortSignal) =>
      this.docker.getContainer(id).restart({ t: grace, abortSignal }), { target: id, timeoutMs: this.timeoutMs + grace * 1000 });
  }

  async removeContainer(id: string, opts?: RemoveOptions): Promise<void> {
    await this.call('remove container', opts, (abortSignal) =>
      this.docker.getContainer(id).remove({ force: opts?.force ?? false, v: opts?.removeVolumes ?? false, abortSignal }), { target: id });
  }

  async inspectContainer(id: string, opts?: CallOptions): Promise<ContainerInfo> {
    return this.call('inspect container', opts, async (abortSignal) => {
      const c = await this.docker.getContainer(id).inspect({ abortSignal } as object);
      const hc = c.HostConfig as Record<string, unknown>;
      const arr = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
      const num = (v: unknown): number => (typeof v === 'number' && v > 0 ? v : 0);
      const securityOpt = arr(hc['SecurityOpt']);
      const hardening: AppliedHardening = {
        capDrop: arr(hc['CapDrop']),
        capAdd: arr(hc['CapAdd']),
        readOnlyRootfs: hc['ReadonlyRootfs'] === true,
        noNewPrivileges: hasNoNewPrivileges(securityOpt),
        memoryBytes: num(hc['Memory']),
        nanoCpus: num(hc['NanoCpus']),
        pidsLimit: num(hc['PidsLimit']),
        network: typeof hc['NetworkMode'] === 'string' ? hc['NetworkMode'] : '',
        securityOpt,
      };
      const state = toState(c.State.Status);
      const startedAt = engineDate(c.State.StartedAt);
      const finishedAt = engineDate(c.State.FinishedAt);
      const tmpfs = hc['Tmpfs'];
      return {
        id: c.Id,
        name: c.Name.replace(/^\//, ''),
        image: c.Config.Image,
        imageId: c.Image,
        labels: c.Config.Labels ?? {},
        state,
        running: c.State.Running,
        exitCode: state === 'created' ? null : c.State.ExitCode,
        oomKilled: c.State.OOMKilled,
        ...(c.State.Error ? { error: c.State.Error } : {}),
        createdAt: new Date(c.Created),
        ...(startedAt ? { startedAt } : {}),
        ...(finishedAt ? { finishedAt } : {}),
        restartCount: c.RestartCount,
        user: c.Config.User ?? '',
        cmd: c.Config.Cmd ?? [],
        env: envRecord(c.Config.Env),
        workingDir: c.Config.WorkingDir ?? '',
        mounts: (c.Mounts ?? [])
          .filter((m) => m.Type === 'bind' || m.Type === 'volume')
          .map((m) => ({
            type: m.Type as 'bind' | 'volume',
            source: m.Type === 'volume' && m.Name ? m.Name : m.Source,
            target: m.Destination,
            readOnly: !m.RW,
          })),
        tmpfs: typeof tmpfs === 'object' && tmpfs !== null ? { ...(tmpfs as Record<string, string>) } : {},
        hardening,
      };
    }, { target: id });
  }

  async listContainers(opts?: ListOptions): Promise<ContainerSummary[]> {
    return this.call('list containers', opts, async (abortSignal) => {
      const list = await this.docker.listContainers({ all: true, filters: { label: labelFilter(opts?.labels) }, abortSignal });
      return list.map((c) => ({
        id: c.Id,
        name: (c.Names[0] ?? '').replace(/^\//, ''),
        image: c.Image,
        labels: c.Labels ?? {},
        state: toState(c.State),
        status: c.Status,
      }));
    });
  }

  async waitContainer(id: string, opts?: WaitOptions): Promise<WaitResult> {
    return this.call('wait for container', opts, async (abortSignal) => {
      const r = (await this.docker.getContainer(id).wait({ condition: opts?.condition ?? 'not-running', abortSignal })) as {
        StatusCode: number; Error?: { Message?: string } | null;
      };
      return { exitCode: r.StatusCode, ...(r.Error?.Message ? { error: r.Error.Message } : {}) };
    }, { target: id, timeoutMs: opts?.timeoutMs ?? null });
  }

  logs(id: string, opts: LogOptions = {}): DockerStream<LogChunk> {
    return this.openStream<LogChunk>('read logs of', id, opts, async (abortSignal) => {
      // A TTY container's log is raw bytes, not frames: ask first rather than guess from the bytes.
      const c = await this.docker.getContainer(id).inspect({ abortSignal } as object);
      const query: Record<string, unknown> = {
        follow: opts.follow ?? false,
        stdout: true,
        stderr: true,
        tail: opts.tail !== undefined ? String(opts.tail) : 'all',
        ...(opts.since ? { since: engineTime(opts.since) } : {}),
      };
      // Raw dial with isStream even when not following: dockerode would buffer and try to parse logs as JSON.
      const stream = await this.dial<IncomingMessage>({
        path: `/containers/${encodeURIComponent(id)}/logs?`,
        method: 'GET',
        options: query,
        isStream: true,
        abortSignal,
        statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
      });
      return { stream, decoder: new LogDemuxer(c.Config.Tty === true) };
    });
  }

  events(opts: EventOptions = {}): DockerStream<DockerEvent> {
    return this.openStream<DockerEvent>('watch events', undefined, opts, async (abortSignal) => {
      const filters: Record<string, string[]> = { type: opts.types ?? ['container'] };
      const labels = labelFilter(opts.labels);
      if (labels.length > 0) filters['label'] = labels;
      const stream = await this.dial<IncomingMessage>({
        path: '/events?',
        method: 'GET',
        options: { filters, ...(opts.since ? { since: engineTime(opts.since) } : {}) },
        isStream: true,
        abortSignal,
        statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
      });
      const lines = new JsonLines();
      const toEvents = (items: unknown[]): DockerEvent[] => items.flatMap((item) => {
        const event = toDockerEvent(item);
        return event ? [event] : [];
      });
      return { stream, decoder: { push: (b: Buffer) => toEvents(lines.push(b)), end: () => toEvents(lines.end()) } };
    });
  }

  // ---- volumes and networks (mostly for cleanup) ------------------------------------------------------------

  async createVolume(spec: VolumeSpec, opts?: CallOptions): Promise<string> {
    return this.call('create volume', opts, async (abortSignal) => {
      const v = (await this.docker.createVolume({
        Name: spec.name, Labels: spec.labels ?? {}, ...(spec.driverOpts ? { Driver: 'local', DriverOpts: spec.driverOpts } : {}), abortSignal,
      } as object)) as { name?: string; Name?: string };
      return v.Name ?? v.name ?? spec.name;
    }, { target: spec.name });
  }

  async putArchive(id: string, path: string, tar: Uint8Array, opts?: CallOptions): Promise<void> {
    await this.call('copy files into', opts, (abortSignal) => this.dial<unknown>({
      path: `/containers/${encodeURIComponent(id)}/archive?`,
      method: 'PUT',
      options: { path, noOverwriteDirNonDir: 'true' },
      file: Buffer.from(tar),
      isStream: false,
      abortSignal,
      statusCodes: { 200: true, 400: 'bad parameter', 403: 'permission denied', 404: 'no such container or path', 500: 'server error' },
    } as DockerModem.DialOptions), { target: id });
  }

  getArchive(id: string, path: string, opts: CallOptions = {}): Promise<DockerStream<Uint8Array>> {
    const stream = this.openStream<Uint8Array>('copy files out of', id, opts, async (abortSignal) => {
      const response = await this.dial<IncomingMessage>({
        path: `/containers/${encodeURIComponent(id)}/archive?`,
        method: 'GET',
        options: { path },
        isStream: true,
        abortSignal,
        statusCodes: { 200: true, 400: 'bad parameter', 404: 'no such container or path', 500: 'server error' },
      });
      return { stream: response, decoder: { push: (b: Buffer) => [b], end: () => [] } };
    });
    // The caller learns of a missing path before it starts reading.
    return stream.ready.then(() => stream);
  }

  async listVolumes(opts?: ListOptions): Promise<string[]> {
    return this.call('list volumes', opts, async (abortSignal) => {
      const r = await this.docker.listVolumes({ filters: { label: labelFilter(opts?.labels) }, abortSignal } as object);
      return (r.Volumes ?? []).map((v) => v.Name);
    });
  }

  async removeVolume(name: string, opts?: CallOptions & { force?: boolean }): Promise<void> {
    await this.call('remove volume', opts, (abortSignal) =>
      this.docker.getVolume(name).remove({ force: opts?.force ?? false, abortSignal } as object), { target: name });
  }

  async createNetwork(spec: NetworkSpec, opts?: CallOptions): Promise<string> {
    return this.call('create network', opts, async (abortSignal) => {
      const n = await this.docker.createNetwork({
        Name: spec.name, Labels: spec.labels ?? {}, Internal: spec.internal ?? false, CheckDuplicate: true, abortSignal,
      } as Docker.NetworkCreateOptions);
      return n.id;
    }, { target: spec.name });
  }

  async listNetworks(opts?: ListOptions): Promise<Array<{ id: string; name: string; labels: Record<string, string> }>> {
    return this.call('list networks', opts, async (abortSignal) => {
      const list = await this.docker.listNetworks({ filters: { label: labelFilter(opts?.labels) }, abortSignal } as object);
      return list.map((n) => ({ id: n.Id, name: n.Name, labels: n.Labels ?? {} }));
    });
  }

  async removeNetwork(idOrName: string, opts?: CallOptions): Promise<void> {
    await this.call('remove network', opts, (abortSignal) =>
      this.docker.getNetwork(idOrName).remove({ abortSignal } as object), { target: idOrName });
  }
}

function toDockerEvent(item: unknown): DockerEvent | undefined {
  const type = prop(item, 'Type');
  const action = prop(item, 'Action');
  const actor = prop(item, 'Actor');
  if (typeof type !== 'string' || typeof action !== 'string') return undefined;
  const rawAttributes = prop(actor, 'Attributes');
  const attributes: Record<string, string> = {};
  if (typeof rawAttributes === 'object' && rawAttributes !== null) {
    for (const [k, v] of Object.entries(rawAttributes)) if (typeof v === 'string') attributes[k] = v;
  }
  const id = prop(actor, 'ID');
  const timeNano = prop(item, 'timeNano');
  const time = prop(item, 'time');
  const exitCode = attributes['exitCode'] !== undefined ? Number(attributes['exitCode']) : undefined;
  return {
    type,
    action,
    id: typeof id === 'string' ? id : '',
    ...(attributes['name'] !== undefined ? { name: attributes['name'] } : {}),
    ...(attributes['image'] !== undefined ? { image: attributes['image'] } : {}),
    ...(exitCode !== undefined && Number.isFinite(exitCode) ? { exitCode } : {}),
    attributes,
    time: typeof timeNano === 'number' ? new Date(Math.floor(timeNano / 1e6)) : new Date((typeof time === 'number' ? time : 0) * 1000),
  };
}
