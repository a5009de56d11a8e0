// Deploying 20 agents with a secret to an engine that cannot see our files (the second dockerd of
// scripts/remote-docker.sh, over tcp://) through AgentService, which creates and fills four volumes per agent,
// against what a person or script would do with the volumes already made and filled: one `docker run -d` after
// another with the same image, command, flags and mounts. Target: ours/theirs <= 1.0, although ours does the
// volumes' work inside the timing and theirs does not. The second engine is started for the benchmark when it is
// not running (and stopped again); without root or dockerd the benchmark is skipped, saying why.
import { execFile } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { alternated, round } from './stats';
import { AgentService, LABEL, MapSecretSource, TMPFS_OPTIONS } from '../src/core/agents';
import { HOLDER_IMAGE } from '../src/core/agents/holder';
import { fillArchive, VOLUME_PART_LABEL } from '../src/core/agents/volumes';
import { PACKAGE_LAYOUT } from '../src/core/packages/workspace';
import { createDockerodeClient } from '../src/node/docker/dockerodeClient';
import { nodeFileSystem } from '../src/node/fs';
import { busyboxContext } from '../test/docker/helpers';
import { REMOTE_HOST as HOST, startSecondEngine, stopSecondEngine } from '../test/docker/remoteEngine';
import { newFederation } from '../test/helpers/federation';
import { removeScratch, scratchDir } from './scratch';

const run = promisify(execFile);
const COUNT = 20;
const ROUNDS = 2;
const BENCH_LABEL = 'agent-federation.bench';
const PARTS = ['workspace', 'brief', 'secrets', 'output'] as const;

const BRIEF = `---
role: bench
network: none
resources: { cpus: 0.1, memory: 32m, pids: 16 }
secrets: [API_TOKEN]
---

# Idle

## Identity

A benchmark agent.

## Mission

Sleep; done when 1 minute has passed.

## Resources

The project's \`README.md\` at \`/workspace\`, the token in \`/secrets\`.

## Output

Nothing under \`/output\`.

## Reporting

No report.

## Boundaries

- Never do anything.
`;
const README = 'The benchmark project.\n';
const SECRET = 'bench-token-not-a-real-one';


