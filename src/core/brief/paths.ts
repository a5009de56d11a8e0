// Path helpers for the Output rules (what counts as a host path, where a wrong output path should go instead) and
// for Resources: which words name workspace files (pathLike, shared with the package builder's references).
import { OUTPUT_PATTERN } from './schema';

/** Home folders and drive roots of the machine that writes the brief; they never exist inside the agent's container. */
const HOST_PATH = /^(?:\/home\/|\/Users\/|\/root\/|~\/|[A-Za-z]:[\\/]|\\\\[^\\])/;

export function isHostPath(p: string): boolean {
  return HOST_PATH.test(p);
}

export function hasParentSegment(p: string): boolean {
  return p.split(/[\\/]/).includes('..');
}

export function isUnderOutput(p: string): boolean {
  return OUTPUT_PATTERN.test(p);
}

/**
 * The same location moved under /output: a relative path keeps its folders (`reports/` -> `/output/reports/`),
 * an absolute one keeps only its last part (`/home/me/out` -> `/output/out`), and `.`/`..` segments go.
 */
export function moveUnderOutput(p: string): string {
  const norm = p.trim().replace(/\\/g, '/');
  const trailing = norm.length > 1 && norm.endsWith('/') ? '/' : '';
  let segs = norm.split('/').filter((s) => s !== '' && s !== '.' && s !== '..');
  if (/^[A-Za-z]:$/.test(segs[0] ?? '')) segs = segs.slice(1);
  if (segs[0] === '~') segs = segs.slice(1);
  if (norm.startsWith('/output/') || norm === '/output') return segs.length > 1 ? `/${segs.join('/')}${trailing}` : '/output';
  const absolute = norm.startsWith('/') || /^[A-Za-z]:/.test(norm) || norm.startsWith('~');
  const keep = absolute ? segs.slice(-1) : segs;
  return keep.length ? `/output/${keep.join('/')}${trailing}` : '/output';
}

/** Paths that are places inside an agent's container, not workspace files. */
const CONTAINER_PREFIX = /^\/(?:output|secrets|brief|tmp)(?:\/|$)/;
// Checked after drive letters: `https:`, `mailto:`, `file:`.
const URL_LIKE = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const FILE_EXT = /\.[A-Za-z][A-Za-z0-9]{0,7}$/;

/**
 * A code span or link target that names a file: absolute paths (reported, never read), `~` paths and relative
 * paths with a folder or a file extension. Commands, URLs, container paths and `${secrets.X}` are not files.
 */
export function pathLike(value: string): { path: string | undefined } | undefined {
  const v = value.trim();
  if (!v || /\s/.test(v) || v.startsWith('${') || v.startsWith('@')) return undefined;
  if (/^[A-Za-z]:[\\/]/.test(v) || v.startsWith('\\\\')) return { path: undefined };
  if (URL_LIKE.test(v) || v.startsWith('#')) return undefined;
  if (v.startsWith('/workspace/') || v === '/workspace') return { path: v.slice('/workspace'.length).replace(/^\/+/, '') };
  if (CONTAINER_PREFIX.test(v)) return undefined;
  if (v.startsWith('/') || v.startsWith('~')) return { path: undefined };
  if (/[\\/]/.test(v) || FILE_EXT.test(v)) return { path: v.replace(/^\.\//, '') };
  return undefined;
}

/** Ends in a file extension (`a.md`, `x.tar.gz`). */
export function hasFileExtension(value: string): boolean {
  return FILE_EXT.test(value);
}
