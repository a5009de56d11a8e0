// The editor helpers as plain data: parse model, completion, hover, document symbols and folding ranges.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { BriefCompletion, Position, completeBrief, documentSymbols, foldingRanges, hoverBrief, isBriefFileName, parseBrief, validateBrief } from '../../../src/core/brief';
import { FIXTURES, REGISTRY, read } from './helpers';

const VALID = read(path.join(FIXTURES, 'valid.brief.md'));

/** The position of the first `needle` in `text`, plus `delta` characters. */
function at(text: string, needle: string, delta = 0): Position {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, needle);
  const before = text.slice(0, i + delta);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - before.lastIndexOf('\n') - 1 };
}

function labels(items: BriefCompletion[]): string[] {
  return items.map((i) => i.label);
}

describe('brief parse model', () => {
  it('sections with heading, body and full ranges; front-matter keys with key and value ranges', () => {
    const doc = parseBrief(VALID);
    assert.deepEqual(doc.sections.map((s) => s.known), ['Identity', 'Mission', 'Resources', 'Output', 'Reporting', 'Boundaries']);
    const mission = doc.sections[1]!;
    assert.deepEqual(mission.heading.range, { start: { line: 26, character: 0 }, end: { line: 26, character: 10 } });
    assert.deepEqual(mission.range.end, { line: 33, character: 43 });
    const output = doc.frontMatter!.entries.find((e) => e.key === 'output')!;
    assert.deepEqual(output.keyRange, { start: { line: 12, character: 0 }, end: { line: 12, character: 6 } });
    assert.deepEqual(output.valueRange, { start: { line: 12, character: 8 }, end: { line: 12, character: 22 } });
    assert.deepEqual(doc.frontMatter!.entries.find((e) => e.key === 'resources')!.children!.map((c) => c.path), ['resources.cpus', 'resources.memory', 'resources.pids']);
    assert.equal(doc.title!.text, 'Review the open pull requests of agent-federation');
  });

  it('reads CRLF, a byte-order mark and closing #s', () => {
    const text = '\uFEFF---\r\npersona: research\r\n---\r\n\r\n## Mission ##\r\n\r\nDo 1 thing.\r\n';
    const doc = parseBrief(text);
    assert.equal(doc.eol, '\r\n');
    assert.deepEqual(doc.frontMatter!.data, { persona: 'research' });
    assert.equal(doc.sections[0]!.known, 'Mission');
    assert.deepEqual(doc.sections[0]!.heading.textRange, { start: { line: 4, character: 3 }, end: { line: 4, character: 10 } });
    assert.equal(doc.lines.lineText(6), 'Do 1 thing.');
  });

  it('does not require yaml when there is no front matter', () => {
    const resolved = require.resolve('yaml');
    const cached = require.cache[resolved];
    delete require.cache[resolved];
    try {
      parseBrief('# T\n\n## Mission\n\nDo 1 thing.\n');
      assert.equal(require.cache[resolved], undefined);
    } finally {
      if (cached) require.cache[resolved] = cached;
    }
  });

  it('knows brief file names', () => {
    for (const yes of ['MISSION_BRIEF.md', 'docs/MISSION_BRIEF.release.md', 'a/b/review.brief.md', 'C:\\x\\fix.brief.md']) assert.ok(isBriefFileName(yes), yes);
    for (const no of ['README.md', 'MISSION_BRIEF.txt', '.brief.md', 'mission_brief.md', 'brief.md', 'MISSION_BRIEF..md']) assert.ok(!isBriefFileName(no), no);
  });

  it('an empty text has every section missing and nothing else', () => {
    assert.deepEqual([...new Set(validateBrief('').map((f) => f.code))], ['MB001']);
  });
});

