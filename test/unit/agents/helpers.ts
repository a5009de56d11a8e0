// Shared setup for the agent service's unit tests: a temp workspace with a federation and the fixture briefs,
// and FakeDockerClients behind a client factory (one per DOCKER_HOST-style address).
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AgentService, type AgentServiceOptions } from '../../../src/core/agents';
import type { DockerClient, DockerClientOptions } from '../../../src/core/docker/client';
import { FakeDockerClient } from '../../helpers/fakeDocker';
import { newFederation } from '../../helpers/federation';
import type { Logger } from '../../../src/core/ports';
import { nodeFileSystem } from '../../../src/node/fs';
export { failure } from '../../helpers/failure';

export const FIXTURES = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'agents');
export const IMAGE = 'agent-federation/test-agent:1';
export const DOWN_HOST = 'tcp://engine-down.invalid:2375';

export interface World {
  root: string;
  fake: FakeDockerClient;
  /** Fakes by host; DOWN_HOST is one that is not running. */
  fakes: Map<string, FakeDockerClient>;
  service: AgentService;
  logs: string[];
  make(options?: Partial<AgentServiceOptions>): AgentService;
}

/** A fresh world per test, removed afterwards even when the test fails. */
export function useWorld(): { readonly w: World } {
  const holder = {} as { w: World };
  beforeEach(async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'af-agents-'));
    await newFederation(root).init();
    for (const f of readdirSync(FIXTURES).filter((n) => n.endsWith('.md'))) copyFileSync(path.join(FIXTURES, f), path.join(root, f));
    mkdirSync(path.join(root, 'docs'));
    mkdirSync(path.join(root, 'examples', 'basic'), { recursive: true });
    const fakes = new Map<string, FakeDockerClient>();
    const fakeFor = (host: string): FakeDockerClient => {
      let f = fakes.get(host);
      if (!f) {
        f = new FakeDockerClient();
        f.addImage(IMAGE);
        if (host === DOWN_HOST) f.unavailable = true;
        fakes.set(host, f);
      }
      return f;
    };
    const fake = fakeFor('');
    const logs: string[] = [];
    const logger: Logger = { debug: (m) => logs.push(m), info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) };
    const make = (options: Partial<AgentServiceOptions> = {}): AgentService =>
      new AgentService({
        root,
        fs: nodeFileSystem,
        // The tests' engines are named (defaultHost), never taken from the environment running the suite.
        env: {},
        defaultHost: '',
        clientFactory: async (opts?: DockerClientOptions): Promise<DockerClient> => fakeFor(opts?.host ?? ''),
        defaults: { defaultImage: IMAGE, commandTemplate: 'agent run {brief} --report {report}' },
        logger,
        ...options,
      });
    holder.w = { root, fake, fakes, service: make(), logs, make };
  });
  afterEach(() => {
    rmSync(holder.w.root, { recursive: true, force: true });
  });
  return holder as { readonly w: World };
}

/** Every file under dir (relative), for "nothing left behind" checks. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = path.join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** True when `needle` occurs in any file under dir. */
export function occursUnder(dir: string, needle: string): string[] {
  return filesUnder(dir).filter((f) => readFileSync(path.join(dir, f)).includes(needle));
}

export async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
