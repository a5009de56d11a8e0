// The builder over an in-memory workspace (the file-system port): path resolution through links, folders that are
// never packaged, binary and large files, config that fails closed, and option checks.
import * as assert from 'node:assert/strict';
import { isFederationError } from '../../../src/core/errors';
import { MAX_FILE_BYTES, MemoryEntry, MemoryWorkspaceFs, PackageOptions, Workspace, auditPackage, buildPackage } from '../../../src/core/packages';
import { excluded, paths } from './helpers';

const CONFIG = 'confidentiality:\n  default: C1\n  rules:\n    - { glob: "private/**", level: C2 }\n';

function brief(resources: string[], frontMatter = 'confidentiality: C1'): string {
  return `---\n${frontMatter}\n---\n# B\n\n## Identity\n\nAgent.\n\n## Mission\n\nDo it.\n\n## Resources\n\n${resources.map((r) => `- ${r}`).join('\n')}\n\n## Output\n\n\`/output\`\n\n## Reporting\n\nReport.\n\n## Boundaries\n\n- Do not write outside \`/output\`.\n`;
}

function ws(files: Record<string, MemoryEntry>): MemoryWorkspaceFs {
  return new MemoryWorkspaceFs({ '.federation/config.yaml': CONFIG, ...files }, '/ws');
}

async function remote(files: Record<string, MemoryEntry>, resources: string[], extra: Partial<PackageOptions> = {}) {
  return buildPackage({ consumer: 'remote-agent', operatorLevel: 'L1', brief: 'b.brief.md', fs: ws({ 'b.brief.md': brief(resources), ...files }), ...extra });
}

