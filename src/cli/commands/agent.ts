// `federation agent …`: remote agents in Docker from the command line, over the same core as the editor
// (src/core/agents). Exit codes: 0 ok; 1 a failure (engine unreachable, brief with errors, refused change, a
// hardening check failed, a host in `list` unreachable); 2 a wrong command line. Docs: docs/agents.md.
import * as path from 'node:path';
import { AgentService, FolderSecretSource, formatHardeningCheck, statusPhrase, type AgentInfo } from '../../core/agents';
import type { CollectResult } from '../../core/agents';
import { OPERATOR_LEVELS } from '../../core/packages';
import { DEFAULT_OPERATOR_LEVEL } from './package';
import { resolveDockerHost } from '../../core/docker/context';
import { parseDockerHost } from '../../core/docker/host';
import { boolFlag, choiceFlag, defineCommand, intFlag, positional, stringFlag } from '../args';
import { printable } from '../printable';
import { CliCommand, CliContext, EXIT, ParsedArgs, UsageError } from '../types';

export interface AgentCommandDeps {
  /** Called with an abort function while logs are followed; default: Ctrl-C (SIGINT) aborts. */
  onInterrupt?: (abort: () => void) => () => void;
}

const NETWORKS = ['none', 'internal'] as const;

function sigint(abort: () => void): () => void {
  process.once('SIGINT', abort);
  return () => process.removeListener('SIGINT', abort);
}

/**
 * --host is parsed before anything is done: a bad address (a password in it) is an invalid-input error with the
 * password masked, rather than a host that `list` reports unreachable under the address as typed.
 */
function hostFlag(ctx: CliContext, args: ParsedArgs): string | undefined {
  const host = stringFlag(args, 'host');
  if (host !== undefined) parseDockerHost(resolveDockerHost(host, ctx.services.ports.env, ctx.services.ports.fs).host);
  return host;
}