describe('brief completion', () => {
  const TEXT = [
    '---', // 0
    'confidentiality: ', // 1
    'persona: re', // 2
    'role: ', // 3
    'secrets:', // 4
    '  - ', // 5
    'resources:', // 6
    '  cpus: 2', // 7
    '  ', // 8
    'rep', // 9
    '---', // 10
    '', // 11
    '## Identity', // 12
    '', // 13
    '- **Persona:** ', // 14
    '', // 15
    '## Mission', // 16
    '', // 17
    'Use /secrets/GITHUB_TOKEN and /secrets/ and ${secrets.', // 18
    '', // 19
    '## ', // 20
  ].join('\n');
  const complete = (line: number, character: number) => completeBrief(TEXT, { line, character }, { registry: REGISTRY });

  it('enum values with their meaning after a key', () => {
    const items = complete(1, 17);
    assert.deepEqual(labels(items), ['C0', 'C1', 'C2', 'C3']);
    assert.match(items[2]!.documentation!, /Confidential/);
  });

  it('persona ids with their skills, replacing the typed prefix', () => {
    const items = complete(2, 11);
    assert.deepEqual(labels(items), ['research', 'builder']);
    assert.equal(items[0]!.detail, 'skills: research, reviewer, writing');
    assert.deepEqual(items[0]!.range, { start: { line: 2, character: 9 }, end: { line: 2, character: 11 } });
  });

  it('skills (then persona ids) for role', () => {
    assert.deepEqual(labels(complete(3, 6)), ['docker', 'research', 'reviewer', 'typescript', 'writing', 'builder']);
  });

  it('referenced but undeclared secret names in a secrets list item', () => {
    assert.deepEqual(labels(complete(5, 4)), ['GITHUB_TOKEN']);
  });

  it('the missing resources keys under resources', () => {
    assert.deepEqual(labels(complete(8, 2)), ['memory', 'pids']);
  });

  it('keys not yet present, as snippets with choices for enums', () => {
    const items = complete(9, 3);
    assert.deepEqual(labels(items), ['image', 'operator_level', 'network', 'output', 'report', 'timeout', 'task', 'workspace']);
    assert.equal(items.find((i) => i.label === 'report')!.insertText, 'report: ${1|markdown,json,sarif|}');
    assert.ok(items.every((i) => i.snippet));
  });

  it('persona ids on an Identity "Persona:" line', () => {
    assert.deepEqual(labels(complete(14, 15)), ['research', 'builder']);
  });

  it('declared secret names after /secrets/ and ${secrets.', () => {
    const withDecl = TEXT.replace('secrets:\n  - ', 'secrets: [GITHUB_TOKEN, NPM_TOKEN]\n  - x');
    const line = 18;
    const lineText = withDecl.split('\n')[line]!;
    assert.deepEqual(labels(completeBrief(withDecl, { line, character: lineText.indexOf(' and ${') }, {})), ['GITHUB_TOKEN', 'NPM_TOKEN']);
    const expr = completeBrief(withDecl, { line, character: lineText.length }, {});
    assert.deepEqual(expr.map((i) => i.insertText), ['GITHUB_TOKEN}', 'NPM_TOKEN}']);
  });

  it('section headings not yet in the brief, in order', () => {
    const items = complete(20, 3);
    assert.deepEqual(labels(items), ['## Resources', '## Output', '## Reporting', '## Boundaries']);
    assert.deepEqual(items[0]!.range, { start: { line: 20, character: 0 }, end: { line: 20, character: 3 } });
  });

  it('a whole brief as a snippet in an empty file', () => {
    const [item] = completeBrief('', { line: 0, character: 0 });
    assert.equal(item!.kind, 'snippet');
    const skeleton = item!.insertText.replace(/\$\{\d+\|([^,|]+)[^}]*\}/g, '$1').replace(/\$\{\d+:([^}]*)\}/g, '$1').replace(/\$0/, '');
    assert.deepEqual(validateBrief(skeleton).filter((f) => f.severity === 'error'), []);
  });

  it('codes inside a brief-disable comment', () => {
    const items = completeBrief('# T\n<!-- brief-disable MB0', { line: 1, character: 24 });
    assert.equal(items.length, 26);
    assert.equal(items[0]!.detail, 'A required section is missing');
  });

  it('nothing in ordinary prose', () => {
    assert.deepEqual(completeBrief(VALID, at(VALID, 'careful'), { registry: REGISTRY }), []);
  });
});

