// Path helpers for the Output rules: what counts as a host path, and where a wrong output path should go instead.
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
