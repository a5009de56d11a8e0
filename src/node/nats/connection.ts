// The connection to the NATS servers of a federation: credentials from the front end (never from the workspace),
// reconnecting for as long as the process lives, and what its errors mean for a change: refused (another commit
// came first), not sent (no server), or unknown (sent, but no answer came back).
import { readFileSync } from 'node:fs';
import * as transport from '@nats-io/transport-node';

/** The client's connection (typed from connect: transport-node's type re-exports do not resolve under node10). */
export type NatsConnection = Awaited<ReturnType<typeof transport.connect>>;
type Authenticator = NonNullable<Parameters<typeof transport.connect>[0]>['authenticator'];
// transport-node re-exports the core's authenticators; only their types are out of reach.
const { credsAuthenticator } = transport as unknown as { credsAuthenticator(creds: Uint8Array): Authenticator };
const connect = transport.connect;
import { FederationError } from '../../core/errors';

/** What the front end knows: the editor's settings and secret storage, the CLI's environment. */
export interface NatsCredentials {
  /** A server token (FEDERATION_NATS_TOKEN). */
  token?: string;
  /** A .creds file (user JWT and NKey seed; FEDERATION_NATS_CREDS). */
  credsFile?: string;
  /** A CA certificate (PEM) the servers' TLS certificates are checked against (FEDERATION_NATS_CA). */
  caFile?: string;
}

export interface ConnectOptions {
  servers: string[];
  federation: string;
  credentials: NatsCredentials;
  /** Milliseconds to wait for the first connection to each server. */
  connectTimeoutMs?: number;
}

export async function openConnection(options: ConnectOptions): Promise<NatsConnection> {
  const { credentials: c } = options;
  try {
    return await connect({
      servers: options.servers,
      name: `agent-federation ${options.federation}`,
      ...(c.token ? { token: c.token } : {}),
      ...(c.credsFile ? { authenticator: credsAuthenticator(new Uint8Array(readFileSync(c.credsFile))) } : {}),
      ...(c.caFile ? { tls: { caFile: c.caFile } } : {}),
      timeout: options.connectTimeoutMs ?? 3000,
      // Once connected, keep trying forever: a server that restarts, a cluster that comes back, is found again.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      reconnectJitter: 100,
      // A server that dies without closing the socket is noticed within seconds, not minutes.
      pingInterval: 5000,
      maxPingOut: 2,
      waitOnFirstConnect: false,
    });
  } catch (e) {
    throw unavailable(options, `cannot be reached (${describe(e)})`, 'not-written', e);
  }
}

export function unavailable(options: Pick<ConnectOptions, 'servers' | 'federation'>, what: string, outcome: 'not-written' | 'unknown', cause?: unknown): FederationError {
  const tail =
    outcome === 'unknown'
      ? ' The change was sent but its commit was not confirmed: it is either recorded whole or not at all; look again when the servers are back.'
      : ' Nothing was changed.';
  return new FederationError(
    'backend-unavailable',
    `The NATS servers of federation "${options.federation}" (${options.servers.join(', ')}) ${what}.${tail}`,
    { backend: 'nats', servers: options.servers, federation: options.federation, outcome },
    cause === undefined ? undefined : { cause },
  );
}

export function describe(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

function shape(e: unknown): ErrorShape {
  return typeof e === 'object' && e !== null ? (e as ErrorShape) : {};
}

/** The stream refused the commit because another one landed first (JetStream API error 10071). */
export function isWrongLastSequence(e: unknown): boolean {
  const s = shape(e);
  return s.name === 'JetStreamApiError' && s.code === 10071;
}

/**
 * The stream's last sequence when it refused a commit for another landed first, as its answer gives it ("wrong
 * last sequence: N", the server's own wording, the only place it is given); undefined when it does not say.
 * A hint only: the caller waits for that commit before deciding again, instead of for the next one.
 */
export function wrongLastSequenceIs(e: unknown): number | undefined {
  const m = /wrong last sequence: (\d+)/.exec(typeof shape(e).message === 'string' ? (shape(e).message as string) : '');
  return m ? Number(m[1]) : undefined;
}

/** The stream or a bucket does not exist (10059). */
export function isStreamNotFound(e: unknown): boolean {
  const s = shape(e);
  return s.name === 'StreamNotFoundError' || (s.name === 'JetStreamApiError' && s.code === 10059);
}

/**
 * No answer: a timeout, no JetStream responding (the meta leader or the stream's leader is being elected, the
 * cluster is down), the connection closed or reconnecting. Whether a publish landed is then unknown.
 */
export function isNoAnswer(e: unknown): boolean {
  const s = shape(e);
  const names = ['TimeoutError', 'NoRespondersError', 'RequestError', 'ConnectionError', 'ClosedConnectionError', 'JetStreamNotEnabled', 'DrainingConnectionError'];
  if (typeof s.name === 'string' && names.includes(s.name)) return true;
  // JetStream's own "temporarily unavailable" answers while a stream elects a leader (503, 10008).
  if (s.name === 'JetStreamApiError' && (s.code === 10008 || s.code === 10023)) return true;
  return s.cause !== undefined && s.cause !== e && isNoAnswer(s.cause);
}

/** connected / disconnected as the federation's views show it. */
export function followStatus(nc: NatsConnection, onChange: (connected: boolean, reason?: string) => void): void {
  void (async () => {
    for await (const s of nc.status() as AsyncIterable<{ type: string; server?: unknown }>) {
      if (s.type === 'disconnect') onChange(false, `lost the connection to ${s.server === undefined ? 'the server' : String(s.server)}`);
      else if (s.type === 'reconnect') onChange(true);
      else if (s.type === 'close') onChange(false, 'the connection was closed');
    }
  })().catch(() => undefined);
}
