// Quick fixes against expected output files: test/fixtures/briefs/quickfix/NAME.brief.md with the fix applied
// must equal NAME.after.md.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { BriefCode, applyEdits, fixAll, quickFixes, quickFixesInRange, validateBrief } from '../../../src/core/brief';
import { FIXTURES, REGISTRY, UPDATE, read } from './helpers';

const DIR = path.join(FIXTURES, 'quickfix');

const CASES: { name: string; code: BriefCode; title: string }[] = [
  { name: 'insert-section', code: 'MB001', title: 'Add the "## Resources" section' },
  { name: 'insert-section-eof', code: 'MB001', title: 'Add the "## Boundaries" section' },
  { name: 'reorder', code: 'MB004', title: 'Reorder sections' },
  { name: 'enum', code: 'MB013', title: 'Change to C3' },
  { name: 'output-key', code: 'MB030', title: 'Change to /output/results' },
  { name: 'output-body', code: 'MB030', title: 'Change to /output/run-1' },
  { name: 'declare-secret-block', code: 'MB040', title: 'Declare secret "NPM_TOKEN"' },
  { name: 'declare-secret-new', code: 'MB040', title: 'Declare secret "GITHUB_TOKEN"' },
  { name: 'declare-secret-flow', code: 'MB040', title: 'Declare secret "NPM_TOKEN"' },
  { name: 'remove-secret-flow', code: 'MB042', title: 'Remove "OLD_TOKEN"' },
  { name: 'merge-duplicate', code: 'MB003', title: 'Merge into the first "## Mission"' },
  { name: 'heading-level', code: 'MB006', title: 'Make it "## Resources"' },
  { name: 'secret-value', code: 'MB041', title: 'Replace with ${secrets.GITHUB_TOKEN} and declare it' },
  { name: 'boundaries', code: 'MB060', title: 'Add the standard prohibitions' },
  { name: 'disable', code: 'MB060', title: 'Disable MB060 for this file' },
  { name: 'mission', code: 'MB020', title: 'Add a success criterion' },
  { name: 'unclosed', code: 'MB010', title: 'Close the front matter' },
  { name: 'bare-path', code: 'MB033', title: 'Put docs/public.md in backticks' },
];

describe('brief quick fixes', () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.code} "${c.title}"`, () => {
      const text = read(path.join(DIR, `${c.name}.brief.md`));
      const finding = validateBrief(text, { registry: REGISTRY }).find((f) => f.code === c.code);
      assert.ok(finding, `no ${c.code} in ${c.name}`);
      const fixes = quickFixes(text, finding);
      const chosen = fixes.find((f) => f.title.startsWith(c.title));
      assert.ok(chosen, `no fix "${c.title}" among: ${fixes.map((f) => f.title).join(' | ')}`);
      const after = applyEdits(text, chosen.edits);
      const expectedFile = path.join(DIR, `${c.name}.after.md`);
      if (UPDATE) writeFileSync(expectedFile, after);
      assert.equal(after, read(expectedFile));
      // The fix removes what it was for (a disable comment, by turning the code off).
      const again = validateBrief(after, { registry: REGISTRY }).filter((f) => f.code === c.code && f.range.start.line === finding.range.start.line && f.message === finding.message);
      assert.deepEqual(again, []);
    });
  }

  it('offers every allowed value for an enum, the closest first and preferred', () => {
    const text = read(path.join(DIR, 'enum.brief.md'));
    const finding = validateBrief(text).find((f) => f.code === 'MB013')!;
    const titles = quickFixes(text, finding).map((f) => `${f.title}${f.isPreferred ? ' *' : ''}`);
    assert.deepEqual(titles, ['Change to C3 *', 'Change to C0', 'Change to C1', 'Change to C2', 'Disable MB013 for this file']);
  });

  it('never offers to disable MB041 (a pasted secret must go, not be hidden)', () => {
    const text = read(path.join(DIR, 'secret-value.brief.md'));
    const finding = validateBrief(text).find((f) => f.code === 'MB041')!;
    assert.ok(quickFixes(text, finding).every((f) => !f.title.startsWith('Disable')));
    assert.ok(quickFixes(text, finding).every((f) => !f.safe), 'not part of fix all');
  });

  it('declaring a secret is offered one by one, never by fix all (it widens what the agent gets)', () => {
    const text = read(path.join(DIR, 'declare-secret-block.brief.md'));
    const result = fixAll(text);
    assert.ok(result.remaining.some((f) => f.code === 'MB040'));
  });

  it('quickFixesInRange returns the findings under the cursor with their fixes', () => {
    const text = read(path.join(DIR, 'enum.brief.md'));
    const got = quickFixesInRange(text, { start: { line: 1, character: 18 }, end: { line: 1, character: 18 } });
    assert.deepEqual(got.map((g) => g.finding.code), ['MB013']);
    assert.equal(got[0]!.fixes[0]!.title, 'Change to C3');
  });

  it('keeps CRLF line breaks in inserted text', () => {
    const text = read(path.join(DIR, 'insert-section.brief.md')).replace(/\n/g, '\r\n');
    const finding = validateBrief(text).find((f) => f.code === 'MB001')!;
    const after = applyEdits(text, quickFixes(text, finding)[0]!.edits);
    assert.equal(after.replace(/\r\n/g, '').includes('\n'), false, 'no bare LF');
    assert.equal(after.replace(/\r\n/g, '\n'), read(path.join(DIR, 'insert-section.after.md')));
  });

  it('fix all returns one minimal edit that turns the text into the fixed text', () => {
    const text = read(path.join(FIXTURES, 'broken.brief.md'));
    const result = fixAll(text, { registry: REGISTRY });
    assert.equal(result.edits.length, 1);
    assert.equal(applyEdits(text, result.edits), result.text);
    assert.ok(result.fixed >= 10);
    assert.ok(result.edits[0]!.range.start.line > 0, 'the unchanged first line is outside the edit');
  });
});
