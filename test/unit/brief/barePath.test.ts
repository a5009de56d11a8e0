// MB033: a Resources bullet written as a bare path is not packaged; the warning's quick fix adds the backticks,
// and then the package builder's references (packages/references.ts) take the path.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { applyEdits, fixAll, quickFixes, validateBrief } from '../../../src/core/brief';
import { briefReferences } from '../../../src/core/packages';
import { FIXTURES, read } from './helpers';

const TEXT = read(path.join(FIXTURES, 'resources-bare.brief.md'));

describe('brief MB033: a bare path in Resources', () => {
  it('warns on bare paths that start a Resources bullet, and on nothing the package builder takes or that is prose', () => {
    const found = validateBrief(TEXT).filter((f) => f.code === 'MB033');
    assert.deepEqual(found.map((f) => f.data?.path), ['docs/public.md', 'docs/guides/', 'README.md', 'src/core']);
    assert.ok(found.every((f) => f.severity === 'warning'));
    assert.match(found[0]!.message, /"docs\/public\.md" is written as a bare path, so the agent does not get it/);
    // What it warns on is exactly what the builder misses: none of them is a reference, every other path is.
    const refs = briefReferences(TEXT).map((r) => r.ref);
    for (const f of found) assert.ok(!refs.includes(f.data!.path!), `${f.data!.path} is not a reference`);
    assert.deepEqual(refs, ['docs/packaged.md', '/workspace/notes/', '/workspace/docs/also-packaged.md', 'docs/glossary.md']);
  });

  it('the quick fix puts each in backticks, after which it is a package reference and the warning is gone', () => {
    let text = TEXT;
    for (let f = validateBrief(text).find((x) => x.code === 'MB033'); f; f = validateBrief(text).find((x) => x.code === 'MB033')) {
      const [best] = quickFixes(text, f);
      assert.equal(best!.title, `Put ${f.data!.path} in backticks, so that it is packaged`);
      assert.equal(best!.isPreferred, true);
      text = applyEdits(text, best!.edits);
    }
    const refs = briefReferences(text).map((r) => r.ref);
    for (const p of ['docs/public.md', 'docs/guides/', 'README.md', 'src/core']) assert.ok(refs.includes(p), `${p} in ${refs.join(', ')}`);
    assert.match(text, /^1\. `README\.md`\.$/m);
  });

  it('fix all leaves it to a person (the backticks hand a file to the agent)', () => {
    assert.equal(fixAll(TEXT).text, TEXT);
    assert.ok(quickFixes(TEXT, validateBrief(TEXT).find((f) => f.code === 'MB033')!).every((q) => !q.safe));
  });

  it('brief-disable turns it off', () => {
    assert.deepEqual(validateBrief(`<!-- brief-disable MB033 -->\n${TEXT}`).filter((f) => f.code === 'MB033'), []);
  });
});