export async function benchRemote(): Promise<Record<string, number>> {
  const started = startSecondEngine();
  const client = createDockerodeClient({ host: HOST });
  const runId = `${process.pid}-${Date.now().toString(36)}`;
  const labels = { [BENCH_LABEL]: runId };
  const image = `agent-federation-bench/remote-idle:${runId}`;
  let hadHolder = true;
  const removeAll = async (): Promise<void> => {
    for (const c of await client.listContainers({ labels })) await client.removeContainer(c.id, { force: true }).catch(() => undefined);
  };
  try {
    await client.ping();
    hadHolder = await client.imageExists(HOLDER_IMAGE);
    // The test suites' busybox image, built on that engine (it has no registry to pull from).
    await client.buildImage({ tar: busyboxContext() }, { tag: image, labels, timeoutMs: 120_000 });
    const root = scratchDir('remote-');
    chmodSync(root, 0o755);
    await newFederation(root).init();
    writeFileSync(path.join(root, 'idle.brief.md'), BRIEF);
    writeFileSync(path.join(root, 'README.md'), README);
    const service = new AgentService({ root, fs: nodeFileSystem, env: process.env, defaultHost: HOST, clientFactory: async (o) => createDockerodeClient(o) });
    const options = { image, command: ['sleep', '60'], labels, operatorLevel: 'L3' as const, secrets: new MapSecretSource({ API_TOKEN: SECRET }) };
    const deploy = async (): Promise<number> => {
      const t0 = performance.now();
      const { agents } = await service.deploy(['idle.brief.md'], { ...options, copies: COUNT });
      const ms = performance.now() - t0;
      if (agents.length !== COUNT) throw new Error(`deployed ${agents.length} of ${COUNT}`);
      for (const a of agents) await service.remove(a.id, { force: true });
      return ms;
    };
    // Warm-up: image layers, the holder image (built once per engine), the engine's caches, our module loading.
    await service.deploy(['idle.brief.md'], { ...options, copies: 2 }).then(async (r) => {
      for (const a of r.agents) await service.remove(a.id, { force: true });
    });

    // Theirs: the volumes made and filled before the clock starts, by one helper container that holds them (and so
    // keeps the secrets' tmpfs volumes mounted, as our holder does until the agent runs).
    const uid = 65534;
    const volumes = Array.from({ length: COUNT }, (_, i) => Object.fromEntries(PARTS.map((p) => [p, `af-bench-${runId}-${i}-${p}`])) as Record<(typeof PARTS)[number], string>);
    for (const v of volumes) {
      for (const part of PARTS) {
        await client.createVolume({
          name: v[part],
          labels: { ...labels, [VOLUME_PART_LABEL]: part },
          ...(part === 'secrets' ? { driverOpts: { type: 'tmpfs', device: 'tmpfs', o: `size=${256 * 1024},mode=0500,uid=${uid},gid=${uid},noexec,nosuid,nodev` } } : {}),
        });
      }
    }
    const helper = await client.createContainer({
      image, cmd: ['sleep', '3600'], labels,
      mounts: volumes.flatMap((v, i) => PARTS.map((p) => ({ type: 'volume' as const, source: v[p], target: `/fill/${i}/${p}` }))),
      hardening: { capDrop: ['ALL'], noNewPrivileges: true, network: 'none' },
    });
    await client.startContainer(helper.id);
    const pkg = {
      files: [
        { path: PACKAGE_LAYOUT.brief, content: Buffer.from(BRIEF) },
        { path: PACKAGE_LAYOUT.bootstrap, content: Buffer.from('# Bootstrap\n') },
        { path: `${PACKAGE_LAYOUT.workspace}/README.md`, content: Buffer.from(README) },
      ],
    } as unknown as Parameters<typeof fillArchive>[0]['pkg'];
    for (const [i, v] of volumes.entries()) {
      await client.putArchive(helper.id, `/fill/${i}`, fillArchive({
        agentId: `loop-${i}`, volumes: v, labels, pkg, secrets: new Map([['API_TOKEN', Buffer.from(SECRET)]]), owner: { uid, gid: uid }, workspaceWritable: false,
      }));
    }
    const env = { ...process.env, DOCKER_HOST: HOST };
    const loop = async (r: number): Promise<number> => {
      const t0 = performance.now();
      for (const [i, v] of volumes.entries()) {
        await run('docker', [
          'run', '-d', '--name', `af-bench-${runId}-${r}-${i}`, '--user', `${uid}:${uid}`, '--workdir', '/workspace',
          '--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--tmpfs', `/tmp:${TMPFS_OPTIONS}`,
          '--memory', '32m', '--memory-swap', '32m', '--cpus', '0.1', '--pids-limit', '16', '--network', 'none',
          '--label', `${BENCH_LABEL}=${runId}`, '--label', `${LABEL.agent}=loop-${i}`,
          '-e', 'AGENT_ID=x', '-e', 'AGENT_BRIEF=/brief/MISSION_BRIEF.md', '-e', 'AGENT_BOOTSTRAP=/brief/BOOTSTRAP.md', '-e', 'AGENT_WORKSPACE=/workspace',
          '-e', 'AGENT_SECRETS=/secrets', '-e', 'AGENT_OUTPUT=/output', '-e', 'AGENT_REPORT=/output/agent-report.json', '-e', 'HOME=/tmp',
          '--mount', `type=volume,source=${v.workspace},target=/workspace,readonly`,
          '--mount', `type=volume,source=${v.brief},target=/brief,readonly`,
          '--mount', `type=volume,source=${v.secrets},target=/secrets,readonly`,
          '--mount', `type=volume,source=${v.output},target=/output`,
          image, 'sleep', '60',
        ], { env });
      }
      const ms = performance.now() - t0;
      for (const c of await client.listContainers({ labels })) if (c.id !== helper.id) await client.removeContainer(c.id, { force: true });
      return ms;
    };
    const { oursMs, anchorMs: theirsMs } = await alternated(ROUNDS, deploy, loop);
    return {
      [`deploy${COUNT}Ms_median`]: round(oursMs),
      [`dockerRunPrefilled${COUNT}Ms_median`]: round(theirsMs),
      [`deploy${COUNT}VsDockerRunPrefilledRatio`]: round(oursMs / theirsMs),
      loadAverage1m: round(os.loadavg()[0] ?? 0),
    };
  } finally {
    await removeAll().catch(() => undefined);
    for (const v of await client.listVolumes({ labels }).catch(() => [] as string[])) await client.removeVolume(v, { force: true }).catch(() => undefined);
    await client.removeImage(image, { force: true }).catch(() => undefined);
    // The engine is left as it was found: the holder image stays only if it was there before.
    if (!hadHolder) await client.removeImage(HOLDER_IMAGE, { force: true }).catch(() => undefined);
    if (started) stopSecondEngine();
  }
}

if (require.main === module) {
  benchRemote().then(
    (r) => {
      removeScratch();
      console.log(JSON.stringify(r, null, 2));
    },
    (e: unknown) => {
      removeScratch();
      console.error(e);
      process.exit(1);
    },
  );
}
