// The contract every `federation <group>` subcommand module implements. main.ts owns global flags
// (--root, --json, --help) and exit-code mapping; a command module only parses its own words.

export const EXIT = {
  ok: 0,
  /** A failure: bad state, a refused change, a failed check. */
  error: 1,
  /** The command line itself is wrong. */
  usage: 2,
  /** Nothing fitted (task claim with no eligible task). */
  nothingToDo: 3,
} as const;

export interface ParsedArgs {
  /** Words after the group name, flags removed: `task claim --persona x` gives ['claim']. */
  positionals: string[];
  /** `--name value`, `--name=value`; a bare `--flag` is true. Repeated flags collect into arrays. */
  flags: Map<string, string | boolean | string[]>;
}

export interface CliContext {
  /** Absolute workspace root (--root, default cwd). */
  root: string;
  json: boolean;
  out(text: string): void;
  err(text: string): void;
  /** Prints a value: as stable JSON with --json, otherwise through `human`. */
  print(value: unknown, human: () => string): void;
}

export interface CliCommand {
  name: string;
  /** One line per usage form, shown by `federation --help` and on usage errors. */
  usage: string[];
  run(ctx: CliContext, args: ParsedArgs): Promise<number>;
}

/** Thrown by a command for a malformed command line; main prints the usage and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