describe('bootstrap packages: in-memory workspace', () => {
  describe('Workspace.resolve follows links itself and refuses any way out', () => {
    const fs = ws({
      'docs/a.md': 'a',
      'docs/abs-in.md': { symlink: '/ws/docs/a.md' },
      'docs/abs-out.md': { symlink: '/etc/passwd' },
      'docs/rel-out.md': { symlink: '../../etc/passwd' },
      'docs/rel-in.md': { symlink: '../private/p.md' },
      'docs/loop1': { symlink: 'loop2' },
      'docs/loop2': { symlink: 'loop1' },
      'linked': { symlink: 'docs' },
      'root-alias': { symlink: '/ws' },
      'private/p.md': 'p',
      '.federation/agents/x/secrets/TOKEN': 'v',
      'docs/to-agents': { symlink: '../.federation/agents/x/secrets/TOKEN' },
      '.git/config': 'c',
    });
    const cases: [string, string][] = [
      ['docs/a.md', 'ok docs/a.md'],
      ['docs/abs-in.md', 'ok docs/a.md'],
      ['linked/a.md', 'ok docs/a.md'],
      ['root-alias/docs/a.md', 'ok docs/a.md'],
      ['docs/rel-in.md', 'ok private/p.md'],
      ['docs/abs-out.md', 'symlink-outside'],
      ['docs/rel-out.md', 'symlink-outside'],
      ['linked/rel-out.md', 'symlink-outside'],
      ['docs/loop1', 'link-loop'],
      ['docs/missing.md', 'not-found'],
      ['docs/a.md/x', 'not-found'],
      ['.federation/agents/x/secrets/TOKEN', 'never-packaged'],
      ['docs/to-agents', 'never-packaged'],
      ['.git/config', 'never-packaged'],
    ];
    for (const [rel, expected] of cases) {
      it(`${rel} -> ${expected}`, async () => {
        const r = await (await Workspace.open({ fs })).resolve(rel);
        assert.equal(r.ok ? `ok ${r.real}` : r.reason, expected);
      });
    }
  });

  it('a link is labelled by the stricter of its own path and its target', async () => {
    const pkg = await remote({ 'private/p.md': 'P-MARKER', 'docs/p.md': { symlink: '../private/p.md' } }, ['`/workspace/docs/p.md`']);
    assert.deepEqual(excluded(pkg.manifest), { 'docs/p.md': 'above-clearance' });
    assert.equal(pkg.manifest.excluded[0]!.level, 'C2');
    assert.ok(!pkg.files.some((f) => f.content.includes('P-MARKER')));
  });

  it('/workspace as a whole: every file up to the clearance, never .git, node_modules or the federation’s state', async () => {
    const pkg = await remote(
      {
        'docs/a.md': 'a',
        'private/p.md': 'p',
        '.git/HEAD': 'ref',
        'node_modules/x/index.js': 'x',
        '.federation/agents/x/secrets/TOKEN': 'v',
        '.federation/packages/old/BOOTSTRAP.md': 'old',
        '.federation/queue.json': '{}',
        'img.png': new Uint8Array([0x89, 0x50, 0x00, 0x01]),
        'big.txt': 'x'.repeat(MAX_FILE_BYTES + 1),
        'latin1.txt': new Uint8Array([0x63, 0x61, 0x66, 0xe9]),
      },
      ['`/workspace`'],
    );
    // The brief is a workspace file like any other: the whole workspace includes it.
    assert.deepEqual(paths(pkg), ['BOOTSTRAP.md', 'MISSION_BRIEF.md', 'workspace/b.brief.md', 'workspace/docs/a.md']);
    assert.deepEqual(excluded(pkg.manifest), { 'big.txt': 'too-large', 'img.png': 'binary', 'latin1.txt': 'binary', 'private/p.md': 'above-clearance' });
    assert.equal(pkg.manifest.ok, true);
  });

  it('a federation state file is packaged only when the brief names it', async () => {
    const pkg = await remote({ '.federation/queue.json': '{"x": 1}', 'docs/a.md': 'a' }, ['`/workspace`', '`/workspace/.federation/queue.json`']);
    assert.deepEqual(paths(pkg), ['BOOTSTRAP.md', 'MISSION_BRIEF.md', 'workspace/.federation/queue.json', 'workspace/b.brief.md', 'workspace/docs/a.md']);
  });

  it('globs match against the workspace; a glob that matches nothing is reported, not refused', async () => {
    const pkg = await remote({ 'docs/a.md': 'a', 'docs/sub/b.md': 'b', 'docs/c.txt': 'c' }, ['`/workspace/docs/**/*.md`', '`/workspace/none/*.md`']);
    assert.deepEqual(paths(pkg).filter((p) => p.startsWith('workspace/')), ['workspace/docs/a.md', 'workspace/docs/sub/b.md']);
    assert.equal(excluded(pkg.manifest)['/workspace/none/*.md'], 'not-found');
    assert.equal(pkg.manifest.ok, true);
  });

  it('a glob with ".." is refused before anything is matched', async () => {
    const pkg = await remote({ 'docs/a.md': 'a' }, ['`/workspace/../**/*.md`']);
    assert.deepEqual(excluded(pkg.manifest), { '/workspace/../**/*.md': 'traversal' });
    assert.equal(pkg.manifest.ok, false);
  });

  it('a file named twice is listed once, with both reasons it was asked for', async () => {
    const pkg = await remote({ 'docs/a.md': 'a' }, ['`/workspace/docs/a.md`', '[a](docs/a.md)', '`/workspace/docs/`']);
    const entry = pkg.manifest.included.find((e) => e.source === 'docs/a.md')!;
    assert.equal(pkg.manifest.included.filter((e) => e.source === 'docs/a.md').length, 1);
    assert.deepEqual(entry.via, ['brief Resources, line 16', 'brief Resources, line 17', 'brief Resources, line 18']);
  });

  it('unsaved brief text replaces the file’s, and is what the package ships', async () => {
    const fs = ws({ 'b.brief.md': brief(['`/workspace/docs/a.md`']), 'docs/a.md': 'a', 'docs/b.md': 'b' });
    const pkg = await buildPackage({ consumer: 'remote-agent', operatorLevel: 'L1', brief: 'b.brief.md', briefText: brief(['`/workspace/docs/b.md`']), fs });
    assert.deepEqual(paths(pkg), ['BOOTSTRAP.md', 'MISSION_BRIEF.md', 'workspace/docs/b.md']);
    assert.match(pkg.files[1]!.content, /docs\/b\.md/);
  });

  it('secret values in generated text (a task title) are redacted too', async () => {
    const queue = {
      version: 1,
      revision: 1,
      nextId: 2,
      tasks: [{ id: 'T1', title: 'Rotate ghp_R8x2Lq9VmT4wZk7NcB3yH6dJf1sPa5GuE0oX now', description: '', priority: 1, skills: [], status: 'queued', assignee: null, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', createdBy: 'cli', history: [] }],
    };
    const personas = { version: 1, revision: 1, personas: [{ id: 'p', displayName: 'P', skills: [], status: 'idle', runsIn: 'terminal', lastHeartbeat: null, registeredAt: '2026-01-01T00:00:00Z' }] };
    const pkg = await buildPackage({ consumer: 'parallel-terminal', persona: 'p', operatorLevel: 'L1', fs: ws({ '.federation/queue.json': JSON.stringify(queue), '.federation/personas.json': JSON.stringify(personas) }) });
    assert.match(pkg.files[0]!.content, /Rotate \[REDACTED:github-token\] now/);
    assert.deepEqual(pkg.manifest.redactions.map((r) => [r.path, r.source, r.kind]), [['BOOTSTRAP.md', null, 'github-token']]);
  });

  it('reads the queue with its journal (recent changes not yet folded into queue.json)', async () => {
    const task = { id: 'T1', title: 'Write the notes', description: '', priority: 1, skills: [], status: 'queued', assignee: null, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', createdBy: 'cli', history: [] };
    const queue = { version: 1, revision: 1, nextId: 2, tasks: [task] };
    const journal = JSON.stringify({ revision: 2, header: { version: 1, nextId: 3 }, items: [{ ...task, id: 'T2', title: 'Added later' }] }) + '\n';
    const personas = { version: 1, revision: 1, personas: [{ id: 'p', displayName: 'P', skills: [], status: 'idle', runsIn: 'terminal', lastHeartbeat: null, registeredAt: '2026-01-01T00:00:00Z' }] };
    const files = { '.federation/queue.json': JSON.stringify(queue), '.federation/personas.json': JSON.stringify(personas) };
    const without = await buildPackage({ consumer: 'parallel-terminal', persona: 'p', operatorLevel: 'L1', fs: ws(files) });
    const withJournal = await buildPackage({ consumer: 'parallel-terminal', persona: 'p', operatorLevel: 'L1', fs: ws({ ...files, '.federation/queue.journal': journal }) });
    assert.ok(!without.files[0]!.content.includes('Added later'));
    assert.match(withJournal.files[0]!.content, /T2.*Added later/);
  });

  it('an external LLM prompt inlines C0 text with its secret values redacted and reported against their source', async () => {
    const text = brief(['`/workspace/pub.md`'], 'confidentiality: C0').replace('Do it.', 'Use sk-proj-Ab3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY to call the API.');
    const fs = ws({ 'b.brief.md': text, 'pub.md': '---\nconfidentiality: C0\n---\nkey AKIAZ3MHQ7VYXJ4K2P5N here\n' });
    const pkg = await buildPackage({ consumer: 'external-llm', operatorLevel: 'L3', brief: 'b.brief.md', fs });
    assert.equal(pkg.manifest.ok, true);
    const prompt = pkg.files[0]!.content;
    assert.match(prompt, /Use \[REDACTED:openai-api-key\] to call the API\./);
    assert.match(prompt, /key \[REDACTED:aws-access-key-id\] here/);
    assert.ok(!prompt.includes('AKIAZ3MHQ7VYXJ4K2P5N') && !prompt.includes('sk-proj-Ab3dE5'));
    assert.deepEqual(pkg.manifest.redactions.map((r) => [r.path, r.source, r.kind, r.line]), [
      ['BOOTSTRAP.md', 'b.brief.md', 'openai-api-key', 12],
      ['BOOTSTRAP.md', 'pub.md', 'aws-access-key-id', 4],
    ]);
    assert.deepEqual(pkg.manifest.included.filter((e) => e.source).map((e) => [e.source, e.redactions]), [['b.brief.md', 1], ['pub.md', 1]]);
  });

  describe('fails closed', () => {
    it('a broken config.yaml stops the build (state-corrupt)', async () => {
      for (const config of ['confidentiality: [\n', 'confidentiality:\n  default: C7\n']) {
        await assert.rejects(
          buildPackage({ consumer: 'external-llm', operatorLevel: 'L0', fs: new MemoryWorkspaceFs({ '.federation/config.yaml': config }) }),
          (e: unknown) => isFederationError(e) && e.reason === 'state-corrupt',
        );
      }
    });

    it('a config.yaml that is a link out of the workspace is not read', async () => {
      await assert.rejects(
        buildPackage({ consumer: 'external-llm', operatorLevel: 'L0', fs: new MemoryWorkspaceFs({ '.federation/config.yaml': { symlink: '/etc/config.yaml' } }) }),
        (e: unknown) => isFederationError(e) && e.reason === 'state-corrupt',
      );
    });

    it('a corrupt queue or an unknown persona is an error, not an empty scope', async () => {
      const personas = { version: 1, revision: 1, personas: [] };
      await assert.rejects(
        buildPackage({ consumer: 'parallel-terminal', persona: 'ghost', operatorLevel: 'L1', fs: ws({ '.federation/personas.json': JSON.stringify(personas) }) }),
        (e: unknown) => isFederationError(e) && e.reason === 'not-found',
      );
      await assert.rejects(
        buildPackage({ consumer: 'maintenance-agent', operatorLevel: 'L1', fs: ws({ '.federation/queue.json': '{"version": 1' }) }),
        (e: unknown) => isFederationError(e) && e.reason === 'state-corrupt',
      );
    });

    it('a brief that cannot be read (binary) refuses the package', async () => {
    const pkg = await buildPackage({ consumer: 'remote-agent', operatorLevel: 'L1', brief: 'b.brief.md', fs: ws({ 'b.brief.md': new Uint8Array([0, 1, 2]) }) });
    assert.equal(pkg.manifest.ok, false);
    assert.deepEqual(pkg.manifest.excluded.map((e) => [e.source, e.reason, e.blocking]), [['b.brief.md', 'binary', true]]);
    assert.deepEqual(paths(pkg), ['BOOTSTRAP.md']);
  });

  it('a persona registry above the clearance refuses a persona package', async () => {
      const pkg = await buildPackage({ consumer: 'parallel-terminal', persona: 'p', operatorLevel: 'L0', fs: ws({ '.federation/personas.json': '{}' }) });
      assert.equal(pkg.manifest.ok, false);
      assert.deepEqual(excluded(pkg.manifest), { '.federation/personas.json': 'above-clearance' });
      assert.match(pkg.files[0]!.content, /not in this package/);
    });
  });

  it('option checks: invalid-input for what a consumer type needs or does not take', async () => {
    const fs = ws({});
    const bad: [Partial<PackageOptions>, string][] = [
      [{ consumer: 'parallel-terminal' }, 'persona'],
      [{ consumer: 'remote-agent' }, 'brief'],
      [{ consumer: 'remote-agent', brief: 'b.md', persona: 'p' }, 'persona'],
      [{ consumer: 'local-session', brief: 'b.md' }, 'brief'],
      [{ consumer: 'nobody' as never }, 'consumer'],
      [{ consumer: 'local-session', operatorLevel: 'L9' as never }, 'operatorLevel'],
    ];
    for (const [o, field] of bad) {
      await assert.rejects(buildPackage({ operatorLevel: 'L1', fs, ...o } as PackageOptions), (e: unknown) => isFederationError(e) && e.reason === 'invalid-input' && e.details['field'] === field, JSON.stringify(o));
    }
  });

  it('auditPackage: the same package and an account of it, nothing written', async () => {
    const fs = ws({ 'b.brief.md': brief(['`/workspace/private/p.md`']), 'private/p.md': 'p' });
    const audit = await auditPackage({ consumer: 'remote-agent', operatorLevel: 'L1', brief: 'b.brief.md', fs });
    assert.equal(audit.ok, false);
    assert.match(audit.summary, /private\/p\.md +above-clearance \(C2\) \[refused\]/);
    assert.match(audit.summary, /REFUSED \(1\)/);
    const built = await buildPackage({ consumer: 'remote-agent', operatorLevel: 'L1', brief: 'b.brief.md', fs });
    assert.deepEqual(audit.manifest, built.manifest);
    assert.deepEqual(audit.files, built.files);
  });
});
