import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { isAvailable, describeCalendar } from '../../../src/core/federation/calendar';
import { matchesGlob } from '../../../src/core/glob';

describe('glob (picomatch, with the semantics of .gitignore and VS Code settings)', () => {
  const cases: [string, string, boolean][] = [
    // A pattern without a slash matches the file name in any folder; one with a slash, the path from the root.
    ['notes/a.zettel.md', '*.zettel.md', true],
    ['a.zettel.md', '*.zettel.md', true],
    ['notes/a.md', '*.zettel.md', false],
    ['deep/er/secret.txt', 'secret.txt', true],
    ['x/docs/a.md', 'docs/*.md', false],
    ['x/a.md', './x/*.md', true],
    ['a.md', './*.md', true],
    ['x/a.md', './*.md', false],
    // `**` as a segment crosses folders, zero or more of them.
    ['docs/x/y.md', 'docs/**/*.md', true],
    ['docs/y.md', 'docs/**/*.md', true],
    ['docs/a/b/c/y.md', 'docs/**/*.md', true],
    ['other/docs/y.md', 'docs/**/*.md', false],
    ['.git/config', '**/.git/**', true],
    ['a/b/.git/HEAD', '**/.git/**', true],
    ['a/b/x.log', '**/*.log', true],
    ['x.log', '**/*.log', true],
    // `*` and `?` stay within a segment; so does `**` inside a segment (as in .gitignore).
    ['x/a/b.md', 'x/*.md', false],
    ['x/ab.md', 'x/a?.md', true],
    ['x/a/.md', 'x/a?.md', false],
    ['x/abc.md', 'x/a?.md', false],
    ['ab/c/d', 'a**d', false],
    ['abcd', 'a**d', true],
    ['x/ab/cd', 'x/a**d', false],
    // `{a,b}` alternates, also between folders; `[…]` is one character of a set or range.
    ['r.report.json', '*.report.{md,json}', true],
    ['r.report.txt', '*.report.{md,json}', false],
    ['docs/b/x.md', 'docs/{a,b}/*.md', true],
    ['docs/c/x.md', 'docs/{a,b}/*.md', false],
    ['log1.txt', 'log[0-9].txt', true],
    ['logs.txt', 'log[0-9].txt', false],
    ['b.md', '[abc].md', true],
    // Names starting with a dot are matched like any other (as in .gitignore and VS Code's files.exclude).
    ['.env', '*', true],
    ['private/.env', 'private/**', true],
    ['private/.ssh/id_rsa', 'private/**', true],
    ['dir/.id.key', '*.key', true],
    ['docs/.drafts/y.md', 'docs/**/*.md', true],
    ['.github/workflows/ci.yml', '.github/**/*.yml', true],
    // Plain characters: regex specials, `!` (no negation), parentheses and `+` (no extglobs); `\` escapes.
    ['a+b.md', 'a+b.md', true],
    ['a.b', 'a.b', true],
    ['aXb', 'a.b', false],
    ['x$y^z.md', 'x$y^z.md', true],
    ['!keep.md', '!keep.md', true],
    ['other.md', '!keep.md', false],
    ['keep.md', '!keep.md', false],
    ['a+(b).md', 'a+(b).md', true],
    ['abb.md', 'a+(b).md', false],
    ['notes (1).md', 'notes (1).md', true],
    ['notes 1.md', 'notes (1).md', false],
    ['x/notes (2).md', 'notes (*).md', true],
    ['(b).md', '{a,(b)}.md', true],
    ['(b).md', '\\(b\\).md', true],
    ['a*b', 'a\\*b', true],
    ['axb', 'a\\*b', false],
    // Case-sensitive, as on Linux; an empty pattern matches nothing.
    ['A.MD', '*.md', false],
    ['a.md', '', false],
  ];
  for (const [p, g, want] of cases) it(`${JSON.stringify(g)} ${want ? 'matches' : 'does not match'} ${p}`, () => assert.equal(matchesGlob(p, g), want));

  it('does not load picomatch until the first match', () => {
    const glob = path.resolve(__dirname, '..', '..', '..', 'src', 'core', 'glob.js');
    const script = `
      const M = require('module'); const seen = []; const load = M._load;
      M._load = function (r, ...a) { if (r === 'picomatch') seen.push(r); return load.call(this, r, ...a); };
      const { matchesGlob } = require(${JSON.stringify(glob)});
      const before = seen.length;
      const m = matchesGlob('a/b.md', '*.md');
      process.stdout.write(JSON.stringify({ before, after: seen.length, m }));`;
    assert.deepEqual(JSON.parse(execFileSync(process.execPath, ['-e', script]).toString()), { before: 0, after: 1, m: true });
  });
});

describe('calendar', () => {
  const cal = {
    timezone: 'Europe/Berlin',
    weekly: [
      { days: ['mon' as const], start: '09:00', end: '17:00' },
      { days: ['fri' as const], start: '22:00', end: '02:00' },
    ],
    exceptions: [],
  };
  it('is always available without an entry', () => assert.equal(isAvailable(undefined, new Date()), true));
  it('reads windows in the persona\'s time zone', () => {
    assert.equal(isAvailable(cal, new Date('2026-11-23T08:30:00Z')), true); // 09:30 Berlin, Monday
    assert.equal(isAvailable(cal, new Date('2026-11-23T07:30:00Z')), false); // 08:30 Berlin
    assert.equal(isAvailable(cal, new Date('2026-11-23T16:00:00Z')), false); // 17:00 Berlin: end is exclusive
  });
  it('handles windows across midnight', () => {
    assert.equal(isAvailable(cal, new Date('2026-11-27T22:30:00Z')), true); // Fri 23:30 Berlin
  });
  it('describes itself for tooltips', () => {
    assert.match(describeCalendar(cal), /mon 09:00–17:00.*Europe\/Berlin/);
    assert.match(describeCalendar(undefined), /always available/);
  });
});
