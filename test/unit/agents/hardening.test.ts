// The hardening list's mount lines say what the engine reports for the mount (read-only or writable), so that
// `federation agent inspect` and the editor's table read true: "/output writable: writable", not ": false".
import * as assert from 'node:assert/strict';
import { checkHardening, formatHardeningCheck, type HardeningCheck } from '../../../src/core/agents/hardening';
import { TMPFS_OPTIONS } from '../../../src/core/agents/plan';
import type { ContainerInfo } from '../../../src/core/docker/client';

const LIMITS = { memoryBytes: 512 * 1024 * 1024, nanoCpus: 1e9, pidsLimit: 128 };

function info(readOnly: Record<string, boolean>): ContainerInfo {
  const pkg = '/ws/.federation/agents/a-1/package';
  const source: Record<string, string> = {
    '/brief/BOOTSTRAP.md': `${pkg}/BOOTSTRAP.md`,
    '/brief/MISSION_BRIEF.md': `${pkg}/MISSION_BRIEF.md`,
    '/output': '/ws/.federation/agents/a-1/output',
    '/secrets': '/ws/.federation/agents/a-1/secrets',
    '/workspace': `${pkg}/workspace`,
  };
  return {
    id: 'c1', name: 'af-a-1', image: 'img:1', imageId: 'sha256:0', labels: {}, state: 'running', running: true, exitCode: null, oomKilled: false,
    createdAt: new Date(0), restartCount: 0, user: '65534:65534', cmd: [], env: {}, workingDir: '/workspace',
    mounts: Object.entries(source).map(([target, s]) => ({ source: s, target, readOnly: readOnly[target] ?? false, type: 'bind' as const })),
    tmpfs: { '/tmp': TMPFS_OPTIONS },
    hardening: { capDrop: ['ALL'], capAdd: [], readOnlyRootfs: true, noNewPrivileges: true, ...LIMITS, network: 'none', securityOpt: ['no-new-privileges'] },
  };
}

const HARDENED = { '/brief/BOOTSTRAP.md': true, '/brief/MISSION_BRIEF.md': true, '/secrets': true, '/workspace': true, '/output': false };
const record = (workspaceReadOnly: boolean) => ({ limits: LIMITS, network: 'none', workspace: { mode: 'package' as const, readOnly: workspaceReadOnly, folders: [] } });
const byKey = (checks: HardeningCheck[]) => new Map(checks.map((c) => [c.check, c]));

describe('agent hardening: mount lines', () => {
  it('a hardened container passes, and each mount line names the mode the engine reports', () => {
    const checks = checkHardening(info(HARDENED), record(true));
    assert.deepEqual(checks.filter((c) => !c.ok), []);
    const c = byKey(checks);
    assert.equal(formatHardeningCheck(c.get('outputWritable')!), 'ok   /output writable: writable');
    assert.equal(formatHardeningCheck(c.get('secretsReadOnly')!), 'ok   /secrets read-only: read-only');
    assert.equal(formatHardeningCheck(c.get('briefReadOnly')!), 'ok   /brief/BOOTSTRAP.md and /brief/MISSION_BRIEF.md read-only: read-only');
    assert.equal(formatHardeningCheck(c.get('workspaceReadOnly')!), 'ok   /workspace read-only: read-only');
  });

  it('a read-only /output, a writable /secrets and a missing brief file fail, saying what the engine reports', () => {
    const bad = info({ ...HARDENED, '/output': true, '/secrets': false });
    bad.mounts = bad.mounts.filter((m) => m.target !== '/brief/BOOTSTRAP.md');
    const c = byKey(checkHardening(bad, record(true)));
    assert.equal(formatHardeningCheck(c.get('outputWritable')!), 'FAIL /output writable: read-only (expected writable)');
    assert.equal(formatHardeningCheck(c.get('secretsReadOnly')!), 'FAIL /secrets read-only: writable (expected read-only)');
    assert.equal(formatHardeningCheck(c.get('briefReadOnly')!), 'FAIL /brief/BOOTSTRAP.md and /brief/MISSION_BRIEF.md read-only: (missing), read-only (expected read-only)');
  });

  it('a brief that asks for a writable /workspace: the line says writable on both sides', () => {
    const c = byKey(checkHardening(info({ ...HARDENED, '/workspace': false }), record(false)));
    assert.equal(formatHardeningCheck(c.get('workspaceReadOnly')!), 'ok   /workspace writable (the brief asks so): writable');
    const wrong = byKey(checkHardening(info(HARDENED), record(false)));
    assert.equal(formatHardeningCheck(wrong.get('workspaceReadOnly')!), 'FAIL /workspace writable (the brief asks so): read-only (expected writable)');
  });
});
