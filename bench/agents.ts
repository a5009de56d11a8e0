// Deploying 20 agents (created and started) through AgentService, against a loop of `docker run -d` with the
// same flags, mounts and per-agent folders on the same engine. Target: ours/loop <= 0.5, by running the creates
// in parallel. Needs a running engine; everything made is removed afterwards (also on failure).
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { alternated, round } from './stats';
import { AgentService, LABEL, MASK_OPTIONS, TMPFS_OPTIONS } from '../src/core/agents';
import { createDockerodeClient } from '../src/node/docker/dockerodeClient';
import { newFederation } from '../test/helpers/federation';
import { tar } from '../test/docker/tar';
import { nodeFileSystem } from '../src/node/fs';

const run = promisify(execFile);
const COUNT = 20;
const ROUNDS = 2;
const BENCH_LABEL = 'agent-federation.bench';

const BRIEF = `---
role: bench
network: none
resources: { cpus: 0.1, memory: 32m, pids: 16 }
---

# Idle

## Identity

A benchmark agent.

## Mission

Sleep; done when 1 minute has passed.

## Resources

The project at \`/workspace\`.

## Output

Nothing under \`/output\`.

## Reporting

No report.

## Boundaries

- Never do anything.
`;


export async function benchAgents(): Promise<Record<string, number>> {
  const client = createDockerodeClient();
  await client.ping();
  const runId = `${process.pid}-${Date.now().toString(36)}`;
  const labels = { [BENCH_LABEL]: runId };
  const image = `agent-federation-bench/idle:${runId}`;
  const root = mkdtempSync(path.join(os.tmpdir(), 'af-bench-agents-'));
  chmodSync(root, 0o755);
  const busybox = readFileSync('/bin/busybox');
  await client.buildImage({
    tar: tar([
      { type: 'file', name: 'Dockerfile', data: 'FROM scratch\nCOPY rootfs/ /\n' },
      { type: 'dir', name: 'rootfs' },
      { type: 'dir', name: 'rootfs/bin' },
      { type: 'file', name: 'rootfs/bin/busybox', data: busybox, mode: 0o755 },
      { type: 'symlink', name: 'rootfs/bin/sh', target: 'busybox' },
      { type: 'symlink', name: 'rootfs/bin/sleep', target: 'busybox' },
    ]),
  }, { tag: image, labels, timeoutMs: 120_000 });

  const removeAll = async (): Promise<void> => {
    for (const c of await client.listContainers({ labels })) await client.removeContainer(c.id, { force: true }).catch(() => undefined);
  };
  try {
    await newFederation(root).init();
    writeFileSync(path.join(root, 'idle.brief.md'), BRIEF);
    const service = new AgentService({ root, fs: nodeFileSystem, env: process.env, defaultHost: '', clientFactory: async (o) => createDockerodeClient(o) });
    const deploy = async (): Promise<number> => {
      const t0 = performance.now();
      const { agents } = await service.deploy(['idle.brief.md'], { copies: COUNT, image, command: ['sleep', '60'], labels });
      const ms = performance.now() - t0;
      if (agents.length !== COUNT) throw new Error(`deployed ${agents.length} of ${COUNT}`);
      for (const a of agents) await service.remove(a.id, { force: true });
      return ms;
    };
    // The same container, flag for flag, one `docker run -d` after another, folders made the same way.
    const loop = async (round: number): Promise<number> => {
      const uid = 65534;
      const t0 = performance.now();
      for (let i = 0; i < COUNT; i++) {
        const dir = path.join(root, '.federation', 'agents', `loop-${round}-${i}`);
        for (const sub of ['brief', 'secrets', 'output']) mkdirSync(path.join(dir, sub), { recursive: true });
        writeFileSync(path.join(dir, 'brief', 'MISSION_BRIEF.md'), BRIEF, { mode: 0o444 });
        chmodSync(path.join(dir, 'secrets'), 0o500);
        await run('docker', [
          'run', '-d', '--name', `af-bench-${runId}-${round}-${i}`, '--user', `${uid}:${uid}`, '--workdir', '/workspace',
          '--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
          '--tmpfs', `/tmp:${TMPFS_OPTIONS}`, '--tmpfs', `/workspace/.federation:${MASK_OPTIONS}`,
          '--memory', '32m', '--memory-swap', '32m', '--cpus', '0.1', '--pids-limit', '16', '--network', 'none',
          '--label', `${BENCH_LABEL}=${runId}`, '--label', `${LABEL.agent}=loop-${i}`,
          '-e', 'AGENT_ID=x', '-e', 'AGENT_BRIEF=/brief/MISSION_BRIEF.md', '-e', 'AGENT_WORKSPACE=/workspace', '-e', 'AGENT_SECRETS=/secrets',
          '-e', 'AGENT_OUTPUT=/output', '-e', 'AGENT_REPORT=/output/agent-report.json', '-e', 'HOME=/tmp',
          '--mount', `type=bind,source=${root},target=/workspace,readonly`,
          '--mount', `type=bind,source=${path.join(dir, 'brief')},target=/brief,readonly`,
          '--mount', `type=bind,source=${path.join(dir, 'secrets')},target=/secrets,readonly`,
          '--mount', `type=bind,source=${path.join(dir, 'output')},target=/output`,
          image, 'sleep', '60',
        ]);
      }
      const ms = performance.now() - t0;
      await removeAll();
      return ms;
    };
    // Warm-up: image layers, the engine's caches, our module loading.
    await service.deploy(['idle.brief.md'], { copies: 2, image, command: ['sleep', '60'], labels }).then(async (r) => {
      for (const a of r.agents) await service.remove(a.id, { force: true });
    });
    const { oursMs, anchorMs: loopMs } = await alternated(ROUNDS, deploy, loop);
    return {
      [`deploy${COUNT}Ms_median`]: round(oursMs),
      [`dockerRunLoop${COUNT}Ms_median`]: round(loopMs),
      [`deploy${COUNT}VsDockerRunLoopRatio`]: round(oursMs / loopMs),
      loadAverage1m: round(os.loadavg()[0] ?? 0),
    };
  } finally {
    await removeAll().catch(() => undefined);
    await client.removeImage(image, { force: true }).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchAgents().then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
