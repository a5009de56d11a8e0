// `federation agent …`: remote agents in Docker from the command line, over the same core as the editor
// (src/core/agents). Exit codes: 0 ok; 1 a failure (engine unreachable, brief with errors, refused change, a
// hardening check failed, a host in `list` unreachable); 2 a wrong command line. Docs: docs/agents.md.
import * as path from 'node:path';
import { AgentService, FolderSecretSource, formatHardeningCheck, statusPhrase, type AgentInfo } from '../../core/agents';
import { OPERATOR_LEVELS, isOperatorLevel } from '../../core/packages';
import { DEFAULT_OPERATOR_LEVEL } from './package';
import type { DockerClientFactory } from '../../core/docker/loader';
import { loadDockerClient } from '../../core/docker/loader';
import { boolFlag, intFlag, positional, stringFlag } from '../args';
import { CliCommand, CliContext, EXIT, ParsedArgs, UsageError } from '../types';

export interface AgentCommandDeps {
  /** Default: the real engine client, loaded on first use. */
  clientFactory?: DockerClientFactory;
  /** Called with an abort function while logs are followed; default: Ctrl-C (SIGINT) aborts. */
  onInterrupt?: (abort: () => void) => () => void;
}

const NETWORKS = ['none', 'internal'] as const;

function sigint(abort: () => void): () => void {
  process.once('SIGINT', abort);
  return () => process.removeListener('SIGINT', abort);
}

function agentLine(a: AgentInfo): string {
  const who = a.persona ?? a.role ?? '-';
  return `${a.id.padEnd(24)} ${a.status.padEnd(10)} ${statusPhrase(a).padEnd(28)} ${who.padEnd(12)} ${a.hostLabel}  ${a.brief}${a.tracked ? '' : ' (untracked)'}`;
}

/** Writes whole lines as they complete, so a follow stream prints like `docker logs -f`. */
function lineWriter(write: (line: string) => void): { push(text: string): void; end(): void } {
  let partial = '';
  return {
    push(text) {
      const parts = (partial + text).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) write(line);
    },
    end() {
      if (partial !== '') write(partial);
      partial = '';
    },
  };
}

