import * as vscode from 'vscode';
import { describeError } from '../../../core/errors';
import { agentIdOf } from '../../commands/args';
import { defineCommand } from '../../commands/registry';
import { pickAgent } from '../context';

/** Follows an agent's log in its own output channel until the agent stops or the channel is closed again. */
export const followLogs = defineCommand({
  id: 'agentFederation.agents.followLogs',
  needs: ['agents'],
  args: agentIdOf,
  async run({ agents: ctx }, given) {
    const id = await pickAgent(ctx, given, 'Follow the logs of which agent?');
    if (!id) return undefined;
    const existing = ctx.followers.get(id);
    if (existing) {
      existing.channel.show(true);
      return existing.channel;
    }
    const channel = vscode.window.createOutputChannel(`Agent ${id}`);
    const abort = new AbortController();
    ctx.followers.set(id, { channel, abort });
    channel.show(true);
    const stream = await ctx.service().logs(id, { follow: true, signal: abort.signal });
    void (async () => {
      try {
        for await (const chunk of stream) channel.append(chunk.stream === 'stderr' ? chunk.text.replace(/^(?=.)/gm, '[stderr] ') : chunk.text);
        channel.appendLine(`\n— ${id} is no longer running (log ended) —`);
      } catch (e) {
        channel.appendLine(`\n— the log stream failed: ${describeError(e)} —`);
      } finally {
        ctx.followers.delete(id);
      }
    })();
    return channel;
  },
});
