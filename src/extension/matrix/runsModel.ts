// The Runs tree as plain data (no vscode import): runs newest first, each with its waves and their tasks, live
// while a run is in progress and from the results on disk afterwards.
import type { MatrixPlan, RunListing, RunSummary, TaskResult } from '../../core/matrix';
import type { IconSpec, NodeBase } from '../models/node';
import { parseGithubRunId } from '../../core/matrix/githubRunId';

export interface RunDetails {
  /** Present once the run finished (from summary.json or the run-finished event). */
  summary?: RunSummary;
  plan?: MatrixPlan;
  /** Finished units by id. */
  results: Map<string, TaskResult>;
  /** Units running now. */
  running: Set<string>;
  live: boolean;
  /** A run on GitHub Actions: its page. */
  github?: { url: string };
}

export interface RunsData {
  runs: RunListing[];
  details: Map<string, RunDetails>;
  now: Date;
}

type Base = NodeBase;
export interface RunNode extends Base {
  kind: 'run';
  runId: string;
  children: WaveNode[];
}
export interface WaveNode extends Base {
  kind: 'wave';
  children: UnitNode[];
}
export interface UnitNode extends Base {
  kind: 'unit';
  runId: string;
  unit: string;
  /** Absolute or root-relative log path, when the unit ran. */
  log: string | null;
  children: [];
}
export type RunsTreeNode = RunNode | WaveNode | UnitNode;

const RUN_ICON: Record<string, IconSpec> = {
  passed: { id: 'pass', color: 'testing.iconPassed' },
  failed: { id: 'error', color: 'testing.iconFailed' },
  cancelled: { id: 'circle-slash', color: 'disabledForeground' },
  incomplete: { id: 'question', color: 'disabledForeground' },
  running: { id: 'sync~spin', color: 'charts.blue' },
};

const UNIT_ICON: Record<string, IconSpec> = {
  passed: { id: 'pass', color: 'testing.iconPassed' },
  failed: { id: 'error', color: 'testing.iconFailed' },
  timed_out: { id: 'watch', color: 'testing.iconFailed' },
  cancelled: { id: 'circle-slash', color: 'disabledForeground' },
  skipped: { id: 'debug-step-over', color: 'disabledForeground' },
  running: { id: 'sync~spin', color: 'charts.blue' },
  pending: { id: 'circle-large-outline' },
};

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function buildRunsTree(data: RunsData): RunNode[] {
  return data.runs.map((run, i) => {
    const d = data.details.get(run.runId);
    const status = d?.live ? 'running' : (d?.summary?.status ?? run.status);
    const s = d?.summary;
    const waves = d?.plan ?? s?.plan;
    const started = new Date(run.startedAt);
    const elapsed = s ? s.totalMs : d?.live ? data.now.getTime() - started.getTime() : undefined;
    const gh = parseGithubRunId(run.runId) !== undefined;
    const onGithub = !!d?.github || gh;
    const unfollowed = gh && status === 'incomplete';
    // Follow Run on GitHub is offered on a GitHub run without its report here, and on a failed or cancelled one
    // (re-run on GitHub, it takes up the new attempt).
    const followable = gh && (status === 'incomplete' || status === 'failed' || status === 'cancelled');
    const description = [
      onGithub ? 'GitHub' : '',
      unfollowed ? 'no report yet' : status,
      elapsed !== undefined ? formatMs(elapsed) : '',
      s ? `${s.counts.passed}/${s.counts.units} passed` : d?.live ? `${d.results.size} done, ${d.running.size} running` : '',
    ].filter(Boolean).join(' · ');
    return {
      kind: 'run',
      id: `run:${run.runId}`,
      runId: run.runId,
      label: started.toLocaleString(),
      description,
      tooltip: (s
        ? `Run ${run.runId}: ${s.status}\nTotal ${formatMs(s.totalMs)} (setup ${formatMs(s.setupMs)})\nSuccess rate ${(s.successRate * 100).toFixed(0)}%\nSpeedup ×${s.speedup.toFixed(2)}, efficiency ${(s.efficiency * 100).toFixed(0)}%\nCritical path ${formatMs(s.criticalPathMs)}`
        : unfollowed
          ? `Run ${run.runId} on GitHub: no report here yet, and this window does not follow it: Follow Run on GitHub takes it up.`
          : `Run ${run.runId}: ${status}`) + (d?.github ? `\nOn GitHub: ${d.github.url}` : ''),
      contextValue: followable ? `run:${status}:github` : `run:${status}`,
      icon: RUN_ICON[status] ?? RUN_ICON['incomplete']!,
      expanded: i === 0,
      children: (waves?.waves ?? []).map((w): WaveNode => {
        const timing = s?.waves.find((t) => t.index === w.index);
        const units = w.units.map((u): UnitNode => {
          const r = d?.results.get(u.id);
          const state = r ? r.status : d?.running.has(u.id) ? 'running' : 'pending';
          const allowed = r?.allowed ? ` (allowed: ${r.allowed.replace(/_/g, ' ')})` : '';
          return {
            kind: 'unit',
            id: `unit:${run.runId}:${u.id}`,
            runId: run.runId,
            unit: u.id,
            label: u.id,
            description: [state.replace('_', ' ') + allowed, r ? formatMs(r.durationMs) : '', r && r.attempts > 1 ? `${r.attempts} attempts` : '', u.module].filter(Boolean).join(' · '),
            tooltip: `${u.id} in ${u.module}: ${u.command}${r ? `\nExit ${r.exitCode ?? r.signal ?? '-'} after ${formatMs(r.durationMs)}${r.reason ? `\n${r.reason}` : ''}` : ''}`,
            contextValue: `unit:${state}${r?.log ? ':log' : ''}`,
            icon: UNIT_ICON[state] ?? UNIT_ICON['pending']!,
            log: r?.log ?? null,
            ...(r?.log ? { command: { command: 'agentFederation.openTaskLog', title: 'Open Task Log', arguments: [{ log: r.log }] } } : {}),
            children: [],
          };
        });
        return {
          kind: 'wave',
          id: `wave:${run.runId}:${w.index}`,
          label: `${w.name || w.priority}`,
          description: timing ? `${timing.passed} passed${timing.failed ? `, ${timing.failed} failed` : ''} · ${formatMs(timing.durationMs)}` : `${w.units.length} tasks · ${w.agents} agents`,
          contextValue: 'wave',
          icon: { id: 'layers' },
          expanded: true,
          children: units,
        };
      }),
    };
  });
}
