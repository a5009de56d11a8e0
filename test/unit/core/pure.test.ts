import * as assert from 'node:assert/strict';
import { isAvailable, describeCalendar } from '../../../src/core/calendar';
import { matchesGlob } from '../../../src/core/glob';

describe('glob', () => {
  const cases: [string, string, boolean][] = [
    ['notes/a.zettel.md', '*.zettel.md', true],
    ['a.zettel.md', '*.zettel.md', true],
    ['notes/a.md', '*.zettel.md', false],
    ['docs/x/y.md', 'docs/**/*.md', true],
    ['docs/y.md', 'docs/**/*.md', true],
    ['other/docs/y.md', 'docs/**/*.md', false],
    ['r.report.json', '*.report.{md,json}', true],
    ['r.report.txt', '*.report.{md,json}', false],
    ['a+b.md', 'a+b.md', true],
    ['x/ab.md', 'x/a?.md', true],
    ['x/a/b.md', 'x/*.md', false],
  ];
  for (const [p, g, want] of cases) it(`${g} ${want ? 'matches' : 'does not match'} ${p}`, () => assert.equal(matchesGlob(p, g), want));
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