function agentLine(a: AgentInfo): string {
  const who = a.persona ?? a.role ?? '-';
  return printable(`${a.id.padEnd(24)} ${a.status.padEnd(10)} ${statusPhrase(a).padEnd(28)} ${who.padEnd(12)} ${a.hostLabel}  ${a.brief}${a.tracked ? '' : ' (untracked)'}`, { oneLine: true });
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
  const onInterrupt = deps.onInterrupt ?? sigint;
  const service = (ctx: CliContext): AgentService => ctx.services.agents();
  const id = (args: ParsedArgs): string => positional(args, 1, 'agent id');

  return defineCommand(
    'agent',
    {
      deploy: {
        usage: `BRIEF... [--operator-level L0..L3] [--host URL] [--copies N] [--secrets-dir DIR] [--image REF] [--command TEMPLATE] [--network ${NETWORKS.join('|')}] [--copy-files]`,
        words: ['BRIEF...'],
        flags: { 'operator-level': OPERATOR_LEVELS, host: 'value', copies: 'value', 'secrets-dir': 'value', image: 'value', command: 'value', network: NETWORKS, 'copy-files': 'bool' },
      },
      list: { usage: '[--host URL]', flags: { host: 'value' } },
      logs: { usage: 'ID [--follow] [--tail N]', words: ['ID'], flags: { follow: 'bool', tail: 'value' } },
      stop: { usage: 'ID', words: ['ID'] },
      restart: { usage: 'ID', words: ['ID'] },
      rm: { usage: 'ID [--force]', words: ['ID'], flags: { force: 'bool' } },
      report: { usage: 'ID', words: ['ID'] },
      collect: { usage: 'ID [--to DIR]', words: ['ID'], flags: { to: 'value' } },
      inspect: { usage: 'ID', words: ['ID'] },
      volumes: { usage: '[--host URL] [--rm [--force]]', flags: { host: 'value', rm: 'bool', force: 'bool' } },
      compose: {
        usage: 'BRIEF... --out FILE [--operator-level L0..L3] [--secrets-dir DIR] [--image REF] [--command TEMPLATE] [--user UID:GID]',
        words: ['BRIEF...'],
        flags: { out: 'value', 'operator-level': OPERATOR_LEVELS, 'secrets-dir': 'value', image: 'value', command: 'value', user: 'value' },
      },
      prune: { usage: '[--force]', flags: { force: 'bool' } },
    },
    async (ctx, args) => {
      const sub = positional(args, 0, 'an agent subcommand (deploy, list, logs, stop, restart, rm, report, collect, inspect, compose, prune)');
      const agents = service(ctx);
      // Everything but compose (which only reads briefs) works on the federation's agents.
      if (sub !== 'compose') await agents.requireFederation();
      switch (sub) {
        case 'deploy': {
          const briefs = args.positionals.slice(1);
          const copies = intFlag(args, 'copies');
          const host = hostFlag(ctx, args);
          const secretsDir = stringFlag(args, 'secrets-dir');
          const image = stringFlag(args, 'image');
          const command = stringFlag(args, 'command');
          const network = choiceFlag(args, 'network', NETWORKS);
          // The operator's level caps each agent's bootstrap package, as for `federation package build`.
          const operatorLevel = choiceFlag(args, 'operator-level', OPERATOR_LEVELS) ?? DEFAULT_OPERATOR_LEVEL;
          const result = await agents.deploy(briefs, {
            operatorLevel,
            ...(copies !== undefined ? { copies } : {}),
            ...(host !== undefined ? { host } : {}),
            ...(secretsDir !== undefined ? { secrets: new FolderSecretSource(ctx.services.ports.fs, path.resolve(ctx.root, secretsDir)) } : {}),
            ...(image !== undefined ? { image } : {}),
            ...(command !== undefined ? { command } : {}),
            ...(network !== undefined ? { network } : {}),
            // Remote engines always get copies; this asks for them on the local engine too.
            ...(args.flags.get('copy-files') === true ? { transfer: 'volumes' as const } : {}),
          });
          if (!ctx.json) for (const w of result.warnings) ctx.err(`warning: ${w}`);
          ctx.print(result, () => result.agents.map((a) => a.id).join('\n'));
          return EXIT.ok;
        }
        case 'list': {
          const host = hostFlag(ctx, args);
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
            // An agent's output is the agent's to write: shown escaped like any other text (ctx.err escapes).
            const out = lineWriter((line) => ctx.out(printable(line)));
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
              ...result.deliverables.map((d) => printable(`  ${d.exists ? '✓' : '✗ missing'} ${d.path}${d.description ? ` — ${d.description}` : ''}`, { oneLine: true })),
              ...Object.entries(result.report.metrics ?? {}).map(([k, v]) => printable(`  ${k}: ${v}`, { oneLine: true })),
            ].join('\n'),
          );
          return EXIT.ok;
        }
        case 'collect': {
          const to = stringFlag(args, 'to');
          const result = await agents.collect(id(args), to !== undefined ? { to } : {});
          ctx.print(result, () => `Collected ${result.files.length} file(s), ${result.bytes} bytes, to ${result.to}` +
            (result.skipped.length ? `\nSkipped (links and special files): ${printable(result.skipped.join(', '), { oneLine: true })}` : '') +
            (result.commits ? `\n${commitsLine(result.commits)}` : ''));
          return EXIT.ok;
        }
        case 'inspect': {
          const checks = await agents.inspectHardening(id(args));
          ctx.print({ checks }, () => checks.map((c) => printable(formatHardeningCheck(c), { oneLine: true })).join('\n'));
          return checks.every((c) => c.ok) ? EXIT.ok : EXIT.error;
        }
        case 'compose': {
          const briefs = args.positionals.slice(1);
          const secretsDir = stringFlag(args, 'secrets-dir');
          const image = stringFlag(args, 'image');
          const command = stringFlag(args, 'command');
          const user = stringFlag(args, 'user');
          // Each service mounts its bootstrap package, capped by the operator's level as for deploy.
          const operatorLevel = choiceFlag(args, 'operator-level', OPERATOR_LEVELS) ?? DEFAULT_OPERATOR_LEVEL;
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
        case 'volumes': {
          const host = hostFlag(ctx, args);
          const remove = boolFlag(args, 'rm');
          if (boolFlag(args, 'force') && !remove) throw new UsageError('--force goes with --rm');
          const result = await agents.volumes({ ...(host !== undefined ? { host } : {}), remove, force: boolFlag(args, 'force') });
          ctx.print(result, () => [
            ...(result.sets.length ? result.sets.map((s) => printable(`${s.agent.padEnd(24)} ${s.inUse ? 'in use ' : 'orphan '} ${s.outputFiles !== undefined ? `${String(s.outputFiles).padStart(5)} output files  ` : ''}${s.volumes.join(' ')}`, { oneLine: true })) : [`No agent volumes on ${result.hostLabel}.`]),
            ...(remove ? [result.removed.length ? `Removed ${result.removed.length} volume${result.removed.length === 1 ? '' : 's'}.` : 'No volume removed.'] : []),
            ...result.kept.map((k) => printable(`Kept ${k.agent}: ${k.why}`, { oneLine: true })),
          ].join('\n'));
          return result.kept.length > 0 ? EXIT.error : EXIT.ok;
        }
        case 'prune': {
          const result = await agents.prune({ force: boolFlag(args, 'force') });
          ctx.print(result, () =>
            [
              result.removed.length ? `Removed ${result.removed.join(', ')}` : result.unreachable.length ? 'Nothing pruned.' : 'Nothing to prune.',
              ...result.kept.map((k) => printable(`Kept ${k.id}: ${k.why}`, { oneLine: true })),
            ].join('\n'),
          );
          // An engine that did not answer may hold agents to prune: say so, and fail, as list does.
          if (!ctx.json) for (const h of result.unreachable) ctx.err(`federation agent: ${h.error ?? `${h.hostLabel} is not reachable`}`);
          return result.unreachable.length > 0 ? EXIT.error : EXIT.ok;
        }
        default:
          throw new UsageError(`unknown agent subcommand "${sub}"`);
      }
    },
  );
}

export const agentCommand: CliCommand = createAgentCommand();

/** A worktree agent's commits as collect brought them onto its task branch. */
function commitsLine(c: NonNullable<CollectResult['commits']>): string {
  const moved = c.count ? `${c.count} commit(s) onto ${c.branch} (${c.from.slice(0, 12)}..${c.to.slice(0, 12)})` : `No new commits on ${c.branch}`;
  const left = c.uncommitted.length ? `; left uncommitted in the worktree: ${c.uncommitted.slice(0, 10).join(', ')}${c.uncommitted.length > 10 ? ', …' : ''}` : '';
  return printable(`${moved}${left}`, { oneLine: true });
}
