// DOCKER_HOST parsing, done here rather than by the engine library so that a bad address is reported as ours
// (invalid-input, naming the setting) and the process environment never silently overrides an explicit host.

import { FederationError } from '../errors';

export type DockerEndpoint =
  | { kind: 'unix' | 'npipe'; socketPath: string; label: string }
  | { kind: 'tcp'; host: string; port: number; tls: boolean; label: string }
  | { kind: 'ssh'; host: string; port: number; username?: string; label: string };

export const DEFAULT_UNIX_SOCKET = '/var/run/docker.sock';
export const DEFAULT_NPIPE = '//./pipe/docker_engine';

export interface ParseHostOptions {
  /** DOCKER_TLS_VERIFY=1: talk https to tcp:// hosts. */
  tlsVerify?: boolean;
  /** process.platform; decides the default local endpoint. */
  platform?: string;
}

/**
 * The value as it may be shown: a password in it is masked, from the first ":" of the user part to the last "@"
 * (a password may hold "@" or "/"), with or without a scheme.
 */
function redact(value: string): string {
  const scheme = value.indexOf('://');
  const start = scheme < 0 ? 0 : scheme + 3;
  const at = value.lastIndexOf('@');
  const colon = value.indexOf(':', start);
  return at > start && colon >= 0 && colon < at ? `${value.slice(0, colon + 1)}***${value.slice(at)}` : value;
}

function invalid(value: string, why: string): FederationError {
  const shown = redact(value);
  return new FederationError(
    'invalid-input',
    `Docker host "${shown}" is not usable: ${why}. Use unix:///path/to/docker.sock, tcp://host:port or ssh://user@host.`,
    { host: shown },
  );
}

/** Parses a DOCKER_HOST value; empty means the platform's local engine. */
export function parseDockerHost(value: string | undefined, opts: ParseHostOptions = {}): DockerEndpoint {
  const raw = (value ?? '').trim();
  const platform = opts.platform ?? process.platform;
  if (raw === '') {
    return platform === 'win32'
      ? { kind: 'npipe', socketPath: DEFAULT_NPIPE, label: `npipe://${DEFAULT_NPIPE}` }
      : { kind: 'unix', socketPath: DEFAULT_UNIX_SOCKET, label: `unix://${DEFAULT_UNIX_SOCKET}` };
  }
  // A bare absolute path is what people paste from error messages; treat it as the socket it names.
  if (raw.startsWith('/')) return { kind: 'unix', socketPath: raw, label: `unix://${raw}` };

  const schemeEnd = raw.indexOf('://');
  // Like the docker CLI: no scheme means tcp.
  const scheme = schemeEnd < 0 ? 'tcp' : raw.slice(0, schemeEnd).toLowerCase();
  const rest = schemeEnd < 0 ? raw : raw.slice(schemeEnd + 3);

  switch (scheme) {
    case 'unix': {
      const socketPath = rest === '' ? DEFAULT_UNIX_SOCKET : rest;
      if (!socketPath.startsWith('/')) throw invalid(raw, 'a unix socket path must be absolute');
      return { kind: 'unix', socketPath, label: `unix://${socketPath}` };
    }
    case 'npipe': {
      const socketPath = rest === '' ? DEFAULT_NPIPE : rest;
      return { kind: 'npipe', socketPath, label: `npipe://${socketPath}` };
    }
    case 'tcp':
    case 'http':
    case 'https': {
      const url = parseUrl(raw, `http://${rest}`);
      // The engine's API takes no user or password: URL would drop them silently and connect without.
      if (url.username !== '' || url.password !== '') throw invalid(raw, 'put no user or password in a tcp:// address; use TLS certificates (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH) or ssh://user@host');
      if (url.pathname !== '/' && url.pathname !== '') throw invalid(raw, 'a path after host:port is not supported');
      const explicitPort = url.port === '' ? undefined : Number(url.port);
      const tls = scheme === 'https' || opts.tlsVerify === true || explicitPort === 2376;
      const port = explicitPort ?? (tls ? 2376 : 2375);
      const host = stripBrackets(url.hostname);
      if (host === '') throw invalid(raw, 'the host name is missing');
      return { kind: 'tcp', host, port, tls, label: `tcp://${url.hostname}:${port}` };
    }
    case 'ssh': {
      const url = parseUrl(raw, `ssh://${rest}`);
      const host = stripBrackets(url.hostname);
      if (host === '') throw invalid(raw, 'the host name is missing');
      if (url.password !== '') throw invalid(raw, 'put no password in the address; use an ssh agent or key');
      const port = url.port === '' ? 22 : Number(url.port);
      const username = url.username === '' ? undefined : decodeURIComponent(url.username);
      return {
        kind: 'ssh', host, port, ...(username !== undefined ? { username } : {}),
        label: `ssh://${username !== undefined ? `${username}@` : ''}${url.hostname}:${port}`,
      };
    }
    default:
      throw invalid(raw, `the scheme "${scheme}://" is not supported`);
  }
}

function parseUrl(raw: string, normalized: string): URL {
  try {
    return new URL(normalized);
  } catch {
    throw invalid(raw, 'it is not a valid address');
  }
}

/** URL keeps IPv6 literals in brackets; sockets want them bare. */
function stripBrackets(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}
