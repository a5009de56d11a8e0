// Glob matching for artifact rules and (later) confidentiality path rules: `**` crosses folders, `*` and `?`
// do not, `{a,b}` alternates. A pattern without a slash matches the file name anywhere, as in .gitignore.

const cache = new Map<string, RegExp>();

export function globToRegExp(glob: string): RegExp {
  const cached = cache.get(glob);
  if (cached) return cached;
  let re = '';
  let inBraces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slashAfter = glob[i + 2] === '/';
        re += slashAfter ? '(?:.*/)?' : '.*';
        i += slashAfter ? 2 : 1;
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      inBraces++;
      re += '(?:';
    } else if (c === '}' && inBraces > 0) {
      inBraces--;
      re += ')';
    } else if (c === ',' && inBraces > 0) re += '|';
    else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  const full = new RegExp(`^${re}$`);
  cache.set(glob, full);
  return full;
}

/** `relPath` uses forward slashes and is relative to the workspace root. */
export function matchesGlob(relPath: string, glob: string): boolean {
  const target = glob.includes('/') ? relPath : relPath.slice(relPath.lastIndexOf('/') + 1);
  return globToRegExp(glob.replace(/^\.\//, '')).test(target);
}
