// The core's only view of a container engine. Everything here is our own vocabulary: no dockerode type leaks
// through, so callers (runner, views, CLI) can be tested against the in-memory fake and the engine library can
// change without touching them. Every failure is a FederationError ('docker-unavailable' | 'docker-timeout' |
// 'docker-error' | 'cancelled' | 'invalid-input').

import type { Readable } from 'node:stream';
import { isFederationError } from '../errors';

/** Default limit for one ordinary engine call. */
export const DEFAULT_DOCKER_TIMEOUT_MS = 15_000;
/** Builds stream a whole context and run steps, so they get much longer. */
export const DEFAULT_BUILD_TIMEOUT_MS = 10 * 60_000;

export interface DockerClientOptions {
  /** DOCKER_HOST style address: unix:///path, npipe:////./pipe/x, tcp://host:port, ssh://user@host. Default: $DOCKER_HOST, then the local socket. */
  host?: string;
  /** Limit for each non-streaming call unless the call says otherwise. */
  timeoutMs?: number;
  /** Limit for buildImage unless the call says otherwise. */
  buildTimeoutMs?: number;
}

/** Accepted by every call: a caller's cancellation and a per-call time limit. */
export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface EngineInfo {
  /** Engine version, e.g. "20.10.24". */
  version: string;
  apiVersion: string;
  /** Operating system of the engine's host, e.g. "Debian GNU/Linux 12 (bookworm)". */
  os: string;
  /** "linux" or "windows": the kind of containers the engine runs. */
  osType: string;
  arch: string;
  kernelVersion: string;
  /** Host name the engine reports. */
  name: string;
  /** Where we reached it, e.g. "unix:///var/run/docker.sock" or "ssh://ci@build-1:22" (never a password). */
  hostLabel: string;
  cgroupVersion: string;
  cgroupDriver: string;
  storageDriver: string;
  /** Engine warnings such as missing swap or pids limit support: limits asked for may not be enforced. */
  warnings: string[];
}

/** A build context: a folder on disk (its .dockerignore applies) or a tar archive (stream or bytes). */
export type BuildContext = { folder: string } | { tar: Readable | Buffer };

export interface BuildOptions extends CallOptions {
  /** Name:tag given to the result. */
  tag: string;
  /** Path of the Dockerfile inside the context. Default "Dockerfile". */
  dockerfile?: string;
  labels?: Record<string, string>;
  buildArgs?: Record<string, string>;
  /** Do not use the layer cache. */
  noCache?: boolean;
  /** Each line of build output as it arrives (step headers, RUN output). */
  onProgress?: (line: string) => void;
}

export interface BuildResult {
  imageId: string;
  tag: string;
}

export interface ImageSummary {
  id: string;
  tags: string[];
  labels: Record<string, string>;
  sizeBytes: number;
}

export interface MountSpec {
  /** Absolute host path for a bind mount; volume name for a volume mount. */
  source: string;
  /** Absolute path inside the container. */
  target: string;
  readOnly?: boolean;
  /** Default "bind". A bind source must already exist (the engine does not create it as root for us). */
  type?: 'bind' | 'volume';
}

export type NetworkMode = 'none' | 'bridge' | (string & {});

/** The confinement of a container. What is left out is the engine's default (i.e. not confined). */
export interface Hardening {
  /** Capabilities to drop; ['ALL'] drops every one. */
  capDrop?: string[];
  /** Capabilities to add back after dropping. */
  capAdd?: string[];
  readOnlyRootfs?: boolean;
  /** Sets no-new-privileges: setuid binaries and file capabilities cannot raise privileges. */
  noNewPrivileges?: boolean;
  /** Memory limit in bytes (swap is limited to the same amount, i.e. no extra swap). */
  memoryBytes?: number;
  /** CPU limit in units of 1e-9 CPUs (1.5 CPUs = 1_500_000_000). */
  nanoCpus?: number;
  /** Maximum number of processes/threads. */
  pidsLimit?: number;
  /** 'none' (only loopback), 'bridge', or the name of a user-defined network. */
  network?: NetworkMode;
}