describe('brief hover', () => {
  const hover = (needle: string, delta = 1) => hoverBrief(VALID, at(VALID, needle, delta), { registry: REGISTRY });

  it('explains a key, and an enum value by its meaning', () => {
    assert.match(hover('confidentiality')!.markdown, /^\*\*confidentiality\*\*: How sensitive/);
    const v = hover('C1')!;
    assert.match(v.markdown, /^\*\*C1\*\*: Internal/);
    assert.deepEqual(v.range, { start: { line: 4, character: 17 }, end: { line: 4, character: 19 } });
  });

  it('shows a persona’s skills and who has a role', () => {
    assert.match(hover('persona: research', 10)!.markdown, /Persona \*\*research\*\*: skills `research`, `reviewer`, `writing`/);
    assert.match(hover('role: reviewer', 8)!.markdown, /Role \*\*reviewer\*\*: a skill of `research`/);
    assert.match(hover('**Persona:** research', 15)!.markdown, /Persona \*\*research\*\*/);
  });

  it('describes a section heading and a secret reference', () => {
    assert.match(hover('## Boundaries')!.markdown, /^\*\*Boundaries\*\* \(section 6 of 6\)/);
    const s = hover('/secrets/GITHUB_TOKEN', 12)!;
    assert.match(s.markdown, /Secret \*\*GITHUB_TOKEN\*\*.*Declared/);
  });

  it('links a code in a brief-disable comment to its documentation', () => {
    const text = '<!-- brief-disable MB020 -->\n# T\n';
    const h = hoverBrief(text, { line: 0, character: 21 })!;
    assert.match(h.markdown, /\*\*MB020\*\* \(warning\): The Mission has nothing measurable\. \[Documentation\]\(https:\/\/github\.com\/.*#mb020\)/);
  });

  it('nothing over prose', () => {
    assert.equal(hover('careful'), undefined);
  });
});

describe('brief outline and folding', () => {
  it('front matter with its keys, then the heading tree with the six sections', () => {
    const symbols = documentSymbols(VALID);
    assert.deepEqual(symbols.map((s) => [s.name, s.kind]), [['Front matter', 'front-matter'], ['Review the open pull requests of agent-federation', 'heading']]);
    assert.deepEqual(symbols[0]!.children.find((c) => c.name === 'resources')!.range, { start: { line: 7, character: 0 }, end: { line: 10, character: 11 } });
    const sections = symbols[1]!.children;
    assert.deepEqual(sections.map((s) => [s.name, s.kind, s.detail]), [
      ['Identity', 'section', '1/6'],
      ['Mission', 'section', '2/6'],
      ['Resources', 'section', '3/6'],
      ['Output', 'section', '4/6'],
      ['Reporting', 'section', '5/6'],
      ['Boundaries', 'section', '6/6'],
    ]);
    assert.deepEqual(sections[1]!.range, { start: { line: 26, character: 0 }, end: { line: 33, character: 43 } });
  });

  it('marks an unknown level-2 heading', () => {
    const [title] = documentSymbols('# T\n\n## Notes\n\nx\n');
    assert.deepEqual(title!.children.map((c) => [c.name, c.kind, c.detail]), [['Notes', 'heading', 'not a brief section']]);
  });

  it('folds the front matter, sections, code blocks and comments', () => {
    const text = read(path.join(FIXTURES, 'code-blocks.brief.md'));
    const ranges = foldingRanges(text);
    assert.ok(ranges.some((r) => r.kind === 'comment' && r.startLine === 19 && r.endLine === 21));
    assert.ok(ranges.some((r) => r.startLine === 10 && r.endLine === 13), 'fenced code');
    assert.deepEqual(foldingRanges(VALID).slice(0, 3), [
      { startLine: 0, endLine: 15, kind: 'region' },
      { startLine: 17, endLine: 52 },
      { startLine: 19, endLine: 24 },
    ]);
  });
});
