// Every failure the core reports is a FederationError with a machine-readable reason, so callers (views, commands,
// the CLI's exit codes) branch on `reason`, never on message text.

export type ErrorReason =
  | 'not-initialized'
  | 'already-initialized'
  | 'state-corrupt'
  | 'lock-timeout'
  | 'lock-compromised'
  | 'not-found'
  | 'already-exists'
  | 'invalid-input'
  | 'skill-scope'
  | 'not-assignee'
  | 'invalid-transition'
  /** A claim of a task whose dependencies are not all done. details: task, blockers ({ task, status }[]). */
  | 'blocked'
  | 'unavailable'
  | 'resource-locked'
  | 'not-lock-holder'
  | 'no-route'
  | 'outside-workspace'
  | 'docker-unavailable'
  | 'docker-timeout'
  | 'docker-error'
  | 'cancelled'
  | 'not-approved'
  // GitHub (src/core/matrix/github*.ts): no or a refused token, no answer at all, a rate limit that outlasts the
  // wait we allow, anything else the API refused (the HTTP status is in details.status).
  | 'github-auth'
  | 'github-unreachable'
  | 'github-rate-limited'
  | 'github-error'
  | 'package-refused'
  /** A download (a GitHub artifact) larger than the limit we accept; it is not kept. details: limit, size when known. */
  | 'too-large'
  /** Something that would run code the workspace defines, refused in an untrusted (restricted mode) workspace. */
  | 'untrusted-workspace'
  /** git refused or failed (worktrees, review, merge). details: command, code, stderr. */
  | 'git-error'
  /** A removal that would lose work: uncommitted changes or commits not merged. details: task, dirty, ahead. */
  | 'unsaved-work'
  /** A merge that would conflict; nothing was changed. details: task, files. */
  | 'merge-conflict'
  /**
   * The shared state's backend (NATS) cannot be reached, or stopped answering during a change; nothing was
   * half-applied. details: backend, servers, federation, and outcome ('not-written' or 'unknown' when a change was
   * sent but its commit could not be confirmed before the servers went away).
   */
  | 'backend-unavailable'
  /** `federation migrate`: the source changed while it was copied; config.yaml was not switched. details: problems. */
  | 'source-changed'
  /** An export the receiver did not take (a run's trace over OTLP/HTTP): unreachable, no answer within the timeout,
   * or refused. details: endpoint, and status (the HTTP status) when it answered, code (the socket error) when not. */
  | 'export-failed';

// Each shipped bundle (dist/extension.js, dist/cli.js, dist/docker.js) carries its own copy of this class, so
// `instanceof` fails for an error raised in another bundle. The brand is a registered symbol, the same in every
// copy and in every realm, and it survives minification; isFederationError() checks it. Never use instanceof.
const BRAND: unique symbol = Symbol.for('agent-federation.FederationError') as never;

export class FederationError extends Error {
  override readonly name: string = 'FederationError';
  constructor(
    readonly reason: ErrorReason,
    message: string,
    /** Structured details for --json output and tree items (file, field, ids). */
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    Object.defineProperty(this, BRAND, { value: true, enumerable: false });
  }

  toJSON(): { reason: ErrorReason; message: string; details: Record<string, unknown> } {
    return { reason: this.reason, message: this.message, details: this.details };
  }
}

/** A state file that cannot be parsed or does not match its schema. It is never overwritten. */
export class StateFileError extends FederationError {
  override readonly name = 'StateFileError';
  constructor(
    readonly file: string,
    /** Dotted path of the first bad field, or '' when the file is not JSON/YAML at all. */
    readonly field: string,
    problem: string,
    /** Where an untouched copy of the bad file was kept. */
    readonly keptCopy?: string,
  ) {
    super(
      'state-corrupt',
      `${file}: ${field ? `field "${field}": ` : ''}${problem}` +
        (keptCopy ? ` (a copy is kept at ${keptCopy}; the file was not changed)` : ' (the file was not changed)'),
      { file, field, keptCopy },
    );
  }
}

/** One file of a refused package, as the manifest tells it: where it came from, why it is out, whether that refused it. */
export interface RefusedFile {
  source: string;
  reason: string;
  detail: string;
  /** True when this exclusion is what refused the package (asked for explicitly). */
  blocking: boolean;
}

/**
 * A bootstrap package that may not be handed over (its manifest is not ok), so nothing that needs it is started.
 * Carries the manifest's account so callers can list what was refused without reading the message.
 */
export class PackageRefusedError extends FederationError {
  override readonly name = 'PackageRefusedError';
  constructor(
    /** Workspace-relative brief (or persona) the package was for. */
    readonly subject: string,
    /** The manifest's refusals, in words. */
    readonly refusals: string[],
    /** Every file left out of the package, blocking ones first. */
    readonly files: RefusedFile[],
    what = 'nothing was started',
  ) {
    const blocking = files.filter((f) => f.blocking);
    const others = files.filter((f) => !f.blocking);
    const line = (f: RefusedFile) => `  - ${f.source} (${f.reason}): ${f.detail}`;
    const shown = (list: RefusedFile[]) => [...list.slice(0, 20).map(line), ...(list.length > 20 ? [`  … and ${list.length - 20} more`] : [])];
    const secretRefusals = refusals.filter((r) => !blocking.some((f) => f.detail === r));
    super(
      'package-refused',
      [
        `The bootstrap package for ${subject} is refused, so ${what}:`,
        ...shown(blocking),
        ...secretRefusals.map((r) => `  - ${r}`),
        ...(others.length ? ['Left out without refusing (not visible to the agent):', ...shown(others)] : []),
      ].join('\n'),
      { subject, refusals, files },
    );
  }
}

/** True for a FederationError from any bundle (see BRAND); with `reasons`, only for one of those reasons. */
export function isFederationError(e: unknown, ...reasons: ErrorReason[]): e is FederationError {
  if (typeof e !== 'object' || e === null || (e as { [BRAND]?: unknown })[BRAND] !== true) return false;
  return reasons.length === 0 || reasons.includes((e as FederationError).reason);
}

/** True for a StateFileError from any bundle: a state-corrupt FederationError that names its file and field. */
export function isStateFileError(e: unknown): e is StateFileError {
  return isFederationError(e, 'state-corrupt') && typeof (e as Partial<StateFileError>).file === 'string' && typeof (e as Partial<StateFileError>).field === 'string';
}

/** A message fit for a user from anything thrown. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
