// An agent on an engine that cannot see our files (any tcp:// or ssh:// engine, or a local one by a setting): its
// package, brief, secrets and output live in named volumes on that engine, filled and read back through the Engine
// API's archive calls, with the same modes inside the agent as bind mounts give. Secrets go to a tmpfs volume: the
// engine holds them in memory only while a container that mounts them runs, and they go with the agent.
import * as path from 'node:path';
import { isDockerStatus, type CallOptions, type DockerClient, type MountSpec } from '../docker/client';
import { packTar, readTar, type TarEntry } from '../docker/tar';
import { FederationError, isFederationError } from '../errors';
import type { BootstrapPackage } from '../packages';
import { PACKAGE_LAYOUT } from '../packages/workspace';
import type { FileSystem, Logger } from '../ports';
import { ensureHolderImage } from './holder';
import { LABEL, federationLabels } from './labels';
import type { Owner } from './files';
import { removeTree } from './files';
import { CONTAINER_PATHS } from './template';

/** 'auto': volumes for an engine that is not on this machine; 'volumes': always (a setting, for tests and odd set-ups). */
export type Transfer = 'auto' | 'volumes';

export interface AgentVolumes {
  workspace: string;
  brief: string;
  secrets: string;
  output: string;
}

/** Where the holder mounts each volume while they are filled. */
const FILL_ROOT = '/fill';
const PARTS = ['workspace', 'brief', 'secrets', 'output'] as const;
/** As an agent's default: the holder itself never forks. */
const HOLDER_PIDS_LIMIT = 64;
/** Labels a volume with the part it is, so orphans can be told apart. */
export const VOLUME_PART_LABEL = 'agent-federation.volume';

/** What collect and report accept from an output volume: the same order of size as a local output folder. */
export const OUTPUT_LIMITS = { maxBytes: 2 * 1024 ** 3, maxEntries: 100_000 } as const;

export function agentVolumeNames(hash: string, agentId: string): AgentVolumes {
  const name = (part: string): string => `af-${hash.slice(0, 8)}-${agentId}-${part}`;
  return { workspace: name('workspace'), brief: name('brief'), secrets: name('secrets'), output: name('output') };
}

/** A unix socket or named pipe is this machine's engine; anything reached over the network may be elsewhere. */
export function engineSeesOurFiles(hostLabel: string): boolean {
  return hostLabel.startsWith('unix://') || hostLabel.startsWith('npipe://');
}

export function useVolumes(client: DockerClient, transfer: Transfer | undefined): boolean {
  return transfer === 'volumes' || !engineSeesOurFiles(client.hostLabel);
}

/** The agent's mounts, in place of its folders: /brief holds MISSION_BRIEF.md and BOOTSTRAP.md side by side. */
export function volumeMounts(v: AgentVolumes, workspaceReadOnly: boolean): MountSpec[] {
  return [
    { type: 'volume', source: v.workspace, target: CONTAINER_PATHS.workspace, readOnly: workspaceReadOnly },
    { type: 'volume', source: v.brief, target: CONTAINER_PATHS.briefDir, readOnly: true },
    { type: 'volume', source: v.secrets, target: CONTAINER_PATHS.secrets, readOnly: true },
    { type: 'volume', source: v.output, target: CONTAINER_PATHS.output, readOnly: false },
  ];
}

export interface FillInput {
  agentId: string;
  volumes: AgentVolumes;
  /** The federation's labels (and the deployment's group). */
  labels: Record<string, string>;
  pkg: BootstrapPackage;
  secrets: Map<string, Uint8Array>;
  /** The agent's uid and gid: its files belong to it, as the chowned folders do locally. */
  owner: Owner;
  workspaceWritable: boolean;
}

/** The archive that fills the four volumes, laid out as the holder mounts them. */
export function fillArchive(input: FillInput): Buffer {
  const { uid, gid } = input.owner;
  const own = { uid, gid };
  const fileMode = input.workspaceWritable ? 0o644 : 0o444;
  const entries: TarEntry[] = [
    { name: 'workspace', type: 'dir', mode: input.workspaceWritable ? 0o755 : 0o555, ...own },
    { name: 'brief', type: 'dir', mode: 0o555, ...own },
    { name: 'secrets', type: 'dir', mode: 0o500, ...own },
    { name: 'output', type: 'dir', mode: 0o700, ...own },
  ];
  const prefix = `${PACKAGE_LAYOUT.workspace}/`;
  const dirs = new Set<string>();
  for (const f of [...input.pkg.files].sort((a, b) => a.path.localeCompare(b.path))) {
    let target: string | undefined;
    if (f.path.startsWith(prefix)) target = `workspace/${f.path.slice(prefix.length)}`;
    else if (f.path === PACKAGE_LAYOUT.brief || f.path === PACKAGE_LAYOUT.bootstrap) target = `brief/${f.path}`;
    if (!target) continue; // the manifest stays on our side, as locally (it is never mounted)
    const parts = target.split('/');
    for (let i = 2; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!dirs.has(dir)) {
        dirs.add(dir);
        entries.push({ name: dir, type: 'dir', mode: input.workspaceWritable ? 0o755 : 0o555, ...own });
      }
    }
    entries.push({ name: target, type: 'file', mode: target.startsWith('brief/') ? 0o444 : fileMode, content: Buffer.from(f.content), ...own });
  }
  for (const [name, value] of input.secrets) entries.push({ name: `secrets/${name}`, type: 'file', mode: 0o400, content: value, ...own });
  return packTar(entries);
}

