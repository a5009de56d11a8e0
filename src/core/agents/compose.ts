// "Export to Docker Compose": one service per brief, with the same hardening, mounts and labels a deployment
// gets. Like a deployment, a service sees exactly its remote-agent package (written next to the compose file):
// the package's workspace at /workspace, its MISSION_BRIEF.md and BOOTSTRAP.md under /brief, all read-only.
// Secrets are referenced as files (compose `secrets:` mounted read-only at /secrets/NAME), never inlined.
import * as path from 'node:path';
import { LABEL, federationLabels } from './labels';
import { PACKAGE_LAYOUT } from '../packages/workspace';
import { TMPFS_OPTIONS, agentEnv, commandFor, type AgentPlan } from './plan';
import { CONTAINER_PATHS } from './template';
import { yaml } from '../lazy';

export interface ComposeOptions {
  /** The compose file's path: every host path in it is relative to its folder. */
  file: string;
  /** The workspace root. */
  root: string;
  federationHash: string;
  /** Folder with one file per secret, as the compose file should reference it. Default ./secrets next to it. */
  secretsDir?: string;
  /** Container user. Default 65534:65534 (nobody). */
  user?: string;
  /** Output folders go to <outputRoot>/<service>. Default ./agent-output next to the compose file. */
  outputRoot?: string;
}

type Yaml = Record<string, unknown>;

function rel(from: string, to: string): string {
  const r = path.relative(from, to).split(path.sep).join('/');
  if (r === '') return '.';
  return r.startsWith('.') || r.startsWith('/') ? r : `./${r}`;
}

/** Where the services' packages go, next to the compose file. */
export const COMPOSE_PACKAGES_DIR = 'agent-packages';

/** The service name of each plan, in order (unique). */
export function serviceNames(plans: AgentPlan[]): string[] {
  const taken = new Set<string>();
  return plans.map((p) => serviceName(p, taken));
}

function serviceName(plan: AgentPlan, taken: Set<string>): string {
  const base = (plan.persona ?? plan.role ?? path.basename(plan.file).replace(/\.brief\.md$|\.md$/i, '').replace(/^MISSION_BRIEF\.?/i, ''))
    .toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'agent';
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  taken.add(name);
  return name;
}

/** The compose document as plain data (tests look at it; composeYaml writes it). */
type ComposePlan = AgentPlan & { abs: string; sha256: string; packageDir: string };

export function composeDocument(plans: ComposePlan[], options: ComposeOptions): Yaml {
  const dir = path.dirname(path.resolve(options.file));
  const secretsDir = path.resolve(dir, options.secretsDir ?? 'secrets');
  const outputRoot = path.resolve(dir, options.outputRoot ?? 'agent-output');
  const taken = new Set<string>();
  const services: Yaml = {};
  const secrets: Yaml = {};
  let internal = false;
  for (const plan of plans) {
    const name = serviceName(plan, taken);
    const volumes: Yaml[] = [
      { type: 'bind', source: rel(dir, path.join(plan.packageDir, PACKAGE_LAYOUT.workspace)), target: CONTAINER_PATHS.workspace, read_only: true },
      { type: 'bind', source: rel(dir, path.join(plan.packageDir, PACKAGE_LAYOUT.brief)), target: CONTAINER_PATHS.brief, read_only: true },
      { type: 'bind', source: rel(dir, path.join(plan.packageDir, PACKAGE_LAYOUT.bootstrap)), target: CONTAINER_PATHS.bootstrap, read_only: true },
      { type: 'bind', source: rel(dir, path.join(outputRoot, name)), target: CONTAINER_PATHS.output, read_only: false, bind: { create_host_path: true } },
    ];
    const tmpfs = [`${CONTAINER_PATHS.tmp}:${TMPFS_OPTIONS}`];
    const service: Yaml = {
      image: plan.image,
      command: commandFor(plan, name),
      user: options.user ?? '65534:65534',
      working_dir: CONTAINER_PATHS.workspace,
      read_only: true,
      cap_drop: ['ALL'],
      security_opt: ['no-new-privileges:true'],
      tmpfs,
      mem_limit: plan.limits.memoryBytes,
      memswap_limit: plan.limits.memoryBytes,
      ...(plan.limits.nanoCpus > 0 ? { cpus: plan.limits.nanoCpus / 1e9 } : {}),
      pids_limit: plan.limits.pidsLimit,
      environment: agentEnv(plan, name),
      labels: {
        ...federationLabels(options.federationHash),
        [LABEL.agent]: name,
        [LABEL.brief]: plan.file,
        [LABEL.briefSha256]: plan.sha256,
        [LABEL.persona]: plan.persona ?? '',
        [LABEL.role]: plan.role ?? '',
      },
      volumes,
    };
    if (plan.network === 'internal') {
      service['networks'] = ['federation-internal'];
      internal = true;
    } else {
      service['network_mode'] = 'none';
    }
    if (plan.secrets.length > 0) {
      service['secrets'] = plan.secrets.map((s) => ({ source: s, target: `${CONTAINER_PATHS.secrets}/${s}` }));
      for (const s of plan.secrets) secrets[s] = { file: rel(dir, path.join(secretsDir, s)) };
    }
    services[name] = service;
  }
  const doc: Yaml = { name: `agent-federation-${options.federationHash.slice(0, 8)}`, services };
  if (internal) {
    doc['networks'] = { 'federation-internal': { internal: true, labels: { ...federationLabels(options.federationHash), [LABEL.kind]: 'internal' } } };
  }
  if (Object.keys(secrets).length > 0) doc['secrets'] = secrets;
  return doc;
}

export function composeYaml(plans: ComposePlan[], options: ComposeOptions): string {
  const header = [
    '# Generated by Agent Federation ("Export to Docker Compose") from:',
    ...plans.map((p) => `#   ${p.file}`),
    `# Each service mounts only its bootstrap package under ./${COMPOSE_PACKAGES_DIR}/SERVICE/ (see its manifest.json).`,
    '# Secrets are files in the secrets folder named below (one file per secret); never paste values here.',
    '# Output folders must be writable by the service user before "docker compose up".',
    '# The package and output mounts are paths on the machine whose engine runs the services: for a remote engine,',
    '# copy this folder there first, or deploy with "federation agent deploy --host", which copies the files in.',
    '',
  ].join('\n');
  return header + yaml().stringify(composeDocument(plans, options), { lineWidth: 0 });
}
