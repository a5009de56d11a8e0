// briefClearanceFindings: what a brief asks for that its agent will not get, as findings with ranges the editor
// can show next to the brief validator's.
import * as assert from 'node:assert/strict';
import { MemoryWorkspaceFs, Workspace, briefClearanceFindings } from '../../../src/core/packages';

const fs = new MemoryWorkspaceFs({
  '.federation/config.yaml': 'confidentiality:\n  rules:\n    - { glob: "briefs/secret/**", level: C2 }\n',
  'docs/public.md': '---\nconfidentiality: C0\n---\n',
  'docs/private.md': '---\nconfidentiality: C2\n---\n',
  'docs/keys.md': '---\nconfidentiality: C3\n---\n',
  'docs/broken.md': '---\nconfidentiality: [\n---\n',
  'docs/link-out.md': { symlink: '/etc/shadow' },
  'all/a.md': 'a',
  'all/b.md': '---\nconfidentiality: C2\n---\n',
});

const text = [
  '---', // 0
  'confidentiality: C1', // 1
  'secrets: [GITHUB_TOKEN]', // 2
  '---', // 3
  '# B', // 4
  '', // 5
  '## Resources', // 6
  '', // 7
  '- `/workspace/docs/public.md` is fine', // 8
  '- `/workspace/docs/private.md`', // 9
  '- `/workspace/docs/keys.md` and `/workspace/docs/broken.md`', // 10
  '- `/workspace/../etc/passwd` and `/workspace/docs/link-out.md`', // 11
  '- `/workspace/all/`', // 12
  '- `/workspace/missing.md`', // 13
  '- `/home/me/notes.md`', // 14
  '', // 15
  '## Output', // 16
  '', // 17
  '`/workspace/docs/private.md` outside Resources is not a reference', // 18
].join('\n');

function at(line: number, text: string, needle: string): { start: { line: number; character: number }; end: { line: number; character: number } } {
  const c = text.split('\n')[line]!.indexOf(needle);
  assert.ok(c >= 0, needle);
  return { start: { line, character: c }, end: { line, character: c + needle.length } };
}

describe('bootstrap packages: brief clearance findings', () => {
  it('one finding per problem, with the range of the reference as written', async () => {
    const findings = await briefClearanceFindings(text, { fs });
    assert.deepEqual(
      findings.map((f) => [f.code, f.severity, f.range, f.data.reason]),
      [
        ['PK001', 'error', at(9, text, '/workspace/docs/private.md'), 'above-clearance'],
        ['PK001', 'error', at(10, text, '/workspace/docs/keys.md'), 'confidential'],
        ['PK001', 'error', at(10, text, '/workspace/docs/broken.md'), 'unreadable-label'],
        ['PK002', 'error', at(11, text, '/workspace/../etc/passwd'), 'traversal'],
        ['PK002', 'error', at(11, text, '/workspace/docs/link-out.md'), 'symlink-outside'],
        ['PK003', 'warning', at(12, text, '/workspace/all/'), 'partial'],
        ['PK004', 'warning', at(13, text, '/workspace/missing.md'), 'not-found'],
        ['PK005', 'info', at(14, text, '/home/me/notes.md'), 'absolute-path'],
      ],
    );
    assert.match(findings[0]!.message, /docs\/private\.md is C2; a remote-agent is cleared for C1/);
    assert.match(findings[5]!.message, /1 file will be left out \(all\/b\.md \(C2\)\); 1 will be packaged/);
    assert.equal(findings[0]!.docUrl, 'https://github.com/agent-federation/agent-federation/blob/main/docs/packages.md#pk001');
  });

  it('secrets need an L3 operator (only checked when the operator level is known)', async () => {
    const l1 = await briefClearanceFindings(text, { fs }, { operatorLevel: 'L1' });
    const pk7 = l1.find((f) => f.code === 'PK007')!;
    assert.deepEqual(pk7.range, at(2, text, '[GITHUB_TOKEN]'));
    assert.equal((await briefClearanceFindings(text, { fs }, { operatorLevel: 'L3' })).filter((f) => f.code === 'PK007').length, 0);
  });

  it('the operator level lowers the clearance: at L0 even C1 files are findings', async () => {
    const l0 = await briefClearanceFindings(text, await Workspace.open({ fs }), { operatorLevel: 'L0' });
    assert.ok(l0.some((f) => f.code === 'PK006' && f.range.start.line === 1));
    assert.ok(l0.some((f) => f.code === 'PK003' && f.range.start.line === 12 && /2 files will be left out/.test(f.message)));
  });

  it('the brief itself: its own label (front matter or path rule) above the clearance', async () => {
    const c2 = text.replace('confidentiality: C1', 'confidentiality: C2');
    const pk6 = (await briefClearanceFindings(c2, { fs })).find((f) => f.code === 'PK006')!;
    assert.deepEqual(pk6.range, at(1, c2, 'C2'));
    const byRule = await briefClearanceFindings(text, { fs }, { briefPath: 'briefs/secret/x.brief.md' });
    assert.match(byRule.find((f) => f.code === 'PK006')!.message, /is C2 \(path rule briefs\/secret\/\*\*\)/);
    const external = await briefClearanceFindings(text, { fs }, { consumer: 'external-llm' });
    assert.ok(external.some((f) => f.code === 'PK006'));
    assert.ok(external.some((f) => f.code === 'PK001' && f.data.path === 'all/a.md') === false);
  });

  it('a brief without Resources, or with only allowed files, has no findings', async () => {
    assert.deepEqual(await briefClearanceFindings('# Nothing\n', { fs }), []);
    assert.deepEqual(await briefClearanceFindings('---\nconfidentiality: C0\n---\n## Resources\n\n`/workspace/docs/public.md`\n', { fs }, { consumer: 'external-llm', operatorLevel: 'L0' }), []);
  });
});
