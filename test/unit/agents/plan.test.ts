import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  DEFAULT_COMMAND_TEMPLATE, DEFAULT_LIMITS, checkHardening, containerSpecFor, expandCommand, parseMemory, parseTimeout, planBrief,
  splitCommand, workspaceReferences,
} from '../../../src/core/agents';
import { FederationError } from '../../../src/core/errors';
import { FIXTURES } from './helpers';

const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');

function throws(fn: () => unknown): FederationError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof FederationError);
    return e;
  }
  assert.fail('expected a FederationError');
}

const values = { brief: '/brief/MISSION_BRIEF.md', workspace: '/workspace', secrets: '/secrets', output: '/output/x', report: '/output/agent-report.json', agentId: 'a-1', persona: 'p', role: 'r' };

describe('agent plans', () => {
  it('takes limits, network, secrets, output and timeout from the brief', () => {
    const plan = planBrief(fixture('reviewer.brief.md'), 'reviewer.brief.md', { defaultImage: 'img:1' });
    assert.equal(plan.image, 'img:1');
    assert.equal(plan.persona, 'research');
    assert.equal(plan.role, 'reviewer');
    assert.deepEqual(plan.limits, { memoryBytes: 64 * 1024 ** 2, nanoCpus: 500_000_000, pidsLimit: 64 });
    assert.equal(plan.network, 'none');
    assert.deepEqual(plan.secrets, ['API_TOKEN']);
    assert.equal(plan.output, '/output/review');
    assert.equal(plan.timeoutSeconds, 1800);
    assert.deepEqual(plan.workspace, { mode: 'bind', readOnly: true, folders: [] });
    assert.equal(plan.title, 'Review the sample project');
    assert.equal(plan.command, DEFAULT_COMMAND_TEMPLATE);
  });

  it('uses the defaults where the brief says nothing, and an explicit image over the brief', () => {
    const text = fixture('internal.brief.md').replace('resources: { memory: 64m, pids: 64 }\n', 'image: from/brief:2\n');
    const plan = planBrief(text, 'b.md', { defaultImage: 'default:1' });
    assert.equal(plan.image, 'from/brief:2');
    assert.deepEqual(plan.limits, { ...DEFAULT_LIMITS });
    assert.equal(planBrief(text, 'b.md', { image: 'override:3' }).image, 'override:3');
    assert.equal(throws(() => planBrief(fixture('internal.brief.md'), 'b.md')).details['field'], 'image');
  });

  it('makes the workspace writable only for operator levels L2 and L3', () => {
    const base = fixture('reviewer.brief.md');
    assert.equal(planBrief(base.replace('operator_level: L1', 'operator_level: L3'), 'b.md', { defaultImage: 'i:1' }).workspace.readOnly, false);
    assert.equal(planBrief(base.replace('operator_level: L1', 'operator_level: L0'), 'b.md', { defaultImage: 'i:1' }).workspace.readOnly, true);
    const folders = planBrief(fixture('folders.brief.md'), 'f.md', { defaultImage: 'i:1' });
    assert.deepEqual(folders.workspace, { mode: 'copy', readOnly: false, folders: ['docs', 'examples/basic'] });
    assert.deepEqual(planBrief(base, 'b.md', { defaultImage: 'i:1', workspace: 'none' }).workspace, { mode: 'none', readOnly: true, folders: [] });
  });

  it('finds /workspace references', () => {
    assert.deepEqual(workspaceReferences('see `/workspace/docs/`, /workspace/src. and /workspace'), ['', 'docs', 'src']);
    assert.deepEqual(workspaceReferences('my/workspace/x and /workspaces'), []);
  });

  it('refuses a brief with errors and keeps warnings as findings', () => {
    const e = throws(() => planBrief(fixture('broken.brief.md'), 'broken.brief.md', { defaultImage: 'i:1' }));
    assert.equal(e.reason, 'invalid-input');
    assert.ok((e.details['findings'] as unknown[]).length >= 3);
    const withWarning = fixture('internal.brief.md').replace('role: builder', 'role: builder\nunknown_key: 1');
    const plan = planBrief(withWarning, 'w.md', { defaultImage: 'i:1' });
    assert.deepEqual(plan.findings.map((f) => f.code), ['MB011']);
  });

  it('parses memory sizes and timeouts', () => {
    assert.equal(parseMemory('512m'), 512 * 1024 ** 2);
    assert.equal(parseMemory('2g'), 2 * 1024 ** 3);
    assert.equal(parseMemory('1.5GiB'), 1.5 * 1024 ** 3);
    assert.equal(parseMemory('100k'), 102_400);
    assert.throws(() => parseMemory('lots'), FederationError);
    assert.equal(parseTimeout(30), 1800);
    assert.equal(parseTimeout('1h30m'), 5400);
    assert.equal(parseTimeout('90s'), 90);
  });

  it('splits and expands command templates without a shell', () => {
    assert.deepEqual(splitCommand(`a 'b c' "d \\"e\\"" f\\ g`), ['a', 'b c', 'd "e"', 'f g']);
    assert.deepEqual(expandCommand('run {brief} --out={output} "{persona}; rm -rf /"', values), ['run', '/brief/MISSION_BRIEF.md', '--out=/output/x', 'p; rm -rf /']);
    assert.deepEqual(expandCommand(['x', '{agentId}'], values), ['x', 'a-1']);
    assert.deepEqual(expandCommand(['sh', '-c', 'echo ${cur} {output}'], values), ['sh', '-c', 'echo ${cur} /output/x']);
    assert.match(throws(() => expandCommand('run {breif}', values)).message, /\{breif\} is not a placeholder/);
    assert.match(throws(() => splitCommand('run "open')).message, /not closed/);
    assert.equal(throws(() => splitCommand('   ')).reason, 'invalid-input');
    const defaults = expandCommand(DEFAULT_COMMAND_TEMPLATE, values);
    assert.equal(defaults[0], 'claude');
    assert.equal(defaults.length, 3);
    assert.ok(defaults[2]!.includes('/brief/MISSION_BRIEF.md') && defaults[2]!.includes('/output/agent-report.json'));
  });

  it('builds a container spec that passes the hardening list', () => {
    const plan = planBrief(fixture('reviewer.brief.md'), 'reviewer.brief.md', { defaultImage: 'img:1' });
    const spec = containerSpecFor(plan, {
      agentId: 'research-abc123', name: 'af-x', user: '65534:65534', labels: { l: '1' }, networkName: 'none',
      folders: { workspace: '/a/package/workspace', brief: '/a/package/MISSION_BRIEF.md', bootstrap: '/a/package/BOOTSTRAP.md', secretsDir: '/a/secrets', outputDir: '/a/output' },
    });
    assert.equal(spec.env?.['AGENT_OUTPUT'], '/output/review');
    assert.ok(Object.keys(spec.env ?? {}).every((k) => k.startsWith('AGENT_') || k === 'HOME'));
    assert.equal(spec.env?.['AGENT_BOOTSTRAP'], '/brief/BOOTSTRAP.md');
    const mounts = spec.mounts ?? [];
    const info = {
      id: 'x', name: 'af-x', image: 'img:1', imageId: 'sha256:0', labels: {}, state: 'created' as const, running: false, exitCode: null,
      oomKilled: false, createdAt: new Date(), restartCount: 0, user: spec.user ?? '', cmd: spec.cmd ?? [], env: spec.env ?? {}, workingDir: '/workspace',
      mounts: mounts.map((m) => ({ source: m.source, target: m.target, readOnly: m.readOnly ?? false, type: m.type ?? 'bind' as const })),
      tmpfs: spec.tmpfs ?? {},
      hardening: { capDrop: ['ALL'], capAdd: [], readOnlyRootfs: true, noNewPrivileges: true, memoryBytes: plan.limits.memoryBytes, nanoCpus: plan.limits.nanoCpus, pidsLimit: plan.limits.pidsLimit, network: 'none', securityOpt: ['no-new-privileges'] },
    };
    const record = { limits: plan.limits, network: 'none', workspace: { mode: 'package' as const, readOnly: plan.workspace.readOnly, folders: [] } };
    assert.deepEqual(checkHardening(info, record).filter((c) => !c.ok), []);
    const socket = { ...info, mounts: [...info.mounts, { source: '/var/run/docker.sock', target: '/var/run/docker.sock', readOnly: false, type: 'bind' as const }] };
    assert.deepEqual(checkHardening(socket, record).filter((c) => !c.ok).map((c) => c.check), ['mounts', 'dockerSocket']);
    const unconfined = { ...info, hardening: { ...info.hardening, securityOpt: ['no-new-privileges', 'seccomp=unconfined'] } };
    assert.deepEqual(checkHardening(unconfined, record).filter((c) => !c.ok).map((c) => c.check), ['securityOpt']);
    // The real workspace at /workspace instead of the agent's package is caught.
    const whole = { ...info, mounts: info.mounts.map((m) => (m.target === '/workspace' ? { ...m, source: '/home/me/project' } : m)) };
    assert.deepEqual(checkHardening(whole, record).filter((c) => !c.ok).map((c) => c.check), ['workspacePackage']);
  });
});
