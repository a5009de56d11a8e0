// `federation migrate --to nats|file [--replace]`: moves this workspace's federation to the other backend (an
// empty one, or over what it holds with --replace), checks the copy item by item, then switches config.yaml's
// backend.kind to it. The source is left as it was.
import { readConfig, setBackendKind } from '../../core/config';
import { FederationError } from '../../core/errors';
import { describe, migrateState } from '../../core/federation/migrate';
import { boolFlag, choiceFlag, defineCommand } from '../args';
import { CliCommand, EXIT, UsageError } from '../types';

const KINDS = ['nats', 'file'] as const;

export const migrateCommand: CliCommand = defineCommand('migrate', { '': { usage: '--to nats|file [--replace]', flags: { to: KINDS, replace: 'bool' } } }, async (ctx, args) => {
  const to = choiceFlag(args, 'to', KINDS);
  if (!to) throw new UsageError('--to is required (nats or file)');
  const fed = ctx.services.federation();
  const { fs } = ctx.services.ports;
  const config = await readConfig(fs, fed.files.dir);
  const from = config.backend.kind;
  if (from === to) throw new FederationError('invalid-input', `This federation is on ${to} already (config.yaml's backend.kind); nothing to move.`, { from, to });
  const source = await ctx.services.openBackend(from);
  const target = await ctx.services.openBackend(to);
  try {
    const names = { from: where(from, config.backend.federation, fed.files.dir), to: where(to, config.backend.federation, fed.files.dir) };
    const moved = await migrateState(source, target, names, { replace: boolFlag(args, 'replace') });
    await setBackendKind(fs, fed.files.dir, to);
    ctx.print({ from, to, moved }, () => `Moved ${describe(moved)} from ${names.from} to ${names.to}, checked each; config.yaml now says backend.kind: ${to}. The source was left as it was.`);
    return EXIT.ok;
  } finally {
    if (source !== fed.files) await source.close?.();
    if (target !== fed.files) await target.close?.();
  }
});

function where(kind: 'file' | 'nats', federation: string | undefined, dir: string): string {
  return kind === 'file' ? dir : `NATS federation "${federation ?? '?'}"`;
}
