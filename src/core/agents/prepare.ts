// What a deployment and a compose export both do before anything is written or started: read and plan the briefs
// (validated against the federation's persona registry and task queue) and build each agent's remote-agent
// package; for a deployment also the secrets check and the container user.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { BriefRegistry } from '../brief';
import { readConfig } from '../config';
import { FederationError, PackageRefusedError, type RefusedFile } from '../errors';
import { buildPackage, type BootstrapPackage, type OperatorLevel } from '../packages';
import type { FederationStore } from '../federation/state/store';
import type { FileSystem } from '../ports';
import { displayPath, type AgentContext } from './context';
import type { Owner } from './files';
import { planBrief, type AgentPlan, type PlanOptions } from './plan';

/** A brief's plan with the text it was made from and the brief's absolute path. */
export type PlannedBrief = AgentPlan & { text: string; abs: string };

/** Validates and plans the briefs without touching the engine: what `deploy` would run. */
export async function planBriefs(ctx: AgentContext, briefs: string[], options: PlanOptions = {}): Promise<PlannedBrief[]> {
  if (briefs.length === 0) throw new FederationError('invalid-input', 'Name at least one MISSION_BRIEF to deploy.', {});
  const registry = await readRegistry(ctx.store, ctx.fs);
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

async function readRegistry(store: FederationStore, fs: FileSystem): Promise<BriefRegistry | undefined> {
  let personas: BriefRegistry['personas'];
  try {
    personas = (await store.read('personas')).personas.map((p) => ({ id: p.id, skills: p.skills }));
  } catch {
    // No or unreadable registry: the brief is checked without MB050–MB053 (a worktree brief is still checked by deploy).
    return undefined;
  }
  return { personas, ...(await taskRegistry(store, fs)) };
}

/** The queue's tasks with the path of each live worktree that exists, and whether worktrees are on (MB052, MB053). */
export async function taskRegistry(store: FederationStore, fs: FileSystem): Promise<Pick<BriefRegistry, 'tasks' | 'worktreesEnabled'>> {
  let tasks;
  try {
    tasks = (await store.read('queue')).tasks;
  } catch {
    return {};
  }
  const config = await readConfig(fs, store.dir).catch(() => undefined);
  const out: NonNullable<BriefRegistry['tasks']> = [];
  for (const t of tasks) {
    const wt = t.worktree && !t.worktree.mergedAt && !t.worktree.removedAt ? t.worktree.path : undefined;
    const there = wt !== undefined && (await fs.stat(wt).then((st) => st.isDirectory(), () => false));
    out.push({ id: t.id, ...(there ? { worktree: wt } : {}) });
  }
  return { tasks: out, ...(config ? { worktreesEnabled: config.worktrees.enabled } : {}) };
}

/** Shorter values would match ordinary text by chance. */
export const MIN_SECRET_MATCH = 6;

/**
 * A secret is mounted, never packaged: a package file that holds one of the agent's secret values verbatim (say, a
 * secrets folder inside a listed folder, unlabelled) refuses the deployment. The value itself is never named.
 */
export function refuseSecretCopies(brief: string, pkg: BootstrapPackage, values: Map<string, Uint8Array>): void {
  const found: RefusedFile[] = [];
  for (const [name, bytes] of values) {
    const value = Buffer.from(bytes).toString('utf8').trim();
    if (value.length < MIN_SECRET_MATCH) continue;
    for (const f of pkg.files) {
      if (!f.content.includes(value)) continue;
      const entry = pkg.manifest.included.find((e) => e.path === f.path);
      found.push({
        source: entry?.source ?? f.path, reason: 'secret-value', blocking: true,
        detail: `holds the value of secret ${name}, which is only ever mounted at /secrets/${name}; label the file C3 or keep it out of what the brief lists`,
      });
    }
  }
  if (found.length) throw new PackageRefusedError(brief, found.map((f) => f.detail), found, 'no agent was deployed');
}

/**
 * The container user: never root. Our own uid when we are not root (we own the agent's folders); when we are
 * root, the workspace owner's uid, or nobody (65534) for a root-owned workspace, with the folders chowned to it.
 */
export async function agentUser(ctx: Pick<AgentContext, 'root' | 'fs'>, override?: string): Promise<{ user: string; owner?: Owner }> {
  const amRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (override !== undefined) {
    const m = /^(\d+)(?::(\d+))?$/.exec(override);
    if (m && Number(m[1]) === 0) throw new FederationError('invalid-input', 'Agents never run as root (uid 0).', { field: 'user' });
    if (!m && /^root(:|$)/.test(override)) throw new FederationError('invalid-input', 'Agents never run as root.', { field: 'user' });
    return { user: override, ...(m && amRoot ? { owner: { uid: Number(m[1]), gid: Number(m[2] ?? m[1]) } } : {}) };
  }
  if (typeof process.getuid !== 'function' || typeof process.getgid !== 'function') return { user: '65534:65534' };
  if (!amRoot) return { user: `${process.getuid()}:${process.getgid()}` };
  const st = await ctx.fs.stat(ctx.root);
  const owner = st.uid !== 0 ? { uid: st.uid, gid: st.gid } : { uid: 65534, gid: 65534 };
  return { user: `${owner.uid}:${owner.gid}`, owner };
}