/** The tmpfs of the secrets volume: owner-only, no programs, small (secrets are files of a few KiB). */
function secretsDriverOpts(secrets: Map<string, Uint8Array>, owner: Owner): Record<string, string> {
  const bytes = [...secrets.values()].reduce((n, v) => n + v.length, 0);
  const size = Math.max(256 * 1024, bytes * 2 + 64 * 1024);
  return { type: 'tmpfs', device: 'tmpfs', o: `size=${size},mode=0500,uid=${owner.uid},gid=${owner.gid},noexec,nosuid,nodev` };
}

/** Creates the agent's four volumes, all at once (a rollback finds each by its labels, whichever of them landed). */
export async function createAgentVolumes(client: DockerClient, input: FillInput, call: CallOptions): Promise<void> {
  // allSettled: none is still in flight when a failure is reported and the rollback looks.
  const created = await Promise.allSettled(PARTS.map((part) => client.createVolume({
    name: input.volumes[part],
    labels: { ...input.labels, [LABEL.agent]: input.agentId, [VOLUME_PART_LABEL]: part },
    ...(part === 'secrets' ? { driverOpts: secretsDriverOpts(input.secrets, input.owner) } : {}),
  }, call)));
  const failed = created.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Marks a holder with every agent whose volumes it mounts, so removing one agent's volumes finds it. */
const holdsLabel = (agentId: string): string => `${VOLUME_PART_LABEL}.holds.${agentId}`;

/**
 * Fills the volumes of a deployment's agents (one owner, one set of labels) through one holder container that mounts
 * them all, under /fill/<agent id>/: one container start for the lot instead of one per agent. Returns the holder's
 * id: when any agent has secrets it is running and must be removed only after the agents have started (holder.ts).
 */
export async function fillAgentVolumes(
  client: DockerClient, inputs: FillInput[], labels: Record<string, string>, owner: Owner, call: CallOptions, holderImage: Promise<string>,
): Promise<{ holderId: string }> {
  const holder = await client.createContainer({
    image: await holderImage,
    user: `${owner.uid}:${owner.gid}`,
    labels: { ...labels, [VOLUME_PART_LABEL]: 'holder', ...Object.fromEntries(inputs.map((i) => [holdsLabel(i.agentId), '1'])) },
    mounts: inputs.flatMap((input) => PARTS.map((part) => ({ type: 'volume' as const, source: input.volumes[part], target: `${FILL_ROOT}/${input.agentId}/${part}` }))),
    // The pids limit counts runc's init (a Go program, with its threads) before the wait program replaces it: at 4
    // a loaded engine refused its threads ("fork rejected by pids controller") and the holder never started.
    hardening: { capDrop: ['ALL'], noNewPrivileges: true, network: 'none', memoryBytes: 16 * 1024 * 1024, pidsLimit: HOLDER_PIDS_LIMIT },
  }, call);
  // A tmpfs volume is mounted (and its content kept) only while a running container holds it.
  if (inputs.some((i) => i.secrets.size > 0)) await client.startContainer(holder.id, call);
  // allSettled: no upload is still in flight when a failure is reported and the rollback removes the holder.
  const uploads = await Promise.allSettled(inputs.map((input) => client.putArchive(holder.id, `${FILL_ROOT}/${input.agentId}`, fillArchive(input), call)));
  const failed = uploads.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return { holderId: holder.id };
}

/** The holder image on that engine, checked (or built) once: a deployment shares the promise among its agents. */
export function holderImageFor(client: DockerClient, labels: Record<string, string>, call: CallOptions): Promise<string> {
  return ensureHolderImage(client, federationLabels(labels[LABEL.federation] ?? ''), call);
}

/** The holder goes once the agent runs (or the deployment failed); never throws. */
export async function removeHolder(client: DockerClient, holderId: string, logger: Logger): Promise<void> {
  try {
    await client.removeContainer(holderId, { force: true });
  } catch (e) {
    if (!isDockerStatus(e, 404)) logger.warn(`removing the holder container ${holderId.slice(0, 12)} failed: ${describe(e)}`);
  }
}

/** Removes the agent's volumes (and a holder left behind); a volume already gone is fine. */
export async function removeAgentVolumes(client: DockerClient, hash: string, agentId: string, call: CallOptions = {}): Promise<string[]> {
  const labels = { ...federationLabels(hash), [LABEL.agent]: agentId };
  const holders = [
    ...(await client.listContainers({ ...call, labels: { ...labels, [VOLUME_PART_LABEL]: 'holder' } })),
    ...(await client.listContainers({ ...call, labels: { ...federationLabels(hash), [holdsLabel(agentId)]: '1' } })),
  ];
  for (const c of holders) {
    await client.removeContainer(c.id, { ...call, force: true }).catch((e: unknown) => {
      if (!isDockerStatus(e, 404)) throw e;
    });
  }
  const names = new Set([...Object.values(agentVolumeNames(hash, agentId)), ...(await client.listVolumes({ ...call, labels }))]);
  const removed: string[] = [];
  for (const name of names) {
    try {
      await client.removeVolume(name, { ...call, force: true });
      removed.push(name);
    } catch (e) {
      if (!isDockerStatus(e, 404)) throw e;
    }
  }
  return removed;
}

/** "a/b/" → ['a', 'b'], or undefined for what may not be unpacked (absolute, "..", NUL, empty). */
function safeSegments(name: string): string[] | undefined {
  if (name.startsWith('/') || name.includes('\0') || name.includes('\\')) return undefined;
  const parts = name.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.length === 0 || parts.includes('..')) return undefined;
  return parts;
}

