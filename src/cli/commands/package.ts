// `federation package build | audit`: the bootstrap package a consumer type gets, written to a folder or only
// shown. Exit 0 when the package may be handed over, 1 when it is refused (nothing is written) or fails, 2 usage.
import * as path from 'node:path';
import {
  CONSUMERS,
  CONSUMER_POLICIES,
  Consumer,
  OPERATOR_LEVELS,
  OperatorLevel,
  PackageOptions,
  auditPackage,
  buildPackage,
  describePackage,
  writePackage,
} from '../../core/packages';
import { choiceFlag, defineCommand, positional, stringFlag } from '../args';
import { FederationError } from '../../core/errors';
import { CliCommand, CliContext, EXIT, ParsedArgs, UsageError } from '../types';

/** Without --operator-level the CLI assumes L1 (internal), the editor setting's default. */
export const DEFAULT_OPERATOR_LEVEL: OperatorLevel = 'L1';

function options(ctx: CliContext, args: ParsedArgs): PackageOptions {
  const consumer = choiceFlag(args, 'consumer', CONSUMERS);
  if (!consumer) throw new UsageError('--consumer is required');
  const level = choiceFlag(args, 'operator-level', OPERATOR_LEVELS) ?? DEFAULT_OPERATOR_LEVEL;
  const persona = stringFlag(args, 'persona');
  const brief = stringFlag(args, 'brief');
  checkSubject(consumer, persona, brief);
  return {
    consumer,
    operatorLevel: level,
    root: ctx.root,
    disk: ctx.services.ports.fs,
    ...(persona ? { persona } : {}),
    ...(brief ? { brief: path.resolve(ctx.root, brief) } : {}),
  };
}

function checkSubject(consumer: Consumer, persona: string | undefined, brief: string | undefined): void {
  const policy = CONSUMER_POLICIES[consumer];
  if (persona && brief) throw new UsageError('give --persona or --brief, not both');
  if (policy.persona === 'required' && !persona) throw new UsageError(`a ${consumer} package needs --persona ID`);
  if (policy.brief === 'required' && !brief) throw new UsageError(`a ${consumer} package needs --brief FILE`);
  if (policy.persona === 'unused' && persona) throw new UsageError(`a ${consumer} package takes no --persona`);
  if (policy.brief === 'unused' && brief) throw new UsageError(`a ${consumer} package takes no --brief`);
}

const SUBJECT_FLAGS = { consumer: CONSUMERS, persona: 'value', brief: 'value', 'operator-level': OPERATOR_LEVELS } as const;

export const packageCommand: CliCommand = defineCommand(
  'package',
  {
    build: { usage: `--consumer ${CONSUMERS.join('|')} [--persona ID | --brief FILE] [--operator-level L0..L3] --out DIR`, flags: { ...SUBJECT_FLAGS, out: 'value' } },
    audit: { usage: '--consumer TYPE [--persona ID | --brief FILE] [--operator-level L0..L3]', flags: SUBJECT_FLAGS },
  },
  async (ctx, args) => {
    const sub = positional(args, 0, 'a package subcommand (build, audit)');
    // A package is built from a workspace: a --root that is not a folder would build an empty one.
    const stat = await ctx.services.ports.fs.stat(ctx.root).catch(() => undefined);
    if (!stat?.isDirectory()) throw new FederationError('not-found', `The workspace folder ${ctx.root} does not exist.`, { root: ctx.root });
    if (sub === 'build') {
      const out = stringFlag(args, 'out', true);
      const opts = options(ctx, args);
      const pkg = await buildPackage(opts);
      if (!pkg.manifest.ok) {
        ctx.print({ ok: false, written: false, manifest: pkg.manifest }, () => `${describePackage(pkg.manifest)}\nNothing was written.`);
        return EXIT.error;
      }
      const result = await writePackage(ctx.services.ports.fs, pkg, path.resolve(ctx.root, out));
      ctx.print({ ok: true, written: true, out: result.outDir, files: result.written, replaced: result.replaced, manifest: pkg.manifest }, () =>
        `${describePackage(pkg.manifest)}\n${result.replaced ? 'Replaced the package in' : 'Written to'} ${result.outDir} (${result.written.length} files).`,
      );
      return EXIT.ok;
    }
    if (sub === 'audit') {
      const audit = await auditPackage(options(ctx, args));
      ctx.print(
        { ok: audit.ok, manifest: audit.manifest, files: audit.files.map((f) => ({ path: f.path, bytes: Buffer.byteLength(f.content), content: f.content })) },
        () => {
          const bootstrap = audit.files.find((f) => f.path === 'BOOTSTRAP.md');
          return `${audit.summary}${bootstrap ? `\n\n----- BOOTSTRAP.md -----\n${bootstrap.content}` : ''}`;
        },
      );
      return audit.ok ? EXIT.ok : EXIT.error;
    }
    throw new UsageError(`unknown package subcommand "${sub}"`);
  },
);