export function createAgentCommand(deps: AgentCommandDeps = {}): CliCommand {
  const clientFactory = deps.clientFactory ?? loadDockerClient;
  const onInterrupt = deps.onInterrupt ?? sigint;
  const service = (ctx: CliContext): AgentService => new AgentService({ root: ctx.root, clientFactory });
  const id = (args: ParsedArgs): string => positional(args, 1, 'agent id');

  return {
    name: 'agent',
    usage: [
      'agent deploy BRIEF... [--operator-level L0..L3] [--host URL] [--copies N] [--secrets-dir DIR] [--image REF] [--command TEMPLATE] [--network none|internal]',
      'agent list [--host URL]',
      'agent logs ID [--follow] [--tail N]',
      'agent stop ID | agent restart ID',
      'agent rm ID [--force]',
      'agent report ID',
      'agent collect ID [--to DIR]',
      'agent inspect ID',
      'agent compose BRIEF... --out FILE [--operator-level L0..L3] [--secrets-dir DIR] [--image REF] [--command TEMPLATE] [--user UID:GID]',
      'agent prune [--force]',
    ],
    async run(ctx, args) {
      const sub = positional(args, 0, 'an agent subcommand (deploy, list, logs, stop, restart, rm, report, collect, inspect, compose, prune)');
      const agents = service(ctx);
      switch (sub) {
        case 'deploy': {
          const briefs = args.positionals.slice(1);
          if (briefs.length === 0) throw new UsageError('missing BRIEF');
          const copies = intFlag(args, 'copies');
          const host = stringFlag(args, 'host');
          const secretsDir = stringFlag(args, 'secrets-dir');
          const image = stringFlag(args, 'image');
          const command = stringFlag(args, 'command');
          const network = stringFlag(args, 'network');
          if (network !== undefined && !(NETWORKS as readonly string[]).includes(network)) throw new UsageError('--network is none or internal');
          // The operator's level caps each agent's bootstrap package, as for `federation package build`.
          const operatorLevel = stringFlag(args, 'operator-level') ?? DEFAULT_OPERATOR_LEVEL;
          if (!isOperatorLevel(operatorLevel)) throw new UsageError(`--operator-level is one of ${OPERATOR_LEVELS.join(', ')}; got "${operatorLevel}"`);
          const result = await agents.deploy(briefs, {
            operatorLevel,
            ...(copies !== undefined ? { copies } : {}),
            ...(host !== undefined ? { host } : {}),
            ...(secretsDir !== undefined ? { secrets: new FolderSecretSource(path.resolve(ctx.root, secretsDir)) } : {}),
            ...(image !== undefined ? { image } : {}),
            ...(command !== undefined ? { command } : {}),
            ...(network !== undefined ? { network: network as 'none' | 'internal' } : {}),
          });
          if (!ctx.json) for (const w of result.warnings) ctx.err(`warning: ${w}`);
          ctx.print(result, () => result.agents.map((a) => a.id).join('\n'));
          return EXIT.ok;
        }
        case 'list': {
          const host = stringFlag(args, 'host');
          const result = await agents.list(host !== undefined ? { hosts: [host] } : {});
          ctx.print(result, () => result.agents.map(agentLine).join('\n') || 'No agents.');
          const down = result.hosts.filter((h) => !h.reachable);
          if (!ctx.json) for (const h of down) ctx.err(`federation agent: ${h.error ?? `${h.hostLabel} is not reachable`}`);
          return down.length > 0 ? EXIT.error : EXIT.ok;
        }
        case 'logs': {
          const tail = intFlag(args, 'tail');
          const controller = new AbortController();
          const release = onInterrupt(() => controller.abort());
          try {
            const stream = await agents.logs(id(args), { follow: boolFlag(args, 'follow'), signal: controller.signal, ...(tail !== undefined ? { tail } : {}) });
            const out = lineWriter(ctx.out);
            const err = lineWriter(ctx.err);
            for await (const chunk of stream) (chunk.stream === 'stderr' ? err : out).push(chunk.text);
            out.end();
            err.end();
          } finally {
            release();
          }
          return EXIT.ok;
        }
        case 'stop':
        case 'restart': {
          const agent = sub === 'stop' ? await agents.stop(id(args)) : await agents.restart(id(args));
          ctx.print({ agent }, () => `${agent.id}: ${statusPhrase(agent)}`);
          return EXIT.ok;
        }
        case 'rm': {
          const removed = await agents.remove(id(args), { force: boolFlag(args, 'force') });
          ctx.print({ removed }, () => `Removed ${removed.id}${removed.removedOutput ? ' and its output' : ''}`);
          return EXIT.ok;
        }
        case 'report': {
          const result = await agents.report(id(args));
          ctx.print(result, () =>
            [
              `${result.id}: ${result.report.status} (${result.report.startedAt} → ${result.report.finishedAt})`,
              result.report.summary,
              ...(result.deliverables.length ? ['Deliverables:'] : []),
              ...result.deliverables.map((d) => `  ${d.exists ? '✓' : '✗ missing'} ${d.path}${d.description ? ` — ${d.description}` : ''}`),
              ...Object.entries(result.report.metrics ?? {}).map(([k, v]) => `  ${k}: ${v}`),
            ].join('\n'),
          );
          return EXIT.ok;
        }
        case 'collect': {
          const to = stringFlag(args, 'to');
          const result = await agents.collect(id(args), to !== undefined ? { to } : {});
          ctx.print(result, () => `Collected ${result.files.length} file(s), ${result.bytes} bytes, to ${result.to}` +
            (result.skipped.length ? `\nSkipped (links and special files): ${result.skipped.join(', ')}` : ''));
          return EXIT.ok;
        }
        case 'inspect': {
          const checks = await agents.inspectHardening(id(args));
          ctx.print({ checks }, () => checks.map(formatHardeningCheck).join('\n'));
          return checks.every((c) => c.ok) ? EXIT.ok : EXIT.error;
        }
        case 'compose': {
          const briefs = args.positionals.slice(1);
          if (briefs.length === 0) throw new UsageError('missing BRIEF');
          const secretsDir = stringFlag(args, 'secrets-dir');
          const image = stringFlag(args, 'image');
          const command = stringFlag(args, 'command');
          const user = stringFlag(args, 'user');
          // Each service mounts its bootstrap package, capped by the operator's level as for deploy.
          const operatorLevel = stringFlag(args, 'operator-level') ?? DEFAULT_OPERATOR_LEVEL;
          if (!isOperatorLevel(operatorLevel)) throw new UsageError(`--operator-level is one of ${OPERATOR_LEVELS.join(', ')}; got "${operatorLevel}"`);
          const result = await agents.compose(briefs, {
            out: stringFlag(args, 'out', true),
            operatorLevel,
            ...(secretsDir !== undefined ? { secretsDir } : {}),
            ...(image !== undefined ? { image } : {}),
            ...(command !== undefined ? { command } : {}),
            ...(user !== undefined ? { user } : {}),
          });
          ctx.print(result, () => `Wrote ${result.file} (services: ${result.services.join(', ')})`);
          return EXIT.ok;
        }
        case 'prune': {
          const result = await agents.prune({ force: boolFlag(args, 'force') });
          ctx.print(result, () =>
            [
              result.removed.length ? `Removed ${result.removed.join(', ')}` : 'Nothing to prune.',
              ...result.kept.map((k) => `Kept ${k.id}: ${k.why}`),
            ].join('\n'),
          );
          return EXIT.ok;
        }
        default:
          throw new UsageError(`unknown agent subcommand "${sub}"`);
      }
    },
  };
}

export const agentCommand: CliCommand = createAgentCommand();
