// Shared by the package tests: the fixture workspace copied to a temp folder with the links only a test can make
// (a link out of the workspace needs an absolute path that exists only at test time).
import { cpSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { BootstrapPackage, PackageManifest } from '../../../src/core/packages';

export const REPO = (() => {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
})();

export const FIXTURE = path.join(REPO, 'test', 'fixtures', 'packages');

/** Text that must never appear in any package: C3 content, the file outside, the planted token. */
export const NEVER = ['C3-MARKER', 'OUTSIDE-MARKER', 'ghp_R8x2Lq9VmT4wZk7NcB3yH6dJf1sPa5GuE0oX'];
export const PLANTED_TOKEN = 'ghp_R8x2Lq9VmT4wZk7NcB3yH6dJf1sPa5GuE0oX';

export interface FixtureWorkspace {
  root: string;
  outside: string;
}

/**
 * <tmp>/ws: a copy of the fixture; <tmp>/outside: a folder beside it. Links made here:
 * docs/link-out.md -> <tmp>/outside/secret.txt (absolute), docs/link-rel-out.md -> ../../outside/secret.txt,
 * docs/outside-dir -> <tmp>/outside, docs/link-in.md -> ../private/diary.md (C2 by its target),
 * public/link-to-secrets.md -> ../secrets/api.md (a C0 path leading to C3).
 */
export function fixtureWorkspace(tmp: string): FixtureWorkspace {
  const root = path.join(tmp, 'ws');
  const outside = path.join(tmp, 'outside');
  cpSync(FIXTURE, root, { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(path.join(outside, 'secret.txt'), 'OUTSIDE-MARKER: a file next to the workspace\n');
  writeFileSync(path.join(tmp, 'outside.md'), 'OUTSIDE-MARKER: imported with ..\n');
  symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'docs', 'link-out.md'));
  symlinkSync('../../outside/secret.txt', path.join(root, 'docs', 'link-rel-out.md'));
  symlinkSync(outside, path.join(root, 'docs', 'outside-dir'));
  symlinkSync('../private/diary.md', path.join(root, 'docs', 'link-in.md'));
  symlinkSync('../secrets/api.md', path.join(root, 'public', 'link-to-secrets.md'));
  return { root, outside };
}

export function paths(pkg: BootstrapPackage): string[] {
  return pkg.files.map((f) => f.path).sort();
}

export function sources(m: PackageManifest): string[] {
  return m.included.flatMap((e) => (e.source ? [e.source] : [])).sort();
}

export function excluded(m: PackageManifest): Record<string, string> {
  return Object.fromEntries(m.excluded.map((e) => [e.source, e.reason]));
}

export function allText(pkg: BootstrapPackage): string {
  return pkg.files.map((f) => f.content).join('\n') + JSON.stringify(pkg.manifest);
}
