// The contract every `federation <group>` subcommand module implements. main.ts owns global flags
// (--root, --json, --help) and exit-code mapping; a command module only parses its own words.

import type { CliServices } from './services';

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
  /** The application services for this root, built once by main() (the composition root). */
  services: CliServices;
  json: boolean;
  /** Writes stdout exactly (JSON, SARIF, HTML); human text written here goes through printable() first. */
  out(text: string): void;
  /** Human text on stderr; main.ts escapes terminal controls in it (printable). */
  err(text: string): void;
  /** Prints a value: as stable JSON with --json, otherwise through `human`, its terminal controls escaped. */
  print(value: unknown, human: () => string): void;
}

/**
 * How a flag takes its value. `value`: one (given twice, the last wins); `list`: repeatable, each value kept;
 * `bool`: bare, no value; an array: one value out of these.
 */
export type FlagKind = 'value' | 'list' | 'bool' | readonly string[];

/** One subcommand's command line: what `defineCommand` checks before the subcommand acts. */
export interface SubcommandSpec {
  /** The usage form after `federation <command> <subcommand>`. */
  usage: string;
  /** Names of the words after the subcommand, as the usage shows them: `X...` (last) is one or more, `[X]` optional. */
  words?: readonly string[];
  /** Every flag the subcommand reads. --json, --root and --help are valid everywhere and not listed. */
  flags?: Readonly<Record<string, FlagKind>>;
  /** With this flag given, further words are more of its values (`--only a b`). */
  wordsOf?: string;
}

export interface CliCommand {
  name: string;
  /** Every subcommand and its command line; the key '' is a command without subcommand word (`init`). */
  subcommands: Readonly<Record<string, SubcommandSpec>>;
  /** One line per usage form, shown by `federation --help` and on usage errors. */
  usage: string[];
  /** Checks the command line against `subcommands` (a UsageError before anything is done), then runs. */
  run(ctx: CliContext, args: ParsedArgs): Promise<number>;
}

/** Thrown by a command for a malformed command line; main prints the usage and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
