// Wave scheduling: the plan's waves in order; in each, at most `agents` units at a time, each agent taking the
// next unit off the wave's list until none is left. fail_fast stops the wave (running units cancelled, waiting
// ones skipped) and skips every later wave; the caller's cancel makes every unit not yet run cancelled.
import { setMaxListeners } from 'node:events';
import type { MatrixWave } from './plan';
import { summarizeRun, type TaskResult } from './results';
import type { RunRecorder } from './recorder';
import type { RunContext } from './runContext';
import { notRun, runUnit } from './unitRun';

/** Runs every wave, each result recorded as it comes; throws what failed the run, once nothing runs. */
export async function runWaves(ctx: RunContext, rec: RunRecorder): Promise<void> {
  for (const wave of ctx.plan.waves) {
    if (ctx.signal?.aborted || rec.stoppedBy !== undefined) {
      const [status, reason] = ctx.signal?.aborted ? (['cancelled', 'the run was cancelled'] as const) : (['skipped', rec.stoppedBy!] as const);
      for (const u of wave.units) rec.record(notRun(ctx.runId, u, wave, status, reason));
      continue;
    }
    if (wave.units.length === 0) continue;
    await runWave(ctx, rec, wave);
  }
  rec.rethrow();
}

async function runWave(ctx: RunContext, rec: RunRecorder, wave: MatrixWave): Promise<void> {
  const waveStop = new AbortController();
  const signal = AbortSignal.any([...(ctx.signal ? [ctx.signal] : []), waveStop.signal, rec.failed]);
  // One abort listener per running unit: up to `agents` at once, legitimately more than Node's default 10.
  setMaxListeners(Math.max(10, wave.agents * 2 + 10), signal);
  if (ctx.signal) setMaxListeners(Math.max(10, wave.agents * 2 + 10), ctx.signal);
  const start = ctx.ms();
  ctx.emit({ type: 'wave-started', wave: wave.index, priority: wave.priority, name: wave.name, units: wave.units.length, agents: wave.agents, at: ctx.now() });
  let next = 0;
  const agent = async () => {
    // Bounded: each pass takes one unit off the wave's list.
    while (next < wave.units.length) {
      const unit = wave.units[next++]!;
      if (signal.aborted) {
        rec.record(notRun(ctx.runId, unit, wave, ctx.signal?.aborted ? 'cancelled' : 'skipped', ctx.signal?.aborted ? 'the run was cancelled' : rec.stoppedBy ?? 'stopped'));
        continue;
      }
      let r: TaskResult;
      try {
        r = await runUnit(ctx, unit, wave, signal);
      } catch (e) {
        // A runner that throws (an isolation that cannot start anything, a bug) stops the run the same way: the
        // error is thrown once every task already started has ended, never while others still run unwatched.
        rec.fail(e);
        continue;
      }
      rec.record(r);
      if (r.blocking && wave.failFast && rec.stoppedBy === undefined) {
        rec.stoppedBy = `fail_fast: ${unit.id} ${r.status === 'timed_out' ? 'timed out' : 'failed'} in ${wave.priority}`;
        waveStop.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, wave.agents) }, agent));
  rec.rethrow();
  rec.waveTimes.set(wave.index, { start, end: ctx.ms(), stopped: rec.stoppedBy !== undefined });
  const partial = summarizeRun({ runId: ctx.runId, plan: ctx.plan, results: rec.results, waveTimes: rec.waveTimes });
  ctx.emit({ type: 'wave-finished', wave: partial.waves[wave.index]!, at: ctx.now() });
}
