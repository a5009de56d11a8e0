// `federation` — the command-line front over the core, for CI jobs and scripts.
// Exit codes: 0 ok, 1 failure (with the reason on stderr), 2 usage error, 3 nothing to claim.
import * as path from 'node:path';
import { isFederationError } from '../core/errors';
import { parseArgs } from './args';
import { printable } from './printable';
import { agentCommand } from './commands/agent';
import { briefCommand } from './commands/brief';
import { matrixCommand } from './commands/matrix';
import { mcpCommand } from './commands/mcp';
import { usageCommand } from './commands/usage';
import { worktreeCommand } from './commands/worktree';
import { packageCommand } from './commands/package';
import { artifactCommand, initCommand, lockCommand, personaCommand, taskCommand } from './commands/federation';
import { migrateCommand } from './commands/migrate';
import { CliPorts, CliServices, DEFAULT_PORTS } from './services';
import { CliCommand, CliContext, EXIT, UsageError } from './types';

export const COMMANDS: CliCommand[] = [initCommand, personaCommand, taskCommand, lockCommand, artifactCommand, briefCommand, agentCommand, packageCommand, matrixCommand, mcpCommand, usageCommand, worktreeCommand, migrateCommand];

function usage(commands: CliCommand[]): string {
  return [
    'Usage: federation [--root DIR] [--json] <command> ...   (--root defaults to $FEDERATION_ROOT, else the current folder)',
    '',
    ...commands.flatMap((c) => c.usage.map((u) => `  federation ${u}`)),
    '',
    'Global flags may stand before or after the command. Exit codes: 0 ok, 1 error, 2 usage, 3 nothing to claim.',
  ].join('\n');
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
}

const processIo: CliIo = {
  out: (s) => void process.stdout.write(s + '\n'),
  err: (s) => void process.stderr.write(s + '\n'),
  cwd: process.cwd(),
};

export async function main(argv: string[], io: CliIo = processIo, ports: CliPorts = DEFAULT_PORTS): Promise<number> {
  const args = parseArgs(argv);
  const json = args.flags.get('json') === true;
  const rootFlag = args.flags.get('root');
  args.flags.delete('json');
  args.flags.delete('root');
  // FEDERATION_ROOT: set in a task worktree's terminal, whose own folder is a checkout, not the federation.
  const root = path.resolve(io.cwd, typeof rootFlag === 'string' ? rootFlag : ports.env['FEDERATION_ROOT'] || '.');
  const ctx: CliContext = {
    root,
    services: new CliServices(root, ports),
    json,
    // out is for exact text (JSON, SARIF, reports a command renders itself); human text goes through print or err.
    out: io.out,
    err: (text) => io.err(printable(text)),
    print: (value, human) => io.out(json ? JSON.stringify(value, null, 2) : printable(human())),
  };
  const name = args.positionals.shift();
  if (!name) {
    (args.flags.get('help') === true ? io.out : io.err)(usage(COMMANDS));
    return args.flags.get('help') === true ? EXIT.ok : EXIT.usage;
  }
  if (name === 'help') {
    io.out(usage(COMMANDS));
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`federation: unknown command "${printable(name, { oneLine: true })}"\n\n${usage(COMMANDS)}`);
    return EXIT.usage;
  }
  // `federation task add --help` shows the command's usage and does nothing else.
  if (args.flags.get('help') === true) {
    io.out(usage([command]));
    return EXIT.ok;
  }
  const found = command;
  try {
    return await command.run(ctx, args);
  } catch (e) {
    return failed(e);
  } finally {
    await ctx.services.close().catch(() => undefined);
  }

  function failed(e: unknown): number {
    if (e instanceof UsageError) {
      io.err(`federation ${name}: ${printable(e.message)}\n\n${usage([found])}`);
      return EXIT.usage;
    }
    if (isFederationError(e)) {
      io.err(json ? JSON.stringify({ error: e.toJSON() }, null, 2) : `federation ${name}: ${printable(e.message)}`);
      return EXIT.error;
    }
    io.err(printable(bugReport(`federation ${name}`, e)));
    return EXIT.error;
  }
}

/** Where a user reports a bug (package.json's bugs.url); kept here so the bundle needs no package.json. */
export const BUG_URL = 'https://github.com/agent-federation/agent-federation/issues';

/**
 * Anything that is not a FederationError or a usage error is a bug in the CLI: say so, say where to report it,
 * and keep the stack (a known condition never gets here, so it never shows a stack).
 */
export function bugReport(where: string, e: unknown): string {
  const detail = e instanceof Error ? e.stack ?? e.message : String(e);
  return `${where}: unexpected error. This is a bug in federation; please report it at ${BUG_URL} with the lines below.\n${detail}`;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${printable(bugReport('federation', e))}\n`);
      process.exitCode = EXIT.error;
    },
  );
}
