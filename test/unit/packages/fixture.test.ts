// Bootstrap packages built from the fixture workspace on the real disk (test/fixtures/packages, copied to a temp
// folder with links made at test time): what each consumer type holds, what never leaks, what the manifest says.
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CONSUMERS, OPERATOR_LEVELS, PackageRequest, buildPackage, writePackage } from '../../../src/core/packages';
import { nodeFileSystem } from '../../../src/node/fs';
import { isFederationError } from '../../../src/core/errors';
import { useTempDir } from '../../helpers/tmp';
import { NEVER, PLANTED_TOKEN, allText, excluded, fixtureWorkspace, paths, sources } from './helpers';

describe('bootstrap packages: fixture workspace on disk', () => {
  const tmp = useTempDir('pkg-fixture-');
  let root = '';
  beforeEach(() => {
    root = fixtureWorkspace(tmp.path).root;
  });
  const build = (o: PackageRequest) => buildPackage({ ...o, root, disk: nodeFileSystem });

  describe('each consumer type holds exactly what its clearance allows', () => {
    it('local-session at L0: only the C0 instructions file', async () => {
      const pkg = await build({ consumer: 'local-session', operatorLevel: 'L0' });
      assert.deepEqual(paths(pkg), ['BOOTSTRAP.md', 'workspace/AGENTS.md']);
      assert.equal(pkg.manifest.clearance.effective, 'C0');
      // CLAUDE.md is C1: left out, so its imports are never even read.
      assert.deepEqual(excluded(pkg.manifest), { 'CLAUDE.md': 'above-clearance', 'CLAUDE.local.md': 'above-clearance' });
      assert.equal(pkg.manifest.ok, true);
    });

    it('local-session at L1: C0 and C1 instructions and imports; C2 and C3 imports left out', async () => {
      const pkg = await build({ consumer: 'local-session', operatorLevel: 'L1' });
      assert.deepEqual(paths(pkg), ['BOOTSTRAP.md', 'workspace/AGENTS.md', 'workspace/CLAUDE.md', 'workspace/docs/architecture.md']);
      assert.deepEqual(excluded(pkg.manifest), {
        '@../outside.md': 'traversal',
        '@~/.claude/personal.md': 'absolute-path',
        'CLAUDE.local.md': 'above-clearance',
        'docs/credentials.md': 'confidential',
        'private/diary.md': 'above-clearance',
      });
    });

    it('local-session at L2 adds the principal’s C2 files; at L3 C3 is named by reference, never inlined', async () => {
      const l2 = await build({ consumer: 'local-session', operatorLevel: 'L2' });
      const expected = ['BOOTSTRAP.md', 'workspace/AGENTS.md', 'workspace/CLAUDE.local.md', 'workspace/CLAUDE.md', 'workspace/docs/architecture.md', 'workspace/private/diary.md'];
      assert.deepEqual(paths(l2), expected);
      const creds2 = l2.manifest.excluded.find((e) => e.source === 'docs/credentials.md')!;
      assert.equal(creds2.reason, 'confidential');
      assert.equal(creds2.byReference, undefined);

      const l3 = await build({ consumer: 'local-session', operatorLevel: 'L3' });
      assert.deepEqual(paths(l3), expected);
      assert.equal(l3.manifest.clearance.effective, 'C2');
      assert.equal(l3.manifest.clearance.references, true);
      const creds3 = l3.manifest.excluded.find((e) => e.source === 'docs/credentials.md')!;
      assert.equal(creds3.reason, 'confidential');
      assert.equal(creds3.byReference, true);
    });

    it('parallel-terminal: the persona’s skill documents, its handoffs and its tasks, at C1 whatever the operator', async () => {
      for (const level of ['L1', 'L2', 'L3'] as const) {
        const pkg = await build({ consumer: 'parallel-terminal', persona: 'research', operatorLevel: level });
        assert.deepEqual(paths(pkg), [
          'BOOTSTRAP.md',
          'workspace/.claude/skills/writing/SKILL.md',
          'workspace/.federation/handoffs/T2-devops-to-research-20261120T100000Z.md',
          'workspace/.federation/skills/research.md',
        ]);
        assert.equal(pkg.manifest.clearance.effective, 'C1');
        assert.deepEqual(
          pkg.manifest.included.filter((e) => e.inlined).map((e) => e.source),
          ['.federation/personas.json', '.federation/queue.json'],
        );
        const bootstrap = pkg.files[0]!.content;
        assert.match(bootstrap, /T2 \(P1, handed_off\) \[writing\]: Write up the container findings/);
        assert.match(bootstrap, /T1 \(P2, queued\) \[research\]: Survey context distribution papers/);
        // T3 needs docker: outside research's skills.
        assert.doesNotMatch(bootstrap, /T3/);
      }
    });

    it('parallel-terminal for another persona gets that persona’s scope only', async () => {
      const pkg = await build({ consumer: 'parallel-terminal', persona: 'devops', operatorLevel: 'L1' });
      assert.deepEqual(paths(pkg), ['BOOTSTRAP.md', 'workspace/.federation/skills/docker.md']);
      assert.match(pkg.files[0]!.content, /T3 \(P2, queued\) \[docker\]: Harden the agent image/);
      assert.doesNotMatch(pkg.files[0]!.content, /T1|T2/);
    });

    it('remote-agent: its brief and the files it lists, up to C1; a folder it names loses what is above C1', async () => {
      const pkg = await build({ consumer: 'remote-agent', brief: 'briefs/clean.brief.md', operatorLevel: 'L2' });
      assert.deepEqual(paths(pkg), ['BOOTSTRAP.md', 'MISSION_BRIEF.md', 'workspace/docs/architecture.md', 'workspace/docs/labelled-public.md', 'workspace/public/methodology.md']);
      assert.deepEqual(excluded(pkg.manifest), {
        'docs/credentials.md': 'confidential',
        'docs/link-in.md': 'above-clearance',
        'docs/link-out.md': 'symlink-outside',
        'docs/link-rel-out.md': 'symlink-outside',
        'docs/malformed.md': 'unreadable-label',
        'docs/outside-dir': 'symlink-outside',
        'docs/unknown-label.md': 'unreadable-label',
      });
      // Found by walking a folder, not named one by one: left out without refusing the package.
      assert.equal(pkg.manifest.ok, true);
      assert.ok(pkg.manifest.excluded.every((e) => !e.blocking));
    });

    it('maintenance-agent: the task rules up to C1, the queue as counts', async () => {
      const pkg = await build({ consumer: 'maintenance-agent', operatorLevel: 'L3' });
      assert.deepEqual(paths(pkg), ['BOOTSTRAP.md', 'workspace/.federation/config.yaml', 'workspace/.federation/rules/maintenance.md']);
      assert.deepEqual(excluded(pkg.manifest), { '.federation/rules/escalation.md': 'above-clearance' });
      assert.match(pkg.files[0]!.content, /The queue now: handed_off: 2, queued: 2\./);
    });

    it('external-llm: a prompt template and an output schema; C0 content only, inlined', async () => {
      const bare = await build({ consumer: 'external-llm', operatorLevel: 'L3' });
      assert.deepEqual(paths(bare), ['BOOTSTRAP.md', 'output.schema.json']);
      assert.deepEqual(sources(bare.manifest), []);

      const pkg = await build({ consumer: 'external-llm', brief: 'briefs/public.brief.md', operatorLevel: 'L3' });
      assert.deepEqual(paths(pkg), ['BOOTSTRAP.md', 'output.schema.json']);
      assert.deepEqual(sources(pkg.manifest), ['briefs/public.brief.md', 'docs/labelled-public.md', 'public/methodology.md']);
      assert.ok(pkg.manifest.included.filter((e) => e.source).every((e) => e.inlined && e.path === 'BOOTSTRAP.md' && e.level === 'C0'));
      const prompt = pkg.files[0]!.content;
      assert.match(prompt, /Scale by multiplication, not complication\./);
      assert.match(prompt, /\{\{input\}\}/);
      const schema = JSON.parse(pkg.files[1]!.content) as { required: string[]; additionalProperties: boolean };
      assert.deepEqual(schema.required, ['status', 'summary', 'result', 'questions']);
      assert.equal(schema.additionalProperties, false);
    });

    it('external-llm refuses a C1 brief: not even its Mission reaches the prompt', async () => {
      const pkg = await build({ consumer: 'external-llm', brief: 'briefs/clean.brief.md', operatorLevel: 'L3' });
      assert.equal(pkg.manifest.ok, false);
      assert.deepEqual(excluded(pkg.manifest), { 'briefs/clean.brief.md': 'above-clearance' });
      assert.doesNotMatch(pkg.files[0]!.content, /Summarise the published methodology/);
    });
  });

  it('every package answers the six questions in the same order', async () => {
    for (const consumer of CONSUMERS) {
      const subject = consumer === 'parallel-terminal' ? { persona: 'research' } : consumer === 'remote-agent' ? { brief: 'briefs/clean.brief.md' } : {};
      const pkg = await build({ consumer, operatorLevel: 'L1', ...subject });
      const headings = pkg.files[0]!.content.split('\n').filter((l) => l.startsWith('## '));
      assert.deepEqual(headings, ['## 1. Who am I', '## 2. What do I read', '## 3. What do I do', '## 4. Where do I write', '## 5. How do I report', '## 6. What is forbidden'], consumer);
      assert.deepEqual(pkg.manifest.layout, ['Who am I', 'What do I read', 'What do I do', 'Where do I write', 'How do I report', 'What is forbidden']);
    }
  });

  it('no package, for any consumer, operator level or subject, holds C3 content, the file outside or the planted value', async () => {
    const subjects: Record<string, Partial<PackageRequest>[]> = {
      'local-session': [{}, { persona: 'research' }],
      'parallel-terminal': [{ persona: 'research' }, { persona: 'devops' }],
      'remote-agent': ['clean', 'escape', 'private', 'public', 'deploy'].map((b) => ({ brief: `briefs/${b}.brief.md` })),
      'maintenance-agent': [{}, { persona: 'devops' }],
      'external-llm': [{}, { brief: 'briefs/public.brief.md' }, { brief: 'briefs/clean.brief.md' }, { persona: 'research' }],
    };
    let built = 0;
    for (const consumer of CONSUMERS) {
      for (const level of OPERATOR_LEVELS) {
        for (const s of subjects[consumer]!) {
          const pkg = await build({ consumer, operatorLevel: level, ...s });
          const text = allText(pkg);
          for (const never of NEVER) assert.ok(!text.includes(never), `${consumer} ${level} ${JSON.stringify(s)} holds ${never}`);
          // C2 content only where the effective clearance reaches C2 (a local session of an L2 or L3 operator).
          const c2 = text.includes('C2-MARKER');
          assert.equal(c2, consumer === 'local-session' && (level === 'L2' || level === 'L3'), `${consumer} ${level} ${JSON.stringify(s)}: C2 content ${c2 ? 'present' : 'absent'}`);
          assert.ok(pkg.manifest.included.every((e) => ['C0', 'C1', 'C2'].indexOf(e.level) <= ['C0', 'C1', 'C2'].indexOf(pkg.manifest.clearance.effective)));
          built++;
        }
      }
    }
    assert.equal(built, 4 * 15);
  });

  it('a planted secret value is redacted and reported (kind and place, never the value)', async () => {
    const pkg = await build({ consumer: 'remote-agent', brief: 'briefs/clean.brief.md', operatorLevel: 'L1' });
    const arch = pkg.files.find((f) => f.path === 'workspace/docs/architecture.md')!;
    assert.ok(!arch.content.includes(PLANTED_TOKEN));
    assert.match(arch.content, /the token \[REDACTED:github-token\] until it was rotated/);
    assert.deepEqual(pkg.manifest.redactions, [{ path: 'workspace/docs/architecture.md', source: 'docs/architecture.md', line: 3, column: 67, kind: 'github-token', label: 'a GitHub token' }]);
    const entry = pkg.manifest.included.find((e) => e.path === 'workspace/docs/architecture.md')!;
    assert.equal(entry.redactions, 1);
    assert.ok(!JSON.stringify(pkg.manifest).includes(PLANTED_TOKEN));
  });

  it('a malformed front matter and an unknown label both count as C3', async () => {
    const brief = await build({ consumer: 'remote-agent', brief: 'briefs/clean.brief.md', operatorLevel: 'L3' });
    const malformed = brief.manifest.excluded.find((e) => e.source === 'docs/malformed.md')!;
    assert.deepEqual([malformed.reason, malformed.level, malformed.label], ['unreadable-label', 'C3', 'unreadable']);
    assert.match(malformed.detail, /never closed/);
    const unknown = brief.manifest.excluded.find((e) => e.source === 'docs/unknown-label.md')!;
    assert.deepEqual([unknown.reason, unknown.level], ['unreadable-label', 'C3']);
    assert.match(unknown.detail, /"secret" is not one of C0, C1, C2, C3/);
  });

  it('a front-matter label cannot go below its path rule; a link is judged by its target too', async () => {
    const pkg = await build({ consumer: 'remote-agent', brief: 'briefs/clean.brief.md', operatorLevel: 'L1' });
    const linkIn = pkg.manifest.excluded.find((e) => e.source === 'docs/link-in.md')!;
    assert.deepEqual([linkIn.level, linkIn.rule], ['C2', 'private/**']);
    // private/override.md says C0 in its front matter; the private/** rule says C2: the stricter wins.
    const priv = await build({ consumer: 'remote-agent', brief: 'briefs/private.brief.md', operatorLevel: 'L3' });
    const override = priv.manifest.excluded.find((e) => e.source === 'private/override.md')!;
    assert.deepEqual([override.reason, override.level, override.label, override.rule], ['above-clearance', 'C2', 'path-rule', 'private/**']);
  });

  describe('path safety: traversal, absolute paths and links out never pull a file in', () => {
    it('a brief naming them is refused, and each is reported with its reason', async () => {
      const pkg = await build({ consumer: 'remote-agent', brief: 'briefs/escape.brief.md', operatorLevel: 'L3' });
      assert.deepEqual(paths(pkg), ['BOOTSTRAP.md', 'MISSION_BRIEF.md']);
      const byRef = Object.fromEntries(pkg.manifest.excluded.map((e) => [e.source, [e.reason, e.blocking]]));
      assert.deepEqual(byRef, {
        '/workspace/../outside/secret.txt': ['traversal', true],
        '../outside/secret.txt': ['traversal', true],
        '/etc/passwd': ['absolute-path', false],
        'docs/link-out.md': ['symlink-outside', true],
        '.federation/agents/other/secrets/TOKEN': ['never-packaged', true],
      });
      assert.equal(pkg.manifest.ok, false);
      assert.equal(pkg.manifest.refusals.length, 4);
    });

    it('an instructions import with ".." or "~" and a handoff path with ".." in the queue are left out', async () => {
      const local = await build({ consumer: 'local-session', operatorLevel: 'L3' });
      assert.equal(excluded(local.manifest)['@../outside.md'], 'traversal');
      assert.equal(excluded(local.manifest)['@~/.claude/personal.md'], 'absolute-path');
      const terminal = await build({ consumer: 'parallel-terminal', persona: 'research', operatorLevel: 'L3' });
      const handoff = terminal.manifest.excluded.find((e) => e.via.includes('handoff of T4'))!;
      assert.equal(handoff.reason, 'traversal');
      assert.ok(!allText(terminal).includes('C2-MARKER'));
    });

    it('config rules with ".." or an absolute glob are ignored and reported', async () => {
      const pkg = await build({ consumer: 'maintenance-agent', operatorLevel: 'L1' });
      assert.deepEqual(pkg.manifest.ignoredRules, [
        { glob: '../outside/**', reason: 'traversal' },
        { glob: '/etc/**', reason: 'absolute-path' },
      ]);
    });

    it('a brief outside the workspace is not packaged', async () => {
      writeFileSync(path.join(tmp.path, 'outside', 'x.brief.md'), readFileSync(path.join(root, 'briefs', 'public.brief.md')));
      await assert.rejects(build({ consumer: 'remote-agent', operatorLevel: 'L3', brief: path.join(tmp.path, 'outside', 'x.brief.md') }), (e: unknown) => isFederationError(e) && e.reason === 'outside-workspace');
      await assert.rejects(build({ consumer: 'remote-agent', operatorLevel: 'L3', brief: '../outside/x.brief.md' }), (e: unknown) => isFederationError(e) && e.reason === 'outside-workspace');
    });
  });

  it('the manifest lists every file of a walked folder exactly once, included or left out, each with a reason', async () => {
    const pkg = await build({ consumer: 'remote-agent', brief: 'briefs/clean.brief.md', operatorLevel: 'L1' });
    const docs = readdirSync(path.join(root, 'docs')).map((n) => `docs/${n}`).sort();
    const listed = [...pkg.manifest.included.flatMap((e) => (e.source?.startsWith('docs/') ? [e.source] : [])), ...pkg.manifest.excluded.map((e) => e.source).filter((s) => s.startsWith('docs/'))].sort();
    assert.deepEqual(listed, docs);
    assert.ok(pkg.manifest.excluded.every((e) => e.reason && e.detail && e.via.length > 0));
    assert.ok(pkg.manifest.included.every((e) => e.via.length > 0 && /^[0-9a-f]{64}$/.test(e.sha256)));
  });

  describe('secrets', () => {
    it('are mounted by name for a remote agent only when the operator is L3', async () => {
      const l3 = await build({ consumer: 'remote-agent', brief: 'briefs/deploy.brief.md', operatorLevel: 'L3' });
      assert.equal(l3.manifest.ok, true);
      assert.deepEqual(l3.manifest.secrets, [{ name: 'GITHUB_TOKEN', mount: '/secrets/GITHUB_TOKEN', granted: true }]);
      assert.match(l3.files[0]!.content, /GITHUB_TOKEN: read it from `\/secrets\/GITHUB_TOKEN`/);
      const l2 = await build({ consumer: 'remote-agent', brief: 'briefs/deploy.brief.md', operatorLevel: 'L2' });
      assert.equal(l2.manifest.ok, false);
      assert.equal(l2.manifest.secrets[0]!.granted, false);
      assert.match(l2.manifest.refusals[0]!, /secret GITHUB_TOKEN: .*only an L3 operator/);
    });

    it('a brief naming C2, C3 and unreadable files is refused, whatever the operator level', async () => {
      for (const level of OPERATOR_LEVELS) {
        const pkg = await build({ consumer: 'remote-agent', brief: 'briefs/private.brief.md', operatorLevel: level });
        assert.equal(pkg.manifest.ok, false, level);
        const blocking = pkg.manifest.excluded.filter((e) => e.blocking).map((e) => `${e.source}:${e.reason}`);
        const brief = level === 'L0' ? ['briefs/private.brief.md:above-clearance'] : ['docs/credentials.md:confidential', 'docs/malformed.md:unreadable-label', 'private/diary.md:above-clearance', 'private/override.md:above-clearance'];
        assert.deepEqual(blocking, brief, level);
      }
    });
  });

  describe('writePackage', () => {
    it('writes the files and manifest.json with owner-only modes, and replaces an earlier package', async () => {
      const out = path.join(tmp.path, 'pkg');
      const pkg = await build({ consumer: 'parallel-terminal', persona: 'research', operatorLevel: 'L1' });
      const first = await writePackage(nodeFileSystem, pkg, out);
      assert.equal(first.replaced, false);
      assert.deepEqual(first.written, [...paths(pkg), 'manifest.json']);
      const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { format: string };
      assert.equal(manifest.format, 'agent-federation.bootstrap-package/1');
      assert.equal(readFileSync(path.join(out, 'BOOTSTRAP.md'), 'utf8'), pkg.files[0]!.content);
      if (process.platform !== 'win32') {
        assert.equal(statSync(out).mode & 0o777, 0o700);
        assert.equal(statSync(path.join(out, 'BOOTSTRAP.md')).mode & 0o777, 0o600);
      }
      const again = await writePackage(nodeFileSystem, await build({ consumer: 'maintenance-agent', operatorLevel: 'L1' }), out);
      assert.equal(again.replaced, true);
      assert.ok(readFileSync(path.join(out, 'BOOTSTRAP.md'), 'utf8').includes('maintenance-agent'));
      assert.deepEqual(readdirSync(tmp.path).filter((n) => n.startsWith('pkg')), ['pkg']);
    });

    it('refuses a refused package and a folder that holds anything else', async () => {
      const refused = await build({ consumer: 'remote-agent', brief: 'briefs/escape.brief.md', operatorLevel: 'L3' });
      await assert.rejects(writePackage(nodeFileSystem, refused, path.join(tmp.path, 'a')), (e: unknown) => isFederationError(e) && e.reason === 'invalid-input');
      assert.throws(() => statSync(path.join(tmp.path, 'a')));
      const busy = path.join(tmp.path, 'busy');
      mkdirSync(busy);
      writeFileSync(path.join(busy, 'notes.txt'), 'mine');
      const ok = await build({ consumer: 'external-llm', operatorLevel: 'L0' });
      await assert.rejects(writePackage(nodeFileSystem, ok, busy), (e: unknown) => isFederationError(e) && e.reason === 'already-exists');
      assert.deepEqual(readdirSync(busy), ['notes.txt']);
    });

    it('a package written inside the workspace is never packaged again', async () => {
      const pkg = await build({ consumer: 'local-session', operatorLevel: 'L2' });
      await writePackage(nodeFileSystem, pkg, path.join(root, 'exported'));
      const again = await build({ consumer: 'remote-agent', operatorLevel: 'L1', brief: 'briefs/public.brief.md' });
      assert.ok(again.manifest.ok);
      // /workspace as a whole would walk into exported/; a brief naming a copied C2 file directly is refused.
      writeFileSync(path.join(root, 'briefs', 'copy.brief.md'), readFileSync(path.join(root, 'briefs', 'public.brief.md'), 'utf8').replace('/workspace/public/methodology.md', '/workspace/exported/workspace/private/diary.md'));
      const copy = await build({ consumer: 'remote-agent', operatorLevel: 'L1', brief: 'briefs/copy.brief.md' });
      assert.equal(excluded(copy.manifest)['exported/workspace/private/diary.md'], 'never-packaged');
      assert.ok(!allText(copy).includes('C2-MARKER'));
      // A walk of the whole workspace does not even enter the package folder.
      const whole = await build({ consumer: 'remote-agent', operatorLevel: 'L1', brief: 'briefs/copy.brief.md', briefText: readFileSync(path.join(root, 'briefs', 'copy.brief.md'), 'utf8').replace('/workspace/exported/workspace/private/diary.md', '/workspace') });
      const listed = [...whole.manifest.included.map((e) => e.source ?? ''), ...whole.manifest.excluded.map((e) => e.source)];
      assert.ok(listed.includes('docs/architecture.md'));
      assert.deepEqual(listed.filter((s) => s.startsWith('exported/')), []);
      assert.ok(!allText(whole).includes('C2-MARKER'));
    });
  });
});
