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
  | 'github-error';

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

export function isFederationError(e: unknown): e is FederationError {
  return e instanceof FederationError;
}

/** A message fit for a user from anything thrown. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
