// Glob matching for artifact routing rules, confidentiality path rules, brief globs and the never-packaged list,
// with picomatch. The semantics are those of .gitignore and VS Code's glob settings:
// - `**` as a whole segment crosses folders (`docs/**/*.md` matches docs/y.md and docs/x/y.md); `*` and `?` do
//   not cross `/` (a `**` inside a segment, as in `a**b`, is a `*`);
// - `{a,b}` alternates, `[abc]` and `[0-9]` match one character, `\` escapes the next character;
// - `*`, `?` and `**` match names that start with a dot (`private/**` covers private/.env, `*.key` .id.key);
// - a pattern without a slash matches the file name in any folder; one with a slash matches the path from the
//   workspace root (a leading `./` is dropped);
// - a leading `!` is a plain character, not a negation: rules are a first-match list, and gitignore's `!`
//   (re-include) means nothing there, while picomatch's (match every other path) would route or label everything
//   else; extglobs (`+(…)`, `@(…)`) are off too, as in .gitignore and VS Code, so parentheses and `+` are plain
//   (picomatch would still pass `(…)` through as a regex group, so parentheses are escaped before it sees them:
//   `notes (1).md` names that file).
// The same on every OS: paths use forward slashes, a backslash is never a separator.
// picomatch is required on the first match, so activating the extension does not evaluate it.
import type { PicomatchOptions } from 'picomatch';

const OPTIONS: PicomatchOptions = { dot: true, nonegate: true, noextglob: true, windows: false };
/** Compiled matchers by pattern; cleared when it grows past this (patterns come from config files and briefs). */
const CACHE_LIMIT = 1000;
const cache = new Map<string, RegExp>();
const NEVER = /(?!)/;

function picomatch(): typeof import('picomatch') {
  return require('picomatch') as typeof import('picomatch');
}

export function globToRegExp(glob: string): RegExp {
  const cached = cache.get(glob);
  if (cached) return cached;
  // picomatch refuses an empty pattern; an empty rule matches nothing, as before.
  const re = glob === '' ? NEVER : picomatch().makeRe(literalParentheses(glob), OPTIONS);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(glob, re);
  return re;
}

/** `(` and `)` escaped, except where a backslash already escapes them. */
function literalParentheses(glob: string): string {
  return glob.replace(/\\.|[()]/g, (m) => (m.length === 2 ? m : `\\${m}`));
}

/** `relPath` uses forward slashes and is relative to the workspace root. */
export function matchesGlob(relPath: string, glob: string): boolean {
  const target = glob.includes('/') ? relPath : relPath.slice(relPath.lastIndexOf('/') + 1);
  return globToRegExp(glob.replace(/^\.\//, '')).test(target);
}
