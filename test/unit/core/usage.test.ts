// The usage ledger: each attempt's usage kept on its task (through a requeue), refused when malformed, rolled up.
import * as assert from 'node:assert/strict';
import { Federation } from '../../../src/core/federation';
import { rollUp, taskUsage } from '../../../src/core/federation/usage';
import { nodeFileSystem } from '../../../src/node/fs';
import { taskNode } from '../../../src/extension/models/taskQueueModel';
import { FakeClock } from '../../helpers/fakeClock';
import { useTempDir } from '../../helpers/tmp';

describe('usage ledger', () => {
  const tmp = useTempDir('fed-usage-');

  async function fed(): Promise<{ fed: Federation; clock: FakeClock }> {
    const clock = new FakeClock();
    const f = new Federation(tmp.path, { fs: nodeFileSystem, clock });
    await f.init();
    await f.registerPersona({ id: 'research', skills: ['research'] });
    await f.registerPersona({ id: 'writer', skills: ['research'] });
    return { fed: f, clock };
  }

  it('keeps each attempt\'s usage on the task, numbered by claim, through fail and requeue', async () => {
    const { fed: f, clock } = await fed();
    const t = await f.addTask({ title: 'Survey', skills: ['research'] });
    await f.claimTask(t.id, 'research');
    await f.failTask(t.id, 'research', 'rate limited', { model: 'm1', inputTokens: 1000, outputTokens: 200, costUsd: 0.01, wallSeconds: 30 });
    await f.requeueTask(t.id, 'cli');
    clock.advance(86_400_000);
    await f.claimTask(t.id, 'writer');
    const done = await f.completeTask(t.id, 'writer', 'done', { model: 'm2', inputTokens: 3000, outputTokens: 900, costUsd: 0.05 });
    assert.deepEqual(done.usage!.map((u) => [u.attempt, u.by, u.outcome, u.usage.model]), [[1, 'research', 'failed', 'm1'], [2, 'writer', 'completed', 'm2']]);
    const reread = (await f.listTasks()).find((x) => x.id === t.id)!;
    assert.equal(reread.usage!.length, 2, 'stored, not only returned');
    const byPersona = rollUp(taskUsage([reread]), 'persona');
    assert.deepEqual(byPersona.rows.map((r) => [r.key, r.costUsd, r.inputTokens]), [['writer', 0.05, 3000], ['research', 0.01, 1000]]);
    assert.deepEqual([byPersona.total.entries, byPersona.total.costUsd, byPersona.total.outputTokens, byPersona.total.wallSeconds], [2, 0.06, 1100, 30]);
    assert.deepEqual(rollUp(taskUsage([reread]), 'day').rows.map((r) => r.key).sort(), ['2026-11-23', '2026-11-24']);
    assert.deepEqual(rollUp(taskUsage([reread]), 'agent').rows, [], 'task attempts have no agent');
    assert.match(taskNode(reread).tooltip, /Attempt 1 \(research, failed\): m1 · 1000 in \/ 200 out · \$0\.0100 · 30 s\nAttempt 2 \(writer, completed\): m2 · 3000 in \/ 900 out · \$0\.0500/);
  });

  it('malformed usage is refused with its field, and nothing changes', async () => {
    const { fed: f } = await fed();
    const t = await f.addTask({ title: 'Survey', skills: ['research'] });
    await f.claimTask(t.id, 'research');
    for (const [usage, field] of [[{ inputTokens: -1 }, 'usage.inputTokens'], [{ costUsd: 'a lot' }, 'usage.costUsd'], [{ tokens: 3 }, 'usage'], [{}, 'usage']] as const) {
      await assert.rejects(f.completeTask(t.id, 'research', undefined, usage as never), (e: Error & { reason?: string; details?: { field?: string } }) => e.reason === 'invalid-input' && e.details?.field === field, JSON.stringify(usage));
    }
    const after = (await f.listTasks()).find((x) => x.id === t.id)!;
    assert.equal(after.status, 'claimed');
    assert.equal(after.usage, undefined);
  });
});