export interface PulledOutput {
  files: number;
  bytes: number;
  /** Links, devices and names that climb out: never unpacked. */
  skipped: string[];
  /** The engine's copy was the one we had: ours was left as it was (no file written, no watcher woken). */
  unchanged?: boolean;
}

/** True when the two folders hold the same names, kinds and bytes (output is capped, so reading both is cheap). */
async function sameTree(fs: FileSystem, a: string, b: string): Promise<boolean> {
  const [left, right] = await Promise.all([fs.readdir(a), fs.readdir(b)]);
  if (left.length !== right.length) return false;
  left.sort();
  right.sort();
  for (let i = 0; i < left.length; i++) {
    if (left[i] !== right[i]) return false;
    const [x, y] = [path.join(a, left[i]!), path.join(b, right[i]!)];
    const [sx, sy] = await Promise.all([fs.lstat(x), fs.lstat(y)]);
    if (sx.isDirectory() !== sy.isDirectory() || sx.isFile() !== sy.isFile()) return false;
    if (sx.isDirectory()) {
      if (!(await sameTree(fs, x, y))) return false;
    } else if (!sx.isFile() || sx.size !== sy.size || !(await fs.readFile(x)).equals(await fs.readFile(y))) {
      return false;
    }
  }
  return true;
}

/**
 * Brings the agent's /output from its engine into `outputDir`. The archive is unpacked into a new folder beside it
 * and swapped in only when complete: an engine that dies half-way leaves the copy we had as it was.
 */
export async function pullOutput(fs: FileSystem, client: DockerClient, containerId: string, outputDir: string, call: CallOptions = {}): Promise<PulledOutput> {
  const incoming = `${outputDir}.incoming`;
  await removeTree(fs, incoming);
  await fs.mkdir(incoming, { mode: 0o700 });
  const result: PulledOutput = { files: 0, bytes: 0, skipped: [] };
  const top = path.posix.basename(CONTAINER_PATHS.output);
  try {
    const stream = await client.getArchive(containerId, CONTAINER_PATHS.output, call);
    try {
      await readTar(stream, OUTPUT_LIMITS, async (entry, content) => {
        const parts = safeSegments(entry.name);
        // Everything is under the archive's top entry, "output/".
        if (!parts || parts[0] !== top) {
          result.skipped.push(entry.name);
          return;
        }
        const rel = parts.slice(1);
        if (rel.length === 0) return;
        const target = path.join(incoming, ...rel);
        if (entry.kind === 'dir') {
          await fs.mkdir(target, { recursive: true, mode: 0o700 });
        } else if (entry.kind === 'file' && content) {
          await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
          // 'wx': a name archived twice, or under a folder we did not make, is never written through.
          await fs.writeFile(target, content, { flag: 'wx', mode: 0o600 });
          result.files++;
          result.bytes += content.length;
        } else {
          result.skipped.push(rel.join('/'));
        }
      });
    } finally {
      stream.close();
    }
  } catch (e) {
    await removeTree(fs, incoming).catch(() => undefined);
    throw e;
  }
  const had = await fs.lstat(outputDir).then((st) => st, () => undefined);
  // A panel refreshing a finished agent's report pulls the same files again and again: leave ours untouched then.
  if (had?.isDirectory() && (await sameTree(fs, outputDir, incoming).catch(() => false))) {
    await removeTree(fs, incoming);
    return { ...result, unchanged: true };
  }
  const old = `${outputDir}.old`;
  await removeTree(fs, old);
  if (had) await fs.rename(outputDir, old);
  await fs.rename(incoming, outputDir);
  if (had) await removeTree(fs, old);
  return result;
}

function describe(e: unknown): string {
  return isFederationError(e) ? e.message : e instanceof Error ? e.message : String(e);
}

/** Refuses what a remote engine cannot do yet, before anything is made. */
export function refuseOnRemote(file: string, mode: string, hostLabel: string): never {
  throw new FederationError('invalid-input', `${file} asks for ${mode}, which needs an engine that sees this machine's files; ${hostLabel} gets copies. Deploy it to the local engine.`, {
    file, host: hostLabel,
  });
}
