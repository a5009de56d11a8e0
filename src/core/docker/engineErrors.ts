// Turns whatever the engine library throws into a FederationError with a fixed reason and a message a user can
// act on. Decisions use error codes and HTTP status only; the library's error object (and its stack) is dropped
// so that it never reaches views, logs or --json output.

import { FederationError, isFederationError } from '../errors';

export interface CallContext {
  /** What we were doing, e.g. "start container". */
  operation: string;
  hostLabel: string;
  /** Container/image the call was about. */
  target?: string;
  timeoutMs: number;
  /** Our own timer fired. */
  timedOut: boolean;
  /** The caller's signal aborted. */
  cancelled: boolean;
}

/** Socket-level failures: nothing is listening, nothing is there, or we may not talk to it. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED', 'ENOENT', 'EACCES', 'EPERM', 'ENOTSOCK', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH',
  'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'ECONNABORTED',
]);
const PERMISSION_CODES = new Set(['EACCES', 'EPERM']);

function prop(e: unknown, key: string): unknown {
  return typeof e === 'object' && e !== null ? (e as Record<string, unknown>)[key] : undefined;
}

/** The engine's own words from an error response body ({"message": "..."}), if there is one. */
export function engineMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim() || undefined;
  if (Buffer.isBuffer(body)) return body.toString('utf8').trim() || undefined;
  const message = prop(body, 'message');
  return typeof message === 'string' && message.trim() !== '' ? message.trim() : undefined;
}

export function unavailableError(hostLabel: string, code?: string): FederationError {
  const details = { host: hostLabel, ...(code ? { code } : {}) };
  if (code && PERMISSION_CODES.has(code)) {
    return new FederationError(
      'docker-unavailable',
      `Permission denied talking to Docker at ${hostLabel}. Add your user to the "docker" group and log in again, ` +
        'or set DOCKER_HOST to an engine you may use.',
      details,
    );
  }
  return new FederationError(
    'docker-unavailable',
    `Docker is not running or not reachable at ${hostLabel}. Is Docker running? Start it with ` +
      '"sudo systemctl start docker" (or "sudo dockerd &" where there is no systemd; Docker Desktop on macOS and ' +
      'Windows), or set DOCKER_HOST to an engine that is running.',
    details,
  );
}

export function toFederationError(err: unknown, ctx: CallContext): FederationError {
  if (isFederationError(err)) return err;
  const about = ctx.target ? ` ${ctx.target}` : '';
  if (ctx.cancelled) {
    return new FederationError('cancelled', `Docker ${ctx.operation}${about} was cancelled.`, {
      host: ctx.hostLabel, operation: ctx.operation,
    });
  }
  if (ctx.timedOut) {
    return new FederationError(
      'docker-timeout',
      `Docker did not finish ${ctx.operation}${about} within ${formatSeconds(ctx.timeoutMs)} (engine at ${ctx.hostLabel}).`,
      { host: ctx.hostLabel, operation: ctx.operation, timeoutMs: ctx.timeoutMs },
    );
  }
  const statusCode = prop(err, 'statusCode');
  if (typeof statusCode === 'number') {
    // Without a body, the library's short status text ("no such container") is the best there is.
    const reason = prop(err, 'reason');
    const said = engineMessage(prop(err, 'json')) ?? (typeof reason === 'string' ? reason : 'unexpected response');
    const executable = missingExecutable(said);
    return new FederationError(
      'docker-error',
      `Docker ${ctx.operation}${about} failed (HTTP ${statusCode}): ${said}`,
      {
        host: ctx.hostLabel, operation: ctx.operation, statusCode, engineMessage: said, ...(ctx.target ? { target: ctx.target } : {}),
        ...(executable ? { cause: 'executable-not-found', executable } : {}),
      },
    );
  }
  const code = prop(err, 'code');
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return unavailableError(ctx.hostLabel, code);
  // ssh2 tags its failures with a level: client-socket, client-timeout, client-authentication, ...
  const level = prop(err, 'level');
  if (typeof level === 'string' && level.startsWith('client-')) {
    const auth = level === 'client-authentication';
    return new FederationError(
      'docker-unavailable',
      auth
        ? `SSH login to ${ctx.hostLabel} was refused. Check that your ssh agent holds a key the host accepts.`
        : `Could not reach Docker over SSH at ${ctx.hostLabel}. Check the host name, that sshd runs there, and that ` +
          'the docker CLI is installed on it.',
      { host: ctx.hostLabel, sshLevel: level },
    );
  }
  const message = prop(err, 'message');
  return new FederationError(
    'docker-error',
    `Docker ${ctx.operation}${about} failed: ${typeof message === 'string' ? message : String(err)}`,
    { host: ctx.hostLabel, operation: ctx.operation, ...(typeof code === 'string' ? { code } : {}) },
  );
}

/**
 * The program a container could not exec, from the runtime's words (runc: `exec: "claude": executable file not
 * found in $PATH`, or `... no such file or directory` for an absolute path). The engine has no error code for
 * it, so this is the one place its text is read; callers branch on details.cause.
 */
export function missingExecutable(engineText: string): string | undefined {
  const m = /exec: "([^"]+)": (?:executable file not found|stat [^:]*: no such file or directory|no such file or directory)/.exec(engineText);
  return m?.[1];
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
