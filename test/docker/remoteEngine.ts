// The second engine of the remote-host tests: a dockerd in its own mount namespace (scripts/remote-docker.sh),
// which cannot see /tmp, /work, /home or the checkout, reached over tcp://. Started for the suite when it is not
// running already, and stopped again by the suite that started it.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import type { DockerClient } from '../../src/core/docker/client';
import { createDockerodeClient } from '../../src/node/docker/dockerodeClient';
import { Sweeper } from './helpers';

const SCRIPT = path.resolve(__dirname, '..', '..', '..', 'scripts', 'remote-docker.sh');
export const REMOTE_HOST = `tcp://127.0.0.1:${process.env['REMOTE_DOCKER_PORT'] ?? '23750'}`;

/** The first engine's default bridge: the second engine shares the network namespace and must leave it alone. */
function hasDocker0(): boolean {
  try {
    execFileSync('ip', ['link', 'show', 'docker0'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function running(): boolean {
  try {
    execFileSync('bash', [SCRIPT, 'status'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Starts the second engine unless it answers; true when this call started it. Throws with the script's reason. */
export function startSecondEngine(): boolean {
  if (running()) return false;
  try {
    execFileSync('bash', [SCRIPT, 'start'], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 60_000 });
  } catch (e) {
    const said = String((e as { stderr?: string }).stderr ?? '').trim().split('\n').pop() ?? '';
    throw new Error(`the second Docker engine (scripts/remote-docker.sh) could not start: ${said || (e as Error).message}`);
  }
  return true;
}

export function stopSecondEngine(): void {
  execFileSync('bash', [SCRIPT, 'stop'], { stdio: 'ignore' });
}

export function useRemoteEngine(): { readonly client: DockerClient; readonly host: string; suite: Sweeper; each: Sweeper } {
  let client: DockerClient | undefined;
  let started = false;
  let bridgeBefore = false;
  const suite = new Sweeper(() => client);
  const each = new Sweeper(() => client);
  before(async function () {
    this.timeout(60_000);
    bridgeBefore = hasDocker0();
    started = startSecondEngine();
    client = createDockerodeClient({ host: REMOTE_HOST });
    await client.ping();
  });
  afterEach(async () => {
    const left = await each.cleanup();
    if (left.length) throw new Error(`cleanup on the remote engine left: ${left.join('; ')}`);
  });
  after(async function () {
    this.timeout(60_000);
    await suite.cleanup();
    if (started) stopSecondEngine();
    if (bridgeBefore && !hasDocker0()) throw new Error('the second engine deleted docker0, the first engine\'s default bridge');
  });
  return {
    get client(): DockerClient {
      if (!client) throw new Error('the remote engine is not reached yet');
      return client;
    },
    host: REMOTE_HOST,
    suite,
    each,
  };
}
