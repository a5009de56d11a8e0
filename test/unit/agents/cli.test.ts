import * as assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from '../../../src/cli/args';
import { createAgentCommand } from '../../../src/cli/commands/agent';
import { usageCommand } from '../../../src/cli/commands/usage';
import { CliServices, DEFAULT_PORTS } from '../../../src/cli/services';
import { CliContext, EXIT, UsageError } from '../../../src/cli/types';
import type { DockerClient, DockerClientOptions } from '../../../src/core/docker/client';
import { FakeDockerClient } from '../../helpers/fakeDocker';
import { isFederationError } from '../../../src/core/errors';
import { DOWN_HOST, IMAGE, useWorld } from './helpers';

describe('federation agent (CLI, FakeDockerClient)', () => {
  const world = useWorld();

  /** Runs the command as main.ts does: global --json/--root, FederationError → exit 1, UsageError → exit 2. */
  async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const { w } = world;
    const command = argv[0] === 'usage' ? usageCommand : createAgentCommand({ onInterrupt: () => () => undefined });
    const clientFactory = async (o?: DockerClientOptions): Promise<DockerClient> => {
        const host = o?.host ?? '';
        if (!w.fakes.has(host)) {
          const f = new FakeDockerClient();
          f.addImage(IMAGE);
          if (host === DOWN_HOST) f.unavailable = true;
          w.fakes.set(host, f);
        }
        return w.fakes.get(host)!;
    };
    const args = parseArgs(argv);
    const json = args.flags.get('json') === true;
    args.flags.delete('json');
    let out = '';
    let err = '';
    const ctx: CliContext = {
      root: w.root, json,
      // The fake engine goes in where main() puts the real one: the composition root's ports.
      services: new CliServices(w.root, { ...DEFAULT_PORTS, clientFactory }),
      out: (s) => (out += s + '\n'),
      err: (s) => (err += s + '\n'),
      print: (value, human) => (out += (json ? JSON.stringify(value, null, 2) : human()) + '\n'),
    };
    args.positionals.shift(); // "agent" (or "usage")
    try {
      return { code: await command.run(ctx, args), out, err };
    } catch (e) {
      if (e instanceof UsageError) return { code: EXIT.usage, out, err: err + e.message };
      if (isFederationError(e)) return { code: EXIT.error, out, err: err + (json ? JSON.stringify({ error: e.toJSON() }) : e.message) };
      throw e;
    }
  }

  // The CLI's default engine is $DOCKER_HOST; these tests mean the (fake) local one.
  const savedHost = process.env['DOCKER_HOST'];
  before(() => {
    delete process.env['DOCKER_HOST'];
  });
  after(() => {
    if (savedHost !== undefined) process.env['DOCKER_HOST'] = savedHost;
  });

  beforeEach(() => {
    const { w } = world;
    const dir = path.join(w.root, 'my-secrets');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'API_TOKEN'), 'cli-secret-value-123');
    // Inside the workspace, which reviewer.brief.md lists whole: labelled C3 so no package ever holds a copy.
    appendFileSync(path.join(w.root, '.federation', 'config.yaml'), 'confidentiality:\n  rules:\n    - { glob: "my-secrets/**", level: C3 }\n');
  });

  it('deploy prints ids (or JSON), list shows them, rm removes them', async () => {
    const deployed = await run('agent', 'deploy', 'reviewer.brief.md', 'internal.brief.md', '--copies', '2', '--secrets-dir', 'my-secrets', '--image', IMAGE, '--operator-level', 'L3');
    assert.equal(deployed.code, EXIT.ok, deployed.err);
    const ids = deployed.out.trim().split('\n');
    assert.equal(ids.length, 4);
    assert.ok(ids.every((id) => /^(research|builder)-[0-9a-f]{6}$/.test(id)), deployed.out);

    const listed = await run('agent', 'list', '--json');
    assert.equal(listed.code, EXIT.ok);
    const body = JSON.parse(listed.out) as { agents: Array<{ id: string; status: string; host: string }>; hosts: unknown[] };
    assert.deepEqual(body.agents.map((a) => a.id).sort(), [...ids].sort());
    assert.ok(body.agents.every((a) => a.status === 'running'));
    assert.deepEqual(body.hosts, [{ host: '', hostLabel: 'unix:///fake/docker.sock', reachable: true }]);
    const human = await run('agent', 'list');
    assert.match(human.out, new RegExp(`${ids[0]}\\s+running`));

    const refused = await run('agent', 'rm', ids[0]!);
    assert.equal(refused.code, EXIT.error);
    assert.match(refused.err, /still running/);
    assert.equal((await run('agent', 'stop', ids[0]!)).code, EXIT.ok);
    const rm = await run('agent', 'rm', ids[0]!, '--json');
    assert.equal(rm.code, EXIT.ok, rm.err);
    assert.equal(JSON.parse(rm.out).removed.id, ids[0]);
    assert.equal((await run('agent', 'rm', ids[1]!, '--force')).code, EXIT.ok);
    const again = await run('agent', 'deploy', 'internal.brief.md', '--image', IMAGE, '--json');
    const json = JSON.parse(again.out) as { agents: unknown[]; warnings: string[] };
    assert.equal(json.agents.length, 1);
    // Warnings (here: the role is not in the empty registry) go along but do not stop a deployment.
    assert.equal(json.warnings.length, 1);
    assert.match(json.warnings[0]!, /^internal\.brief\.md:2: MB051 /);
    assert.equal(again.err, '', 'with --json, warnings are only in the JSON');
  });

  it('exits 1 with the findings for a brief with errors, 2 for a wrong command line', async () => {
    const bad = await run('agent', 'deploy', 'broken.brief.md', '--json');
    assert.equal(bad.code, EXIT.error);
    const error = JSON.parse(bad.err).error as { reason: string; details: { findings: unknown[] } };
    assert.equal(error.reason, 'invalid-input');
    assert.ok(error.details.findings.length > 0);
    assert.equal((await run('agent', 'deploy')).code, EXIT.usage);
    assert.equal((await run('agent', 'frobnicate')).code, EXIT.usage);
    assert.equal((await run('agent', 'deploy', 'internal.brief.md', '--network', 'bridge')).code, EXIT.usage);
    assert.equal((await run('agent', 'deploy', 'internal.brief.md', '--operator-level', 'L9')).code, EXIT.usage);
    assert.equal((await run('agent', 'compose', 'internal.brief.md')).code, EXIT.usage, '--out is required');
  });

  it('refuses a package that would hold a secret value: secrets are only mounted', async () => {
    const { w } = world;
    writeFileSync(path.join(w.root, '.federation', 'config.yaml'), readFileSync(path.join(w.root, '.federation', 'config.yaml'), 'utf8').replace(/confidentiality:[\s\S]*$/, ''));
    const r = await run('agent', 'deploy', 'reviewer.brief.md', '--secrets-dir', 'my-secrets', '--image', IMAGE, '--operator-level', 'L3', '--json');
    assert.equal(r.code, EXIT.error);
    const error = JSON.parse(r.err).error as { reason: string; details: { files: { source: string; reason: string }[] } };
    assert.equal(error.reason, 'package-refused');
    assert.deepEqual(error.details.files.map((f) => [f.source, f.reason]), [['my-secrets/API_TOKEN', 'secret-value']]);
    assert.ok(!r.err.includes('cli-secret-value-123'), 'the value is never named');
    assert.deepEqual(w.fake.containerIds(), []);
  });

  it('a refused package: exit 1 with what was refused and why, nothing deployed', async () => {
    const { w } = world;
    // The brief declares a secret: only an L3 operator may pass it (the default is L1).
    const refused = await run('agent', 'deploy', 'reviewer.brief.md', '--secrets-dir', 'my-secrets', '--image', IMAGE, '--json');
    assert.equal(refused.code, EXIT.error);
    const error = JSON.parse(refused.err).error as { reason: string; details: { subject: string; refusals: string[] } };
    assert.equal(error.reason, 'package-refused');
    assert.equal(error.details.subject, 'reviewer.brief.md');
    assert.match(error.details.refusals.join('\n'), /secret API_TOKEN: .*L3/);
    const text = await run('agent', 'deploy', 'reviewer.brief.md', '--secrets-dir', 'my-secrets', '--image', IMAGE, '--operator-level', 'L2');
    assert.equal(text.code, EXIT.error);
    assert.match(text.err, /bootstrap package for reviewer\.brief\.md is refused/);
    assert.deepEqual(w.fake.containerIds(), []);
  });

  it('engine down: a clear message and exit 1, never a crash', async () => {
    const deploy = await run('agent', 'deploy', 'internal.brief.md', '--image', IMAGE, '--host', DOWN_HOST);
    assert.equal(deploy.code, EXIT.error);
    assert.match(deploy.err, /Docker is not running or not reachable/);
    const list = await run('agent', 'list', '--host', DOWN_HOST);
    assert.equal(list.code, EXIT.error);
    assert.match(list.err, /not running or not reachable/);
  });

  it('logs, report, collect, inspect, compose and prune', async () => {
    const { w } = world;
    const id = (await run('agent', 'deploy', 'internal.brief.md', '--image', IMAGE)).out.trim();
    const cid = (await w.service.get(id)).containerId!;
    w.fake.emitLog(cid, 'stdout', 'line one\nline ');
    w.fake.emitLog(cid, 'stdout', 'two\n');
    w.fake.emitLog(cid, 'stderr', 'warn\n');
    const out = w.service.folders(id).outputDir;
    writeFileSync(path.join(out, 'build.log'), 'built');
    writeFileSync(path.join(out, 'agent-report.json'), JSON.stringify({
      status: 'succeeded', summary: 'All built.', deliverables: [{ path: 'build.log' }], metrics: { builds: 1 },
      startedAt: '2026-11-21T10:00:00Z', finishedAt: '2026-11-21T10:01:00Z',
      usage: { model: 'claude-sonnet', inputTokens: 5000, outputTokens: 700, costUsd: 0.04, wallSeconds: 60 },
    }));
    w.fake.exit(cid, 0);

    const logs = await run('agent', 'logs', id, '--follow');
    assert.equal(logs.code, EXIT.ok);
    assert.equal(logs.out, 'line one\nline two\n');
    assert.equal(logs.err, 'warn\n');

    const report = await run('agent', 'report', id);
    assert.equal(report.code, EXIT.ok, report.err);
    assert.match(report.out, /succeeded/);
    assert.match(report.out, /✓ build\.log/);
    assert.equal(JSON.parse((await run('agent', 'report', id, '--json')).out).report.metrics.builds, 1);
    // The usage it reported joins the ledger, by agent and by model.
    const byAgent = JSON.parse((await run('usage', '--by', 'agent', '--json')).out) as { rows: Array<{ key: string; costUsd: number; inputTokens: number }> };
    assert.deepEqual(byAgent.rows.map((r) => [r.key, r.costUsd, r.inputTokens]), [[id, 0.04, 5000]]);
    assert.deepEqual((JSON.parse((await run('usage', '--by', 'model', '--json')).out) as { rows: Array<{ key: string }> }).rows.map((r) => r.key), ['claude-sonnet']);

    const inspect = await run('agent', 'inspect', id, '--json');
    assert.equal(inspect.code, EXIT.ok, inspect.out);
    assert.ok((JSON.parse(inspect.out).checks as Array<{ ok: boolean }>).every((c) => c.ok));

    const kept = JSON.parse((await run('agent', 'prune', '--json')).out) as { removed: string[]; kept: Array<{ id: string }> };
    assert.deepEqual(kept.removed, []);
    assert.deepEqual(kept.kept.map((k) => k.id), [id]);
    const collect = await run('agent', 'collect', id, '--to', 'collected');
    assert.equal(collect.code, EXIT.ok, collect.err);
    assert.equal(readFileSync(path.join(w.root, 'collected', 'build.log'), 'utf8'), 'built');
    assert.deepEqual(JSON.parse((await run('agent', 'prune', '--json')).out).removed, [id]);

    const compose = await run('agent', 'compose', 'internal.brief.md', '--out', 'compose.yaml', '--image', IMAGE, '--json');
    assert.equal(compose.code, EXIT.ok, compose.err);
    assert.deepEqual(JSON.parse(compose.out).services, ['builder']);
    assert.match(readFileSync(path.join(w.root, 'compose.yaml'), 'utf8'), /cap_drop:\n\s+- ALL/);
  });
});
