// Artifact routing: a file moves to the folder config.yaml routes its kind to, never out of the workspace (real
// paths decide, links included) and never over an existing file.
import * as path from 'node:path';
import { FederationError } from '../errors';
import { matchesGlob } from '../glob';
import type { FileSystem } from '../ports';
import type { FederationContext } from './context';
import { errno } from './state/store';

export interface RouteResult {
  from: string;
  to: string;
  kind: string;
  moved: boolean;
}

/**
 * Moves a file to the folder its kind is routed to by config.yaml; never overwrites. Real paths decide: the
 * source, and the destination folder with every ancestor that exists (or a link that does not resolve yet),
 * must end inside the workspace's real path, else it is refused with `outside-workspace` and nothing moves.
 */
export async function routeArtifact(ctx: FederationContext, file: string): Promise<RouteResult> {
  const { fs, root } = ctx;
  const abs = path.resolve(root, file);
  const rel = path.relative(root, abs).split(path.sep).join('/');
  if (!isInside(root, abs)) {
    throw new FederationError('outside-workspace', `${file} is outside the workspace ${root}.`, { file });
  }
  const real = await fs.realpath(abs).catch(() => {
    throw new FederationError('not-found', `${file} does not exist.`, { file });
  });
  const realRoot = await fs.realpath(root);
  if (!isInside(realRoot, real)) {
    throw new FederationError('outside-workspace', `${file} resolves outside the workspace (a link) to ${real}.`, { file, resolved: real });
  }
  const config = await ctx.config();
  const rule = config.artifacts.rules.find((r) => matchesGlob(rel, r.glob));
  if (!rule) {
    throw new FederationError('no-route', `No artifact rule in .federation/config.yaml matches ${rel}.`, { file: rel, rules: config.artifacts.rules.map((r) => r.glob) });
  }
  const destRel = path.posix.join(rule.folder.replace(/\\/g, '/'), path.posix.basename(rel));
  if (destRel === rel) return { from: rel, to: destRel, kind: rule.kind, moved: false };
  const dest = path.resolve(root, destRel);
  const refuse = (resolved: string) =>
    new FederationError('outside-workspace', `${rel} was not moved: its destination ${destRel} (rule "${rule.kind}", folder ${rule.folder}) resolves to ${resolved}, outside the workspace ${realRoot} (a link).`, { file: rel, destination: destRel, resolved });
  if (!isInside(root, dest)) throw refuse(dest);
  // Before creating anything: mkdir would otherwise make folders wherever a linked ancestor points.
  const planned = await resolvePlanned(fs, path.dirname(dest));
  if (!isInside(realRoot, planned)) throw refuse(planned);
  await fs.mkdir(path.dirname(dest), { recursive: true });
  // Again now that it exists (a link may have appeared meanwhile); the file goes to the real folder checked here.
  const realDir = await fs.realpath(path.dirname(dest));
  if (!isInside(realRoot, realDir)) throw refuse(realDir);
  const target = path.join(realDir, path.basename(dest));
  if (target === real) return { from: rel, to: destRel, kind: rule.kind, moved: false }; // already there, through a link
  // link + unlink instead of rename: link fails when the destination exists, so nothing is ever overwritten.
  try {
    await fs.link(abs, target);
  } catch (e) {
    if (errno(e) === 'EEXIST') throw new FederationError('already-exists', `${destRel} already exists; ${rel} was not moved.`, { file: rel, destination: destRel });
    throw e;
  }
  await fs.unlink(abs);
  ctx.logger.info(`routed ${rel} -> ${destRel} (${rule.kind})`);
  return { from: rel, to: destRel, kind: rule.kind, moved: true };
}

/** True when `p` is `root` or below it (both absolute; compare real paths with real paths). */
function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * The real path `p` will have once created: the real path of its deepest existing ancestor with the rest
 * appended, following a link that does not resolve yet (a dangling link) to where it points.
 */
async function resolvePlanned(fs: FileSystem, p: string, hops = 0): Promise<string> {
  try {
    return await fs.realpath(p);
  } catch (e) {
    if (errno(e) !== 'ENOENT') throw e;
  }
  const stat = await fs.lstat(p).catch((e: unknown) => {
    if (errno(e) === 'ENOENT') return undefined;
    throw e;
  });
  if (stat?.isSymbolicLink()) {
    if (hops >= 40) throw new FederationError('invalid-input', `${p}: too many levels of links.`, { file: p });
    return resolvePlanned(fs, path.resolve(path.dirname(p), await fs.readlink(p)), hops + 1);
  }
  const parent = path.dirname(p);
  if (parent === p) return p;
  return path.join(await resolvePlanned(fs, parent, hops), path.basename(p));
}