/** Confinement suitable for agent containers: callers spread their own limits over it. */
export const HARDENED_DEFAULTS: Readonly<Required<Omit<Hardening, 'capAdd' | 'nanoCpus'>>> = Object.freeze({
  capDrop: ['ALL'],
  readOnlyRootfs: true,
  noNewPrivileges: true,
  memoryBytes: 2 * 1024 * 1024 * 1024,
  pidsLimit: 512,
  network: 'none',
});

export interface ContainerSpec {
  /** Container name; the engine picks one when left out. */
  name?: string;
  image: string;
  cmd?: string[];
  entrypoint?: string[];
  /** "uid", "uid:gid" or a user name known to the image. */
  user?: string;
  env?: Record<string, string>;
  labels?: Record<string, string>;
  workingDir?: string;
  mounts?: MountSpec[];
  /** tmpfs mounts: target path -> mount options, e.g. { '/tmp': 'rw,noexec,nosuid,size=64m' }. */
  tmpfs?: Record<string, string>;
  hardening?: Hardening;
  /** Allocate a terminal: logs then come back as one stdout stream. */
  tty?: boolean;
  /** Run the engine's init (docker-init) as PID 1: it forwards SIGTERM to the command and reaps orphans. */
  init?: boolean;
}

export interface CreatedContainer {
  id: string;
  /** Engine warnings, e.g. a memory/swap limit the kernel cannot enforce and that was dropped. */
  warnings: string[];
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** Hardening as the engine reports it back: what is actually in force, field by field. */
export interface AppliedHardening {
  capDrop: string[];
  capAdd: string[];
  readOnlyRootfs: boolean;
  noNewPrivileges: boolean;
  /** 0 = unlimited. */
  memoryBytes: number;
  /** 0 = unlimited. */
  nanoCpus: number;
  /** 0 = unlimited. */
  pidsLimit: number;
  network: string;
  /** All security options as given to the engine, e.g. ["no-new-privileges"]. */
  securityOpt: string[];
}

export interface ContainerInfo {
  id: string;
  /** Without the engine's leading "/". */
  name: string;
  /** The image reference the container was created from. */
  image: string;
  imageId: string;
  labels: Record<string, string>;
  state: ContainerState;
  running: boolean;
  /** Null while it never ran. */
  exitCode: number | null;
  oomKilled: boolean;
  /** Engine's error text for a failed start, if any. */
  error?: string;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  restartCount: number;
  user: string;
  cmd: string[];
  env: Record<string, string>;
  workingDir: string;
  mounts: Array<Required<MountSpec>>;
  tmpfs: Record<string, string>;
  hardening: AppliedHardening;
}

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  state: ContainerState;
  /** Human status from the engine, e.g. "Up 3 minutes". */
  status: string;
}

export interface ListOptions extends CallOptions {
  /** Only objects carrying all these labels with exactly these values. */
  labels?: Record<string, string>;
}

export interface StopOptions extends CallOptions {
  /** Seconds the engine waits after SIGTERM before SIGKILL. Default 10. */
  graceSeconds?: number;
}

export interface RemoveOptions extends CallOptions {
  /** Kill it first if it is running. */
  force?: boolean;
  /** Also remove its anonymous volumes. */
  removeVolumes?: boolean;
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** No limit unless given: a container may legitimately run for hours. */
  timeoutMs?: number;
  /** 'not-running' (default) returns at once for a stopped container; 'next-exit' waits for the next exit. */
  condition?: 'not-running' | 'next-exit' | 'removed';
}

export interface WaitResult {
  exitCode: number;
  /** Engine's error text when waiting itself went wrong. */
  error?: string;
}

export interface LogOptions {
  /** Keep streaming new output until the container stops, close() is called or the signal aborts. */
  follow?: boolean;
  /** Only the last N lines of what exists already. */
  tail?: number;
  /** Only output since this time. */
  since?: Date;
  signal?: AbortSignal;
  /** Limit for the engine to accept the request (not for the stream itself). */
  timeoutMs?: number;
}

export interface LogChunk {
  stream: 'stdout' | 'stderr';
  /** Text as the program wrote it: may hold several lines or part of one. */
  text: string;
}

