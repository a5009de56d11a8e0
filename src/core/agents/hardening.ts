// The hardening list, checked against what the engine reports for a container (not against what we asked
// for): the editor's "Inspect Hardening" and the real-engine tests use the same list.
import type { ContainerInfo } from '../docker/client';
import { PACKAGE_LAYOUT } from '../packages/workspace';
import { MASK_OPTIONS, TMPFS_OPTIONS } from './plan';
import { AGENTS_DIR, type AgentRecord } from './schema';
import { CONTAINER_PATHS } from './template';

export interface HardeningCheck {
  /** Stable key, e.g. "capDrop". */
  check: string;
  title: string;
  expected: string;
  actual: string;
  ok: boolean;
}

type MountMode = 'read-only' | 'writable' | '(missing)';

const DOCKER_SOCKETS = ['/var/run/docker.sock', '/run/docker.sock'];
/** The tail of every packaged agent's /workspace source: .federation/agents/<id>/package/workspace. */
const PACKAGE_LAYOUT_SUFFIX = `package/${PACKAGE_LAYOUT.workspace}`;

function check(list: HardeningCheck[], key: string, title: string, expected: unknown, actual: unknown, ok?: boolean): void {
  const e = typeof expected === 'string' ? expected : JSON.stringify(expected);
  const a = typeof actual === 'string' ? actual : JSON.stringify(actual);
  list.push({ check: key, title, expected: e, actual: a, ok: ok ?? e === a });
}

/** Every item of the hardening list for one agent container. */
export function checkHardening(info: ContainerInfo, record?: Pick<AgentRecord, 'limits' | 'network' | 'workspace'> & Partial<Pick<AgentRecord, 'id' | 'worktree' | 'volumes'>>): HardeningCheck[] {
  const h = info.hardening;
  const out: HardeningCheck[] = [];
  check(out, 'capDrop', 'All capabilities dropped', ['ALL'], h.capDrop);
  check(out, 'capAdd', 'No capability added back', [], h.capAdd);
  check(out, 'noNewPrivileges', 'no-new-privileges set', true, h.noNewPrivileges);
  check(out, 'readOnlyRootfs', 'Root file system read-only', true, h.readOnlyRootfs);
  check(out, 'tmp', 'Small /tmp tmpfs', TMPFS_OPTIONS, info.tmpfs[CONTAINER_PATHS.tmp] ?? '(none)');
  const uid = info.user.split(':')[0] ?? '';
  check(out, 'user', 'Runs as a non-root user', 'a uid other than 0', info.user || '(image default)', /^\d+$/.test(uid) && uid !== '0');
  const unconfined = h.securityOpt.filter((o) => /^(seccomp|apparmor)[:=]unconfined$/.test(o) || o.startsWith('label=disable') || o.startsWith('label:disable'));
  check(out, 'securityOpt', 'seccomp and AppArmor left on', 'no *=unconfined', h.securityOpt, unconfined.length === 0);
  check(out, 'memory', 'Memory limit', record ? record.limits.memoryBytes : 'a limit', h.memoryBytes, record ? h.memoryBytes === record.limits.memoryBytes : h.memoryBytes > 0);
  check(out, 'pids', 'Process limit', record ? record.limits.pidsLimit : 'a limit', h.pidsLimit, record ? h.pidsLimit === record.limits.pidsLimit : h.pidsLimit > 0);
  if (record) check(out, 'cpus', 'CPU limit', record.limits.nanoCpus, h.nanoCpus);
  check(out, 'network', 'Network', record ? record.network : 'none or an internal network', h.network, record ? h.network === record.network : h.network !== 'host' && h.network !== 'bridge');

  const byTarget = new Map(info.mounts.map((m) => [m.target, m]));
  // A mount check's values are the mount's mode, so that a line reads as what the engine reports.
  const mode = (target: string): MountMode => {
    const m = byTarget.get(target);
    return m === undefined ? '(missing)' : m.readOnly ? 'read-only' : 'writable';
  };
  // Agents deployed from a bootstrap package get its files bound one by one under /brief; older ones a /brief folder.
  const worktree = record ? record.workspace.mode === 'worktree' : byTarget.has(CONTAINER_PATHS.git);
  // On an engine that cannot see our files every mount is one of the agent's volumes, /brief a folder of its own.
  const volumes = record?.volumes;
  const onVolumes = record ? record.volumes !== undefined : byTarget.get(CONTAINER_PATHS.workspace)?.type === 'volume';
  const packaged = !onVolumes && (record ? record.workspace.mode === 'package' : !worktree && !byTarget.has(CONTAINER_PATHS.briefDir));
  const briefTargets = packaged || worktree ? [CONTAINER_PATHS.bootstrap, CONTAINER_PATHS.brief] : [CONTAINER_PATHS.briefDir];
  const gitTargets = worktree ? [CONTAINER_PATHS.git, CONTAINER_PATHS.gitFile] : [];
  const expectedTargets = [...briefTargets, ...gitTargets, CONTAINER_PATHS.output, CONTAINER_PATHS.secrets, CONTAINER_PATHS.workspace].sort();
  check(out, 'mounts', 'These mounts and nothing else', expectedTargets, [...byTarget.keys()].sort());
  check(out, 'dockerSocket', 'Docker socket not mounted', 'not mounted', info.mounts.filter((m) => DOCKER_SOCKETS.includes(m.source)).map((m) => m.source).join(', ') || 'not mounted');
  // A repository's .git (folder or a worktree's pointer file) is never writable: hooks and config there run on the host.
  const gitWritable = info.mounts.filter((m) => !m.readOnly && m.source.replace(/\\/g, '/').split('/').includes('.git')).map((m) => m.source);
  check(out, 'gitReadOnly', 'No .git mounted writable', 'none', gitWritable.join(', ') || 'none');
  check(out, 'secretsReadOnly', '/secrets read-only', 'read-only', mode(CONTAINER_PATHS.secrets));
  const briefModes = briefTargets.map(mode);
  check(out, 'briefReadOnly', `${briefTargets.join(' and ')} read-only`, 'read-only', briefModes.every((m) => m === 'read-only') ? 'read-only' : briefModes.join(', '));
  check(out, 'outputWritable', '/output writable', 'writable', mode(CONTAINER_PATHS.output));
  if (packaged) {
    // Not the workspace itself: the agent's own package folder, which holds only what the package let in.
    const source = byTarget.get(CONTAINER_PATHS.workspace)?.source ?? '(missing)';
    check(out, 'workspacePackage', '/workspace is the agent\'s bootstrap package', `…/${PACKAGE_LAYOUT_SUFFIX}`, source, source.replace(/\\/g, '/').endsWith(`/${PACKAGE_LAYOUT_SUFFIX}`));
  }
  if (worktree) worktreeChecks(out, byTarget, mode, record ?? {});
  if (onVolumes) volumeChecks(out, byTarget, volumes);
  if (record) {
    check(out, 'workspaceReadOnly', `/workspace ${record.workspace.readOnly ? 'read-only' : 'writable (the brief asks so)'}`, record.workspace.readOnly ? 'read-only' : 'writable', mode(CONTAINER_PATHS.workspace));
    if (record.workspace.mode === 'bind') {
      check(out, 'federationMasked', ".federation hidden inside /workspace", MASK_OPTIONS, info.tmpfs[`${CONTAINER_PATHS.workspace}/.federation`] ?? '(not hidden)');
    }
  }
  return out;
}

