// `federation mcp [--persona ID] [--read-only]`: serves the federation to an agent over MCP (stdio), bound to one
// persona. `federation mcp install --client C [--persona ID]`: writes that server into the client's config.
// The server itself is dist/mcp.js, loaded only here, so no other command pays for the MCP SDK.
import * as path from 'node:path';
import { FederationError } from '../../core/errors';
import { requireRegisteredPersona } from '../../core/federation/presence';
import { ID_PATTERN } from '../../core/federation/state/schemas';
import { installServer, installTarget, MCP_CLIENTS, serverName, type ServerLaunch } from '../../core/mcp/clientConfig';
import { OPERATOR_LEVELS, type OperatorLevel } from '../../core/packages';
import { systemClock, systemTimers, type Environment } from '../../core/ports';
import type { McpOptions, startMcpServer } from '../../mcp/server';
import { boolFlag, choiceFlag, defineCommand, intFlag, stringFlag } from '../args';
import { CliCommand, CliContext, EXIT, ParsedArgs, UsageError } from '../types';
import { DEFAULT_OPERATOR_LEVEL } from './package';

declare const AF_VERSION: string;

/** The persona from --persona, else FEDERATION_PERSONA (how a persona terminal names itself). */
function personaOf(args: ParsedArgs, env: Environment, required: boolean): string | undefined {
  const persona = stringFlag(args, 'persona') ?? (env['FEDERATION_PERSONA'] || undefined);
  if (persona === undefined) {
    if (required) throw new UsageError('--persona ID is required (or FEDERATION_PERSONA in the environment)');
    return undefined;
  }
  if (!ID_PATTERN.test(persona)) throw new UsageError(`--persona "${persona}" is not a persona id (lowercase letters, digits, - and _, starting with a letter)`);
  return persona;
}

function loadServer(): { startMcpServer: typeof startMcpServer } {
  // dist/mcp.js beside dist/cli.js; in transpiled tests (out/src/cli/commands) the module itself.
  const candidates = [path.join(__dirname, 'mcp.js'), path.join(__dirname, '..', '..', 'mcp', 'server.js')];
  for (const c of candidates) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberate lazy load, see above
      return require(c) as { startMcpServer: typeof startMcpServer };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
    }
  }
  throw new FederationError('unavailable', `The MCP server of this installation is missing (looked for ${candidates.join(', ')}). Reinstall it.`, { candidates });
}

async function serve(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const persona = personaOf(args, ctx.services.ports.env, true)!;
  const heartbeat = intFlag(args, 'heartbeat-seconds') ?? 30;
  if (heartbeat < 5) throw new UsageError('--heartbeat-seconds must be at least 5');
  const options: McpOptions = {
    root: ctx.root,
    services: ctx.services,
    persona,
    readOnly: boolFlag(args, 'read-only'),
    operatorLevel: (choiceFlag(args, 'operator-level', OPERATOR_LEVELS) ?? DEFAULT_OPERATOR_LEVEL) as OperatorLevel,
    heartbeatSeconds: heartbeat,
    fs: ctx.services.ports.fs,
    clock: systemClock,
    timers: systemTimers,
    // stdout is the protocol's: everything a person reads goes to stderr.
    logger: { debug: () => {}, info: (m) => ctx.err(m), warn: (m) => ctx.err(`warning: ${m}`), error: (m) => ctx.err(`error: ${m}`) },
    version: typeof AF_VERSION === 'string' ? AF_VERSION : '0.0.0',
  };
  const session = await loadServer().startMcpServer(options, { input: process.stdin, output: process.stdout });
  await session.closed;
  return EXIT.ok;
}

/** How a client starts this very CLI: this Node and this file by absolute path, so nothing is needed on PATH. */
export function selfLaunch(root: string, persona: string | undefined, cli: string = require.main?.filename ?? process.argv[1] ?? ''): ServerLaunch {
  return { command: process.execPath, args: [path.resolve(cli), 'mcp', '--root', root, ...(persona ? ['--persona', persona] : [])] };
}

async function install(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const client = choiceFlag(args, 'client', MCP_CLIENTS);
  if (!client) throw new UsageError(`--client is required (${MCP_CLIENTS.join(', ')})`);
  const { fs, env } = ctx.services.ports;
  const persona = personaOf(args, env, false);
  // The entry is for this federation and persona: refuse one that would only fail when the client starts it.
  const fed = ctx.services.federation();
  if (persona !== undefined) await requireRegisteredPersona(fed, persona);
  else if (!(await fed.isInitialized())) throw new FederationError('not-initialized', `${ctx.root} has no federation (.federation/); run \`federation init\` there first.`, { root: ctx.root });
  const target = installTarget(client, ctx.root, env);
  const file = stringFlag(args, 'config');
  if (file) target.file = path.resolve(ctx.root, file);
  const result = await installServer(fs, target, serverName(persona), selfLaunch(ctx.root, persona));
  const said = { created: 'Created', added: 'Added to', updated: 'Updated in', unchanged: 'Already in' }[result.change];
  ctx.print({ ...result, client }, () => `${said} ${result.file}: the MCP server "${result.name}"${persona ? ` (persona ${persona})` : ' (persona from FEDERATION_PERSONA)'}.`);
  return EXIT.ok;
}

export const mcpCommand: CliCommand = defineCommand(
  'mcp',
  {
    '': {
      usage: '[--persona ID] [--read-only] [--operator-level L0..L3] [--heartbeat-seconds N]',
      flags: { persona: 'value', 'read-only': 'bool', 'operator-level': OPERATOR_LEVELS, 'heartbeat-seconds': 'value' },
    },
    install: {
      usage: `--client ${MCP_CLIENTS.join('|')} [--persona ID] [--config FILE]`,
      flags: { client: MCP_CLIENTS, persona: 'value', config: 'value' },
    },
  },
  async (ctx, args) => (args.positionals[0] === 'install' ? install(ctx, args) : serve(ctx, args)),
);
