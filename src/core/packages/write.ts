// Writing a built package to a folder, and describing one for people. Writing is all or nothing: the files go to
// a fresh sibling folder that replaces the target only when complete. Only owner-readable modes are used, since a
// package may hold internal or private content.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { FederationError } from '../errors';
import type { FileSystem } from '../ports';
import { BootstrapPackage, PackageManifest } from './types';
import { PACKAGE_FORMAT, checkReference } from './workspace';

export interface WritePackageOptions {
  /** Write even though the manifest refuses the package (for inspection only; never for handing to a consumer). */
  allowRefused?: boolean;
}

export interface WriteResult {
  outDir: string;
  /** Package-relative paths written, manifest.json last. */
  written: string[];
  /** An earlier package in the folder was replaced. */
  replaced: boolean;
}

async function isOurPackage(fs: FileSystem, dir: string): Promise<boolean> {
  try {
    const data: unknown = JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8'));
    return typeof data === 'object' && data !== null && (data as Record<string, unknown>)['format'] === PACKAGE_FORMAT;
  } catch {
    return false;
  }
}

export async function writePackage(fs: FileSystem, pkg: BootstrapPackage, outDir: string, options: WritePackageOptions = {}): Promise<WriteResult> {
  if (!pkg.manifest.ok && !options.allowRefused) {
    throw new FederationError('invalid-input', `The ${pkg.manifest.consumer} package is refused, so nothing was written:\n${pkg.manifest.refusals.map((r) => `  - ${r}`).join('\n')}`, {
      refusals: pkg.manifest.refusals,
    });
  }
  for (const f of pkg.files) {
    const check = checkReference(f.path);
    if (!check.ok || check.rel !== f.path || f.path === 'manifest.json') {
      throw new FederationError('invalid-input', `Package file path "${f.path}" is not a plain relative path.`, { file: f.path });
    }
  }
  const target = path.resolve(outDir);
  const st = await fs.lstat(target).catch(() => undefined);
  let replaced = false;
  if (st) {
    if (!st.isDirectory()) throw new FederationError('already-exists', `${target} exists and is not a folder; nothing was written.`, { file: target });
    const entries = await fs.readdir(target);
    if (entries.length > 0) {
      // Only a package of ours is replaced: never a folder that holds anything else.
      if (!(await isOurPackage(fs, target))) throw new FederationError('already-exists', `${target} is not empty and holds no bootstrap package; choose an empty or new folder.`, { file: target });
      replaced = true;
    }
  }
  await fs.mkdir(path.dirname(target), { recursive: true });
  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = `${target}.tmp-${suffix}`;
  await fs.mkdir(tmp, { mode: 0o700 });
  const written: string[] = [];
  try {
    for (const f of pkg.files) {
      const dest = path.join(tmp, ...f.path.split('/'));
      await fs.mkdir(path.dirname(dest), { recursive: true, mode: 0o700 });
      await fs.writeFile(dest, f.content, { mode: 0o600, flag: 'wx' });
      written.push(f.path);
    }
    await fs.writeFile(path.join(tmp, 'manifest.json'), `${JSON.stringify(pkg.manifest, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    written.push('manifest.json');
    if (st) {
      const old = `${target}.old-${suffix}`;
      await fs.rename(target, old);
      await fs.rename(tmp, target);
      await fs.rm(old, { recursive: true, force: true });
    } else {
      await fs.rename(tmp, target);
    }
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return { outDir: target, written, replaced };
}

/** A plain-text account of a manifest: what is in, what is out and why, secrets, redactions, refusals. */
export function describePackage(m: PackageManifest): string {
  const subject = m.persona ? ` for persona ${m.persona}` : m.brief ? ` for brief ${m.brief}` : '';
  const out: string[] = [`${m.consumer} package${subject}: operator level ${m.operatorLevel}, nothing above ${m.clearance.effective}${m.clearance.references ? ' (C3 by reference only)' : ''}`];
  const width = Math.max(0, ...m.included.map((e) => e.path.length), ...m.excluded.map((e) => e.source.length));
  out.push('', `Included (${m.included.length}):`);
  for (const e of m.included) {
    const from = e.source ? ` <- ${e.source}${e.inlined ? ' (inlined)' : ''}` : '';
    const label = e.label === 'path-rule' ? `rule ${e.rule ?? ''}` : e.label;
    out.push(`  ${e.path.padEnd(width)}  ${e.level} ${label}${from}${e.redactions ? `, ${e.redactions} redacted` : ''}`);
  }
  out.push('', `Left out (${m.excluded.length}):`);
  if (m.excluded.length === 0) out.push('  nothing');
  for (const e of m.excluded) out.push(`  ${e.source.padEnd(width)}  ${e.reason}${e.level ? ` (${e.level})` : ''}${e.blocking ? ' [refused]' : ''}: ${e.detail}`);
  if (m.secrets.length) {
    out.push('', `Secrets (${m.secrets.length}):`);
    for (const s of m.secrets) out.push(`  ${s.name} -> ${s.mount || '-'}: ${s.granted ? 'mounted read-only' : `not given (${s.detail ?? 'refused'})`}`);
  }
  if (m.redactions.length) {
    out.push('', `Secret values redacted (${m.redactions.length}):`);
    for (const r of m.redactions) out.push(`  ${r.path}${r.source && r.path === 'BOOTSTRAP.md' ? ` (from ${r.source})` : ''}:${r.line}:${r.column} ${r.label}`);
  }
  for (const r of m.ignoredRules) out.push('', `Ignored path rule ${r.glob}: ${r.reason}`);
  for (const n of m.notes) out.push('', n);
  out.push('', m.ok ? 'OK: the package may be handed to the consumer.' : `REFUSED (${m.refusals.length}): something asked for explicitly cannot be given.`);
  return out.join('\n');
}