/** A worktree agent: /workspace is its task's worktree, the worktree's .git file read-only, /git its own git folder. */
function worktreeChecks(
  out: HardeningCheck[], byTarget: Map<string, ContainerInfo['mounts'][number]>, mode: (target: string) => MountMode, record: Partial<Pick<AgentRecord, 'id' | 'worktree'>>,
): void {
  const slashes = (p: string | undefined): string => (p ?? '(missing)').replace(/\\/g, '/').replace(/\/+$/, '');
  const expected = slashes(record.worktree?.path);
  const source = slashes(byTarget.get(CONTAINER_PATHS.workspace)?.source);
  check(out, 'workspaceWorktree', "/workspace is the task's worktree", expected, source);
  check(out, 'gitFileReadOnly', `${CONTAINER_PATHS.gitFile} read-only`, 'read-only', mode(CONTAINER_PATHS.gitFile));
  const gitSource = slashes(byTarget.get(CONTAINER_PATHS.git)?.source);
  const own = `/${AGENTS_DIR}/${record.id ?? '?'}/git`;
  check(out, 'agentGit', `${CONTAINER_PATHS.git} is the agent's own git folder, writable`, `…${own} (writable)`, `${gitSource} (${mode(CONTAINER_PATHS.git)})`,
    gitSource.endsWith(own) && mode(CONTAINER_PATHS.git) === 'writable');
}

/** Each mount is the agent's own volume on its engine (by name when the record is known), never a path of the engine's host. */
function volumeChecks(out: HardeningCheck[], byTarget: Map<string, ContainerInfo['mounts'][number]>, volumes: AgentRecord['volumes']): void {
  const targets = { workspace: CONTAINER_PATHS.workspace, brief: CONTAINER_PATHS.briefDir, secrets: CONTAINER_PATHS.secrets, output: CONTAINER_PATHS.output } as const;
  for (const [part, target] of Object.entries(targets) as Array<[keyof typeof targets, string]>) {
    const m = byTarget.get(target);
    const actual = m ? `${m.type} ${m.source}` : '(missing)';
    const expected = volumes ? `volume ${volumes[part]}` : 'a volume';
    check(out, `${part}Volume`, `${target} is the agent's own volume`, expected, actual, volumes ? actual === expected : m?.type === 'volume');
  }
}

/** One line of `federation agent inspect`: the verdict, what is checked and what the engine reports. */
export function formatHardeningCheck(c: HardeningCheck): string {
  return `${c.ok ? 'ok  ' : 'FAIL'} ${c.title}: ${c.actual}${c.ok ? '' : ` (expected ${c.expected})`}`;
}
