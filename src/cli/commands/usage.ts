// `federation usage [--by task|persona|agent|model|day]`: what the agents' attempts cost, from the usage ledger
// (each task attempt's usage, and the agents' reports). Exit 0; 1 when the federation cannot be read.
import { FederationError } from '../../core/errors';
import { USAGE_GROUPINGS } from '../../core/federation/usage';
import { choiceFlag, defineCommand } from '../args';
import { printable } from '../printable';
import { CliCommand, EXIT } from '../types';

export const usageCommand: CliCommand = defineCommand(
  'usage',
  { '': { usage: `[--by ${USAGE_GROUPINGS.join('|')}]`, flags: { by: USAGE_GROUPINGS } } },
  async (ctx, args) => {
    const fed = ctx.services.federation();
    if (!(await fed.isInitialized())) throw new FederationError('not-initialized', `No federation in ${fed.root}: run "federation init" first.`, { root: fed.root });
    const result = await ctx.services.usage().rollUp(choiceFlag(args, 'by', USAGE_GROUPINGS) ?? 'task');
    ctx.print(result, () => {
      if (result.total.entries === 0) return 'No usage recorded yet (complete_task or `task complete --usage`, or an agent report with usage).';
      const head = `${result.by.padEnd(24)} ${'entries'.padStart(7)} ${'input'.padStart(10)} ${'output'.padStart(10)} ${'cost USD'.padStart(10)} ${'seconds'.padStart(9)}`;
      const line = (r: typeof result.total) =>
        printable(`${r.key.padEnd(24)} ${String(r.entries).padStart(7)} ${String(r.inputTokens).padStart(10)} ${String(r.outputTokens).padStart(10)} ${r.costUsd.toFixed(4).padStart(10)} ${r.wallSeconds.toFixed(1).padStart(9)}`, { oneLine: true });
      return [head, ...result.rows.map(line), line(result.total)].join('\n');
    });
    return EXIT.ok;
  },
);