export interface EventOptions {
  labels?: Record<string, string>;
  /** Object types to report. Default: containers only. */
  types?: Array<'container' | 'image' | 'volume' | 'network'>;
  /** Replay events since this time first (the engine keeps a short history). */
  since?: Date;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface DockerEvent {
  type: 'container' | 'image' | 'volume' | 'network' | (string & {});
  /** create, start, die, stop, kill, oom, restart, destroy, … for containers. */
  action: string;
  /** Container/image/volume/network id. */
  id: string;
  /** Container name (when the engine says). */
  name?: string;
  image?: string;
  /** For "die". */
  exitCode?: number;
  /** Everything the engine attached: for containers their labels plus keys such as "signal" for kill. */
  attributes: Record<string, string>;
  time: Date;
}

/**
 * A live stream from the engine. Iterate it once. Iteration ends when the engine ends the stream, close() is
 * called or the caller's signal aborts; it throws a FederationError when the connection fails.
 */
export interface DockerStream<T> extends AsyncIterable<T> {
  /** Resolves once the engine accepted the request: for events, nothing that happens after this is missed. */
  readonly ready: Promise<void>;
  close(): void;
}

export interface VolumeSpec {
  name: string;
  labels?: Record<string, string>;
  /** The local driver's options, e.g. { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } for a volume held in memory. */
  driverOpts?: Record<string, string>;
}

export interface NetworkSpec {
  name: string;
  labels?: Record<string, string>;
  /** No route to the outside: containers on it reach only each other. */
  internal?: boolean;
}

export interface DockerClient {
  /** Where this client talks to, e.g. "unix:///var/run/docker.sock". */
  readonly hostLabel: string;

  ping(opts?: CallOptions): Promise<void>;
  info(opts?: CallOptions): Promise<EngineInfo>;

  buildImage(context: BuildContext, opts: BuildOptions): Promise<BuildResult>;
  imageExists(ref: string, opts?: CallOptions): Promise<boolean>;
  listImages(opts?: ListOptions): Promise<ImageSummary[]>;
  removeImage(ref: string, opts?: CallOptions & { force?: boolean }): Promise<void>;

  /** Creates (does not start) a container. */
  createContainer(spec: ContainerSpec, opts?: CallOptions): Promise<CreatedContainer>;
  /** Starting a running container is not an error. */
  startContainer(id: string, opts?: CallOptions): Promise<void>;
  /** Stopping a stopped container is not an error. */
  stopContainer(id: string, opts?: StopOptions): Promise<void>;
  restartContainer(id: string, opts?: StopOptions): Promise<void>;
  removeContainer(id: string, opts?: RemoveOptions): Promise<void>;
  inspectContainer(id: string, opts?: CallOptions): Promise<ContainerInfo>;
  /** All containers (running or not), optionally filtered by labels. */
  listContainers(opts?: ListOptions): Promise<ContainerSummary[]>;
  waitContainer(id: string, opts?: WaitOptions): Promise<WaitResult>;
  logs(id: string, opts?: LogOptions): DockerStream<LogChunk>;
  events(opts?: EventOptions): DockerStream<DockerEvent>;

  createVolume(spec: VolumeSpec, opts?: CallOptions): Promise<string>;
  /** Unpacks a tar archive into the container's file system at `path` (a folder); works on a created container. */
  putArchive(id: string, path: string, tar: Uint8Array, opts?: CallOptions): Promise<void>;
  /** A tar archive of `path` in the container (its last component is the archive's top entry), as it streams. */
  getArchive(id: string, path: string, opts?: CallOptions): Promise<DockerStream<Uint8Array>>;
  listVolumes(opts?: ListOptions): Promise<string[]>;
  removeVolume(name: string, opts?: CallOptions & { force?: boolean }): Promise<void>;
  createNetwork(spec: NetworkSpec, opts?: CallOptions): Promise<string>;
  listNetworks(opts?: ListOptions): Promise<Array<{ id: string; name: string; labels: Record<string, string> }>>;
  removeNetwork(idOrName: string, opts?: CallOptions): Promise<void>;
}

/** True for a 'docker-error' whose engine status was `status` (e.g. 404: no such container/image). */
export function isDockerStatus(e: unknown, status: number): boolean {
  return isFederationError(e, 'docker-error') && e.details['statusCode'] === status;
}
