import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { TMPFS_OPTIONS } from '../../../src/core/agents';
import { failure, useWorld } from './helpers';

type Service = Record<string, unknown> & { volumes: Array<Record<string, unknown>>; labels: Record<string, string> };

describe('export to Docker Compose', () => {
  const world = useWorld();

  it('writes one service per brief with the same hardening, package mounts, labels and file secrets', async () => {
    const { w } = world;
    mkdirSync(path.join(w.root, 'docs'), { recursive: true });
    writeFileSync(path.join(w.root, 'docs', 'guide.md'), 'a guide\n');
    const { file, services } = await w.service.compose(['reviewer.brief.md', 'internal.brief.md', 'folders.brief.md'], { out: 'deploy/compose.yaml', secretsDir: 'deploy/secrets', operatorLevel: 'L3' });
    assert.equal(file, path.join(w.root, 'deploy', 'compose.yaml'));
    assert.deepEqual(services, ['research', 'builder', 'writer']);
    const text = readFileSync(file, 'utf8');
    const doc = parse(text) as { services: Record<string, Service>; secrets: Record<string, { file: string }>; networks: Record<string, { internal: boolean }> };
    const r = doc.services['research']!;
    assert.equal(r['read_only'], true);
    assert.deepEqual(r['cap_drop'], ['ALL']);
    assert.deepEqual(r['security_opt'], ['no-new-privileges:true']);
    assert.deepEqual(r['tmpfs'], [`/tmp:${TMPFS_OPTIONS}`]);
    assert.equal(r['mem_limit'], 64 * 1024 ** 2);
    assert.equal(r['memswap_limit'], 64 * 1024 ** 2);
    assert.equal(r['cpus'], 0.5);
    assert.equal(r['pids_limit'], 64);
    assert.equal(r['network_mode'], 'none');
    assert.equal(r['user'], '65534:65534');
    assert.equal(r['image'], 'agent-federation/test-agent:1');
    assert.deepEqual(r['command'], ['agent', 'run', '/brief/MISSION_BRIEF.md', '--report', '/output/agent-report.json']);
    // Exactly the package, as a deployment mounts it: never the workspace itself.
    assert.deepEqual(r.volumes.map((v) => [v['source'], v['target'], v['read_only']]), [
      ['./agent-packages/research/workspace', '/workspace', true],
      ['./agent-packages/research/MISSION_BRIEF.md', '/brief/MISSION_BRIEF.md', true],
      ['./agent-packages/research/BOOTSTRAP.md', '/brief/BOOTSTRAP.md', true],
      ['./agent-output/research', '/output', false],
    ]);
    const pkg = path.join(w.root, 'deploy', 'agent-packages', 'research');
    const manifest = JSON.parse(readFileSync(path.join(pkg, 'manifest.json'), 'utf8')) as { ok: boolean; included: { path: string }[] };
    assert.equal(manifest.ok, true);
    for (const entry of manifest.included.filter((e) => e.path.startsWith('workspace/'))) assert.ok(existsSync(path.join(pkg, entry.path)), entry.path);
    assert.ok(!existsSync(path.join(pkg, 'workspace', '.federation')), 'the federation state is not in the package');
    assert.equal(statSync(path.join(pkg, 'MISSION_BRIEF.md')).mode & 0o777, 0o644, 'readable by the service user');
    assert.deepEqual(r['secrets'], [{ source: 'API_TOKEN', target: '/secrets/API_TOKEN' }]);
    assert.deepEqual(doc.secrets, { API_TOKEN: { file: './secrets/API_TOKEN' } });
    assert.equal(r.labels['agent-federation.federation'], w.service.federationHash);
    assert.equal(r.labels['agent-federation.persona'], 'research');
    assert.deepEqual(doc.services['builder']!['networks'], ['federation-internal']);
    assert.equal(doc.networks['federation-internal']!.internal, true);
    assert.deepEqual(doc.services['writer']!.volumes[0]!['source'], './agent-packages/writer/workspace');
    assert.equal(readFileSync(path.join(w.root, 'deploy', 'agent-packages', 'writer', 'workspace', 'docs', 'guide.md'), 'utf8'), 'a guide\n', 'the folders the brief lists are in its package');
    assert.ok(!text.includes('/var/run/docker.sock'));
    assert.deepEqual(w.fake.calls, [], 'nothing runs');
  });

  it('refuses briefs with errors like a deployment does', async () => {
    const { w } = world;
    assert.equal((await failure(w.service.compose(['broken.brief.md'], { out: 'c.yaml' }))).reason, 'invalid-input');
  });

  it('refuses a package above the operator’s level, writing nothing', async () => {
    const { w } = world;
    assert.equal((await failure(w.service.compose(['reviewer.brief.md'], { out: 'c.yaml', operatorLevel: 'L1' }))).reason, 'package-refused');
    assert.ok(!existsSync(path.join(w.root, 'c.yaml')) && !existsSync(path.join(w.root, 'agent-packages')));
  });
});
