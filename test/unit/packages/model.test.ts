// The pure parts of the security model: operator ceilings, clearances, labels, the confidentiality config,
// reference checks and reference extraction.
import * as assert from 'node:assert/strict';
import { StateFileError } from '../../../src/core/errors';
import {
  CONSUMERS,
  ConfidentialityConfig,
  OPERATOR_CEILINGS,
  OPERATOR_LEVELS,
  briefReferences,
  checkReference,
  clearanceFor,
  frontMatterLevel,
  instructionImports,
  labelFile,
  parsePackageConfig,
} from '../../../src/core/packages';

describe('bootstrap packages: the security model', () => {
  it('operator levels: Ln may include up to Cn; C3 only by reference, and only at L3', () => {
    assert.deepEqual(OPERATOR_CEILINGS, {
      L0: { inline: 'C0', byReference: false },
      L1: { inline: 'C1', byReference: false },
      L2: { inline: 'C2', byReference: false },
      L3: { inline: 'C2', byReference: true },
    });
  });

  it('clearance: the lower of the consumer type’s own and the operator’s ceiling', () => {
    const table = Object.fromEntries(CONSUMERS.map((c) => [c, OPERATOR_LEVELS.map((l) => `${clearanceFor(c, l).effective}${clearanceFor(c, l).references ? '+ref' : ''}`).join(' ')]));
    assert.deepEqual(table, {
      'local-session': 'C0 C1 C2 C2+ref',
      'parallel-terminal': 'C0 C1 C1 C1',
      'remote-agent': 'C0 C1 C1 C1+ref',
      'maintenance-agent': 'C0 C1 C1 C1',
      'external-llm': 'C0 C0 C0 C0',
    });
  });

  describe('front-matter labels', () => {
    const cases: [string, string, ReturnType<typeof frontMatterLevel>][] = [
      ['a label', '---\nconfidentiality: C2\n---\n# x', { level: 'C2' }],
      ['lower case and spaces', '---\nconfidentiality: " c0 "\n---\n', { level: 'C0' }],
      ['closed with ...', '---\nconfidentiality: C1\n...\n', { level: 'C1' }],
      ['a byte-order mark and CRLF', '\uFEFF---\r\nconfidentiality: C3\r\n---\r\n', { level: 'C3' }],
      ['no front matter', '# x\nconfidentiality: C0\n', undefined],
      ['front matter without the key', '---\ntitle: x\n---\n', undefined],
      ['empty front matter', '---\n---\n', undefined],
    ];
    for (const [name, text, expected] of cases) {
      it(name, () => assert.deepEqual(frontMatterLevel(text), expected));
    }
    const unreadable: [string, string, RegExp][] = [
      ['never closed', '---\nconfidentiality: C0\n# x\n', /never closed/],
      ['not YAML', '---\nconfidentiality: [C0\n---\n', /not valid YAML/],
      ['a list, not a mapping', '---\n- C0\n---\n', /not a mapping/],
      ['an unknown value', '---\nconfidentiality: C5\n---\n', /"C5" is not one of/],
      ['a number', '---\nconfidentiality: 1\n---\n', /1 is not one of/],
      ['an empty value', '---\nconfidentiality:\n---\n', /null is not one of/],
      ['a duplicate key', '---\nconfidentiality: C0\nconfidentiality: C0\n---\n', /not valid YAML/],
    ];
    for (const [name, text, problem] of unreadable) {
      it(`unreadable: ${name} (counts as C3)`, () => {
        const r = frontMatterLevel(text);
        assert.ok(r && 'problem' in r, JSON.stringify(r));
        assert.match(r.problem, problem);
        assert.deepEqual(labelFile('x.md', text, { default: 'C0', rules: [] }).level, 'C3');
      });
    }
  });

  describe('labelFile: front matter, path rules, default', () => {
    const config: ConfidentialityConfig = {
      default: 'C1',
      rules: [
        { glob: 'private/**', level: 'C2' },
        { glob: 'public/**', level: 'C0' },
        { glob: '*.key', level: 'C3' },
        { glob: '../**', level: 'C0' },
      ],
    };
    it('the default when nothing speaks', () => assert.deepEqual(labelFile('docs/a.md', '# a', config), { level: 'C1', source: 'default' }));
    it('the first matching rule; a glob without a slash matches the name anywhere', () => {
      assert.deepEqual(labelFile('public/a.md', '# a', config), { level: 'C0', source: 'path-rule', rule: 'public/**' });
      assert.deepEqual(labelFile('deep/er/id.key', undefined, config), { level: 'C3', source: 'path-rule', rule: '*.key' });
    });
    it('a rule covers files and folders whose names start with a dot, as in .gitignore', () => {
      assert.deepEqual(labelFile('private/.env', 'TOKEN=x', config), { level: 'C2', source: 'path-rule', rule: 'private/**' });
      assert.deepEqual(labelFile('private/.ssh/config', 'Host x', config), { level: 'C2', source: 'path-rule', rule: 'private/**' });
      assert.deepEqual(labelFile('deep/.hidden.key', undefined, config), { level: 'C3', source: 'path-rule', rule: '*.key' });
    });
    it('front matter over the default, in either direction', () => {
      assert.deepEqual(labelFile('docs/a.md', '---\nconfidentiality: C0\n---\n', config), { level: 'C0', source: 'front-matter' });
      assert.deepEqual(labelFile('docs/a.md', '---\nconfidentiality: C3\n---\n', config), { level: 'C3', source: 'front-matter' });
    });
    it('front matter and a rule: the stricter wins', () => {
      assert.deepEqual(labelFile('private/a.md', '---\nconfidentiality: C0\n---\n', config), { level: 'C2', source: 'path-rule', rule: 'private/**' });
      assert.deepEqual(labelFile('public/a.md', '---\nconfidentiality: C2\n---\n', config), { level: 'C2', source: 'front-matter' });
    });
    it('front matter is read only in Markdown files', () => {
      assert.deepEqual(labelFile('docs/a.yaml', '---\nconfidentiality: C0\n', config), { level: 'C1', source: 'default' });
    });
  });

  describe('the confidentiality section of config.yaml', () => {
    it('defaults to C1 without rules when absent', () => {
      assert.deepEqual(parsePackageConfig('version: 1\n', 'config.yaml').confidentiality, { default: 'C1', rules: [] });
    });
    it('keeps the other sections and reads default and rules', () => {
      const c = parsePackageConfig('confidentiality:\n  default: C0\n  rules:\n    - { glob: "x/**", level: C3 }\nartifacts:\n  rules:\n    - { kind: doc, glob: "*.doc.md", folder: OUT }\n', 'config.yaml');
      assert.deepEqual(c.confidentiality, { default: 'C0', rules: [{ glob: 'x/**', level: 'C3' }] });
      assert.equal(c.artifacts.length, 1);
    });
    for (const [name, yaml, field] of [
      ['an unknown level', 'confidentiality:\n  rules:\n    - { glob: "x/**", level: C9 }\n', 'confidentiality.rules.0.level'],
      ['an unknown key', 'confidentiality:\n  defualt: C0\n', 'confidentiality'],
      ['a rule without a glob', 'confidentiality:\n  rules:\n    - { level: C0 }\n', 'confidentiality.rules.0.glob'],
    ] as const) {
      it(`fails closed on ${name}`, () => {
        assert.throws(() => parsePackageConfig(yaml, 'config.yaml'), (e: unknown) => e instanceof StateFileError && e.reason === 'state-corrupt' && e.field === field);
      });
    }
  });

  it('checkReference: ".." and absolute paths are refused before the file system is touched', () => {
    assert.deepEqual(checkReference('docs/./a.md'), { ok: true, rel: 'docs/a.md' });
    assert.deepEqual(checkReference(''), { ok: true, rel: '' });
    for (const p of ['../x', 'docs/../../x', 'docs/..', 'a\\..\\b', 'docs/../docs/a.md']) assert.equal(checkReference(p).ok ? 'ok' : (checkReference(p) as { reason: string }).reason, 'traversal', p);
    for (const p of ['/etc/passwd', '~/x', 'C:\\x', 'c:/x', '\\\\server\\share']) assert.equal(checkReference(p).ok ? 'ok' : (checkReference(p) as { reason: string }).reason, 'absolute-path', p);
  });

  describe('references', () => {
    const brief = [
      '---',
      'secrets: [TOKEN]',
      '---',
      '# T',
      '',
      '## Resources',
      '',
      '- `/workspace/docs/a.md` and /workspace/src/ and `/workspace`.',
      '- [notes](notes/b.md "title"), `README.md`, `../up.md`, `/home/me/x.md`, `C:\\Users\\me\\y.md`',
      '- Not files: `npm test`, `https://example.com/a.md`, `/output/r.md`, `/secrets/TOKEN`, `${secrets.TOKEN}`, `v1.2`, `e.g.`',
      '',
      '```',
      '/workspace/in-code-block.md',
      '```',
      '',
      '## Output',
      '',
      '`/workspace/not-in-resources.md`',
    ].join('\n');

    it('a brief’s Resources: /workspace paths, code spans and link targets that name files, in order', () => {
      const refs = briefReferences(brief);
      assert.deepEqual(
        refs.map((r) => [r.ref, r.path]),
        [
          ['/workspace/docs/a.md', 'docs/a.md'],
          ['/workspace/src/', 'src'],
          ['/workspace', ''],
          ['notes/b.md', 'notes/b.md'],
          ['README.md', 'README.md'],
          ['../up.md', '../up.md'],
          ['/home/me/x.md', undefined],
          ['C:\\Users\\me\\y.md', undefined],
        ],
      );
      for (const r of refs) assert.equal(brief.slice(r.start, r.end), r.ref);
      assert.equal(refs[0]!.line, 7);
    });

    it('instruction imports: @path with a folder or an extension, outside code, relative to the importing file', () => {
      const text = 'See @docs/a.md and @README.md.\nPing @alice or mail me@example.com.\n`@in/span.md`\n```\n@in/fence.md\n```\n@../up.md @~/home.md @./here.md';
      assert.deepEqual(
        instructionImports(text, '.claude/CLAUDE.md').map((r) => [r.ref, r.path, r.line]),
        [
          ['@docs/a.md', '.claude/docs/a.md', 0],
          ['@README.md', '.claude/README.md', 0],
          ['@../up.md', '.claude/../up.md', 6],
          ['@~/home.md', undefined, 6],
          ['@./here.md', '.claude/./here.md', 6],
        ],
      );
    });
  });
});
