// "Export to Docker Compose" on disk: the briefs are planned and packaged as for a deployment (a brief with errors
// or a refused package writes nothing), each package is written next to the compose file, then the file itself
// (its document: compose.ts). Nothing is started.
import * as path from 'node:path';
import { PACKAGE_LAYOUT, writePackage, type BootstrapPackage, type OperatorLevel } from '../packages';
import { FederationError } from '../errors';
import type { FileSystem } from '../ports';
import type { AgentContext } from './context';
import { COMPOSE_PACKAGES_DIR, composeDocument, composeYaml, serviceNames } from './compose';
import type { PlanOptions } from './plan';
import { agentPackage, planBriefs, sha256 } from './prepare';

export type ComposeExportOptions = PlanOptions & { out: string; secretsDir?: string; user?: string; operatorLevel?: OperatorLevel };

/**
 * Writes a compose file with one service per brief. Each service mounts its remote-agent package, exactly as a
 * deployment does, written next to the compose file under agent-packages/SERVICE/ (Compose cannot copy files in).
 */
export async function exportCompose(ctx: AgentContext, briefs: string[], options: ComposeExportOptions): Promise<{ file: string; services: string[] }> {
  const { fs } = ctx;
  const plans = await planBriefs(ctx, briefs, options);
  const worktree = plans.find((p) => p.workspace.mode === 'worktree');
  if (worktree) {
    // Its commits are brought back by collect, which a Compose run never calls.
    throw new FederationError('invalid-input', `${worktree.file} works in its task's worktree (workspace: worktree), which only "agent deploy" sets up; it cannot be exported to Compose.`, {
      file: worktree.file, field: 'workspace',
    });
  }
  const file = path.resolve(ctx.root, options.out);
  const operatorLevel = options.operatorLevel ?? 'L1';
  const names = serviceNames(plans);
  const packages: BootstrapPackage[] = [];
  for (const plan of plans) packages.push(await agentPackage(ctx, plan, operatorLevel, 'no compose file was written'));
  const withHash = plans.map((p, i) => ({ ...p, sha256: sha256(p.text), packageDir: path.join(path.dirname(file), COMPOSE_PACKAGES_DIR, names[i]!) }));
  for (let i = 0; i < plans.length; i++) {
    const dir = withHash[i]!.packageDir;
    await writePackage(fs, packages[i]!, dir);
    await fs.mkdir(path.join(dir, PACKAGE_LAYOUT.workspace), { recursive: true });
    // The services run as another user (nobody by default) and must read their package; it holds nothing
    // above the agent's clearance (secrets are compose secrets, never package files).
    await makeReadable(fs, dir);
  }
  const composeOptions = {
    file, root: ctx.root, federationHash: ctx.federationHash,
    ...(options.secretsDir ? { secretsDir: path.resolve(ctx.root, options.secretsDir) } : {}),
    ...(options.user ? { user: options.user } : {}),
  };
  const text = composeYaml(withHash, composeOptions);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text);
  return { file, services: Object.keys(composeDocument(withHash, composeOptions)['services'] as object) };
}

async function makeReadable(fs: FileSystem, dir: string): Promise<void> {
  await fs.chmod(dir, 0o755);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await makeReadable(fs, p);
    else if (entry.isFile()) await fs.chmod(p, 0o644);
  }
}
