// Ports: the only ways the core reaches the outside. The extension and the CLI pass real implementations;
// unit tests pass in-memory fakes.

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

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
