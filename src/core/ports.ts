// Ports: the only ways the core reaches the outside. The extension and the CLI pass real implementations;
// unit tests pass in-memory fakes.
import type * as NodeFs from 'node:fs';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * Waiting: what the core schedules for later (a retry's backoff, a poll) goes through here, so a test can move
 * time by hand (test/helpers/fakeClock.ts is a Clock and Timers both) instead of sleeping. The handle is opaque.
 */
export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Whatever setTimeout returned; only clearTimeout of the same Timers looks inside. */
export type TimerHandle = unknown;

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Identity of the process acting on shared state (written into resource locks). */
export interface ProcessIdentity {
  host: string;
  pid: number;
}

/**
 * The processes of this host, as far as a lock needs them: who this process is, and whether the process that
 * holds a lock still runs. A lock whose holder is on this host and gone is taken over at once instead of after
 * the stale window. The Node adapter is src/node/processes.ts.
 */
export interface HostProcesses {
  readonly self: ProcessIdentity & { /** The PID namespace (a container has its own): pids compare only within one. */ pidNamespace?: string };
  /** Whether a process with this pid runs now (in this PID namespace). */
  isRunning(pid: number): boolean;
}

// The file system the core works on. A type-only import: the core names Node's signatures (so the Node adapter
// is Node's own fs and a test double implements exactly these), but never loads node:fs itself; the composition
// roots pass `nodeFileSystem` from src/node/fs.ts. Only what the core uses is here: widen it when a module needs
// more, so a fake knows what it must implement.

type Promises = typeof NodeFs.promises;

export type FileSystem = Pick<
  Promises,
  | 'access' | 'appendFile' | 'chmod' | 'chown' | 'copyFile' | 'cp' | 'lchown' | 'link' | 'lstat' | 'mkdir' | 'open'
  | 'readdir' | 'readFile' | 'readlink' | 'realpath' | 'rename' | 'rm' | 'rmdir' | 'stat' | 'symlink' | 'unlink' | 'utimes'
  | 'writeFile'
> & {
  readonly sync: Pick<
    typeof NodeFs,
    | 'closeSync' | 'existsSync' | 'fdatasyncSync' | 'fstatSync' | 'lstatSync' | 'mkdirSync' | 'openSync' | 'readdirSync'
    | 'readFileSync' | 'realpathSync' | 'renameSync' | 'rmSync' | 'rmdirSync' | 'statSync' | 'utimesSync' | 'writeFileSync' | 'writeSync'
  >;
  readonly createWriteStream: typeof NodeFs.createWriteStream;
  readonly watch: typeof NodeFs.watch;
  readonly constants: typeof NodeFs.constants;
};

export type FileHandle = NodeFs.promises.FileHandle;
export type Stats = NodeFs.Stats;
export type Dirent = NodeFs.Dirent;

/** The process environment as the core reads it (never written): the front end passes process.env or a copy. */
export type Environment = Readonly<Record<string, string | undefined>>;
