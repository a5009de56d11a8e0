// What an agent leaves behind in its output folder: collecting it into the workspace, and its JSON report.
import * as path from 'node:path';
import { FederationError, isFederationError } from '../errors';
import { displayPath, type AgentContext } from './context';
import { copyOutput, outputFileSize, readOutputFile, type CollectResult } from './files';
import { landCommits } from './land';
import { inspectIfThere, locate } from './locate';
import { readAgents, updateAgents } from './records';
import { AgentReportSchema, REPORT_FILE, REPORT_PATH, type AgentReport } from './schema';
import type { UsageEntry } from '../federation/usage';
import { pullOutput } from './volumes';
import type { Located } from './locate';

export interface ReportResult {
  id: string;
  report: AgentReport;
  deliverables: Array<{ path: string; description?: string; exists: boolean; bytes?: number }>;
}

/**
 * Copies the agent's output to `to` (default <workspace>/agent-output/<id>) and marks it collected. A worktree agent
 * must have stopped; its commits are brought onto its task branch first (land.ts), and when that is refused nothing
 * is collected.
 */
export async function collect(ctx: AgentContext, id: string, options: { to?: string } = {}): Promise<CollectResult> {
  const loc = await locate(ctx, id);
  const to = path.resolve(ctx.root, options.to ?? path.join('agent-output', loc.id));
  const wt = loc.record?.worktree;
  let commits: CollectResult['commits'];
  if (wt && !wt.landedAt) {
    if ((await inspectIfThere(loc.client, loc.containerId))?.running) {
      throw new FederationError('invalid-transition', `Agent ${loc.id} is still running in task ${wt.task}'s worktree: stop it (or let it finish) before collecting its commits.`, {
        id: loc.id, status: 'running', task: wt.task,
      });
    }
    commits = await landCommits(ctx, loc.record!);
  }
  if (loc.record?.volumes) await pullOutput(ctx.fs, loc.client, loc.containerId, ctx.folders(loc.id).outputDir);
  const result = await copyOutput(ctx.fs, ctx.folders(loc.id).outputDir, to);
  const at = ctx.clock.now().toISOString();
  await updateAgents(ctx.store, (agents) => {
    const r = agents.find((x) => x.id === loc.id);
    if (r) {
      r.collectedAt = at;
      r.collectedTo = displayPath(ctx.root, to);
      if (r.worktree && commits) {
        r.worktree.landedAt = at;
        r.worktree.landedCommit = commits.to;
      }
    }
  });
  return { ...result, ...(commits ? { commits } : {}) };
}

/** The agent's JSON report from /output/agent-report.json, validated, with its deliverables checked. */
export async function report(ctx: AgentContext, id: string): Promise<ReportResult> {
  const loc = await locate(ctx, id);
  const outputDir = ctx.folders(loc.id).outputDir;
  await refreshOutput(ctx, loc);
  let bytes: Buffer;
  try {
    bytes = await readOutputFile(ctx.fs, outputDir, REPORT_FILE);
  } catch (e) {
    if (isFederationError(e) && e.reason === 'not-found') {
      throw new FederationError('not-found', `Agent ${loc.id} has not written its report (${REPORT_PATH}) yet.`, { id: loc.id, file: REPORT_PATH });
    }
    throw e;
  }
  let data: unknown;
  try {
    data = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new FederationError('invalid-input', `The report of agent ${loc.id} (${REPORT_PATH}) is not valid JSON.`, { id: loc.id, file: REPORT_PATH });
  }
  const parsed = AgentReportSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join('.') || '(root)';
    throw new FederationError('invalid-input', `The report of agent ${loc.id} does not match schemas/agent-report.schema.json at ${field}: ${issue?.message ?? 'invalid'}.`, {
      id: loc.id, file: REPORT_PATH, field,
    });
  }
  const deliverables = await Promise.all(parsed.data.deliverables.map(async (d) => {
    const size = await outputFileSize(ctx.fs, outputDir, d.path);
    return { ...d, exists: size !== undefined, ...(size !== undefined ? { bytes: size } : {}) };
  }));
  return { id: loc.id, report: parsed.data, deliverables };
}

/**
 * The agent's output brought here when it lives on its engine (volumes), for readers of the output folder that are
 * not `report` (the report panel, which loads every few seconds while an agent runs). Only once the agent has
 * stopped (its report is written at the end, and the archive can be large), and once per stop: `brought` remembers
 * the container and stop time each copy was made after. Nothing for an agent whose /output is our folder.
 */
export async function refreshAgentOutput(ctx: AgentContext, id: string, brought: Map<string, string>): Promise<void> {
  const loc = await locate(ctx, id);
  if (!loc.record?.volumes) return;
  const container = await inspectIfThere(loc.client, loc.containerId);
  if (!container || container.running) return;
  const stamp = `${loc.containerId}@${container.finishedAt?.toISOString() ?? ''}`;
  if (brought.get(loc.id) === stamp) return;
  await refreshOutput(ctx, loc);
  brought.set(loc.id, stamp);
}

/**
 * An agent on an engine that cannot see our files writes its output there: bring the latest copy here. When the
 * engine does not answer, the copy brought last time (if any) is read, and said to be that.
 */
async function refreshOutput(ctx: AgentContext, loc: Located): Promise<void> {
  if (!loc.record?.volumes) return;
  const outputDir = ctx.folders(loc.id).outputDir;
  try {
    await pullOutput(ctx.fs, loc.client, loc.containerId, outputDir);
  } catch (e) {
    if (!isFederationError(e) || (e.reason !== 'docker-unavailable' && !(e.reason === 'docker-error' && e.details['statusCode'] === 404))) throw e;
    if (!(await outputFileSize(ctx.fs, outputDir, REPORT_FILE).catch(() => undefined))) throw e;
    ctx.logger.warn(`agent ${loc.id}: ${loc.client.hostLabel} did not give its output (${e.message}); showing the copy collected before.`);
  }
}

/**
 * The usage the agents reported (agent-report.json's `usage`), one entry per agent whose report is on disk and
 * names it. A missing or unreadable report is left out: `agent report` is where its problems are shown.
 */
export async function reportedUsage(ctx: AgentContext): Promise<UsageEntry[]> {
  const out: UsageEntry[] = [];
  for (const r of await readAgents(ctx.store)) {
    let data: unknown;
    try {
      data = JSON.parse((await readOutputFile(ctx.fs, ctx.folders(r.id).outputDir, REPORT_FILE)).toString('utf8'));
    } catch {
      continue;
    }
    const parsed = AgentReportSchema.safeParse(data);
    if (parsed.success && parsed.data.usage) out.push({ at: parsed.data.finishedAt, usage: parsed.data.usage, agent: r.id, ...(r.persona ? { persona: r.persona } : {}) });
  }
  return out;
}
