// What a deployment and a compose export both do before anything is written or started: read and plan the briefs
// (validated against the federation's persona registry) and build each agent's remote-agent package.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { BriefRegistry } from '../brief';
import { FederationError, PackageRefusedError } from '../errors';
import { buildPackage, type BootstrapPackage, type OperatorLevel } from '../packages';
import type { FederationStore } from '../federation/state/store';
import { displayPath, type AgentContext } from './context';
import { planBrief, type AgentPlan, type PlanOptions } from './plan';

/** A brief's plan with the text it was made from and the brief's absolute path. */
export type PlannedBrief = AgentPlan & { text: string; abs: string };

/** Validates and plans the briefs without touching the engine: what `deploy` would run. */
export async function planBriefs(ctx: AgentContext, briefs: string[], options: PlanOptions = {}): Promise<PlannedBrief[]> {
  if (briefs.length === 0) throw new FederationError('invalid-input', 'Name at least one MISSION_BRIEF to deploy.', {});
  const registry = await readRegistry(ctx.store);
  const out: PlannedBrief[] = [];
  for (const brief of briefs) {
    const abs = path.resolve(ctx.root, brief);
    const display = displayPath(ctx.root, abs);
    let text: string;
    try {
      text = await ctx.fs.readFile(abs, 'utf8');
    } catch {
      throw new FederationError('not-found', `${display}: no such brief file.`, { file: display });
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const plan = planBrief(text, display, { ...ctx.defaults, ...options, ...(registry ? { registry } : {}) });
    out.push({ ...plan, text, abs });
  }
  return out;
}

/** The remote-agent package an agent gets; a refused one is a PackageRefusedError (blocking files first). */
export async function agentPackage(ctx: Pick<AgentContext, 'root' | 'fs'>, plan: PlannedBrief, operatorLevel: OperatorLevel, consequence: string): Promise<BootstrapPackage> {
  const pkg = await buildPackage({ consumer: 'remote-agent', brief: plan.abs, briefText: plan.text, operatorLevel, root: ctx.root, disk: ctx.fs });
  if (!pkg.manifest.ok) {
    const m = pkg.manifest;
    const files = [...m.excluded].sort((a, b) => Number(b.blocking) - Number(a.blocking)).map((e) => ({ source: e.source, reason: e.reason, detail: e.detail, blocking: e.blocking }));
    throw new PackageRefusedError(plan.file, m.refusals, files, consequence);
  }
  return pkg;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

async function readRegistry(store: FederationStore): Promise<BriefRegistry | undefined> {
  try {
    const personas = (await store.read('personas')).personas;
    return { personas: personas.map((p) => ({ id: p.id, skills: p.skills })) };
  } catch {
    // No or unreadable registry: the brief is checked without MB050/MB051.
    return undefined;
  }
}
