import * as assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { type AgentChange, LABEL, MapSecretSource, REPORT_FILE, internalNetworkName } from '../../../src/core/agents';
import { readAgents } from '../../../src/core/agents/records';
import type { DockerClient } from '../../../src/core/docker/client';
import { FakeDockerClient } from '../../helpers/fakeDocker';
import { FederationError, PackageRefusedError } from '../../../src/core/errors';
import type { PackageManifest } from '../../../src/core/packages';
import { DOWN_HOST, IMAGE, failure, filesUnder, occursUnder, until, useWorld } from './helpers';

const SECRET = 'tok-7f3a9c1e5b2d8f4a6c0e';

/** Workspace paths of the files a manifest put in the package (what /workspace shows). */
function packagedSources(m: PackageManifest): string[] {
  return m.included.filter((e) => e.path.startsWith('workspace/')).map((e) => e.path.slice('workspace/'.length)).sort();
}
const secrets = new MapSecretSource({ API_TOKEN: SECRET });

describe('AgentService (FakeDockerClient)', () => {
  const world = useWorld();

  describe('deploy', () => {
    it('starts a hardened container from a brief, with its record, labels and folders', async () => {
      const { w } = world;
      const result = await w.service.deploy(['reviewer.brief.md'], { operatorLevel: 'L3', secrets, labels: { 'test.run': 'x' } });
      assert.equal(result.agents.length, 1);
      const agent = result.agents[0]!;
      assert.match(agent.id, /^research-[0-9a-f]{6}$/);
      assert.equal(agent.status, 'running');

      const info = await w.fake.inspectContainer(agent.containerId!);
      assert.equal(info.state, 'running');
      assert.equal(info.image, IMAGE);
      assert.deepEqual(info.cmd, ['agent', 'run', '/brief/MISSION_BRIEF.md', '--report', '/output/agent-report.json']);
      assert.notEqual(info.user.split(':')[0], '0');
      assert.deepEqual(info.hardening.capDrop, ['ALL']);
      assert.equal(info.hardening.readOnlyRootfs, true);
      assert.equal(info.hardening.noNewPrivileges, true);
      assert.equal(info.hardening.memoryBytes, 64 * 1024 * 1024);
      assert.equal(info.hardening.nanoCpus, 500_000_000);
      assert.equal(info.hardening.pidsLimit, 64);
      assert.equal(info.hardening.network, 'none');
      assert.equal(info.workingDir, '/workspace');
      assert.equal(info.labels[LABEL.agent], agent.id);
      assert.equal(info.labels[LABEL.federation], w.service.federationHash);
      assert.equal(info.labels[LABEL.brief], 'reviewer.brief.md');
      assert.equal(info.labels[LABEL.persona], 'research');
      assert.equal(info.labels['test.run'], 'x');
      // Exactly the agent's package (never the workspace itself), its secrets and its output.
      const folders = w.service.folders(agent.id);
      assert.deepEqual(
        info.mounts.map((m) => [m.target, m.source, m.readOnly]).sort(),
        [
          ['/brief/BOOTSTRAP.md', folders.packageBootstrap, true],
          ['/brief/MISSION_BRIEF.md', folders.packageBrief, true],
          ['/output', folders.outputDir, false],
          ['/secrets', folders.secretsDir, true],
          ['/workspace', folders.packageWorkspaceDir, true],
        ],
      );
      assert.deepEqual(Object.keys(info.tmpfs), ['/tmp']);
      assert.deepEqual((await w.service.inspectHardening(agent.id)).filter((c) => !c.ok), []);

      // Secrets: a 0400 file in a 0500 folder, mounted read-only; the value nowhere else.
      assert.equal(readFileSync(path.join(folders.secretsDir, 'API_TOKEN'), 'utf8'), SECRET);
      assert.equal(statSync(path.join(folders.secretsDir, 'API_TOKEN')).mode & 0o777, 0o400);
      assert.equal(statSync(folders.secretsDir).mode & 0o777, 0o500);
      assert.ok(!JSON.stringify(info).includes(SECRET), 'not in the container config');
      assert.deepEqual(occursUnder(path.join(w.root, '.federation'), SECRET), [`agents/${agent.id}/secrets/API_TOKEN`]);
      assert.ok(!w.logs.join('\n').includes(SECRET));
      assert.equal(readFileSync(path.join(w.root, '.federation', 'agents', '.gitignore'), 'utf8').includes('*'), true);

      // The brief as packaged (a snapshot), and the package's manifest says it is complete.
      assert.equal(readFileSync(folders.packageBrief, 'utf8'), readFileSync(path.join(w.root, 'reviewer.brief.md'), 'utf8'));
      assert.match(readFileSync(folders.packageBootstrap, 'utf8'), /^## 1\. Who am I$/m);
      const manifest = JSON.parse(readFileSync(path.join(folders.packageDir, 'manifest.json'), 'utf8')) as PackageManifest;
      assert.equal(manifest.ok, true);
      assert.equal(manifest.operatorLevel, 'L3');
      assert.deepEqual(manifest.secrets, [{ name: 'API_TOKEN', mount: '/secrets/API_TOKEN', granted: true }]);
      assert.deepEqual(filesUnder(folders.packageWorkspaceDir), packagedSources(manifest));

      const [record] = await readAgents(w.service.store);
      assert.equal(record!.id, agent.id);
      assert.equal(record!.containerId, agent.containerId);
      assert.deepEqual(record!.secrets, ['API_TOKEN']);
      assert.equal(record!.timeoutSeconds, 30 * 60);
      assert.equal(record!.workspace.mode, 'package');
      assert.deepEqual(record!.package, { operatorLevel: 'L3', files: packagedSources(manifest).length, excluded: manifest.excluded.length });
    });

    it('runs the creates of several agents in parallel', async () => {
      const { w } = world;
      let inFlight = 0;
      let most = 0;
      const slow = new Proxy(w.fake, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver) as unknown;
          if (prop !== 'createContainer') return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
          return async (...args: Parameters<FakeDockerClient['createContainer']>) => {
            inFlight++;
            most = Math.max(most, inFlight);
            await new Promise((r) => setTimeout(r, 30));
            try {
              return await target.createContainer(...args);
            } finally {
              inFlight--;
            }
          };
        },
      });
      const service = w.make({ clientFactory: async () => slow as DockerClient });
      const result = await service.deploy(['reviewer.brief.md', 'internal.brief.md'], { operatorLevel: 'L3', secrets, copies: 5 });
      assert.equal(result.agents.length, 10);
      assert.equal(new Set(result.agents.map((a) => a.id)).size, 10);
      assert.ok(most >= 5, `at most ${most} creates were in flight together`);
      assert.equal((await readAgents(service.store)).length, 10);
      assert.equal(new Set(result.agents.map((a) => a.group)).size, 1, 'one deployment, one group');
    });

    it('refuses a brief with errors, listing them, before anything is made', async () => {
      const { w } = world;
      const e = await failure(w.service.deploy(['reviewer.brief.md', 'broken.brief.md'], { secrets }));
      assert.equal(e.reason, 'invalid-input');
      assert.match(e.message, /broken\.brief\.md has \d+ errors/);
      assert.match(e.message, /MB013/);
      assert.ok(Array.isArray(e.details['findings']));
      assert.deepEqual(w.fake.calls, []);
      assert.equal(existsSync(path.join(w.root, '.federation', 'agents')), false);
    });

    it('refuses a network allow-list clearly unless the network is overridden', async () => {
      const { w } = world;
      const e = await failure(w.service.deploy(['allowlist.brief.md']));
      assert.equal(e.reason, 'invalid-input');
      assert.match(e.message, /allow-list \(api\.github\.com\).*not support/);
      assert.equal(e.details['field'], 'network');
      const ok = await w.service.deploy(['allowlist.brief.md'], { network: 'none' });
      assert.equal((await w.fake.inspectContainer(ok.agents[0]!.containerId!)).hardening.network, 'none');
    });

    it('refuses when a secret is missing, naming it and never a value', async () => {
      const { w } = world;
      const e = await failure(w.service.deploy(['reviewer.brief.md'], { operatorLevel: 'L3', secrets: new MapSecretSource({ OTHER: 'x' }) }));
      assert.equal(e.reason, 'not-found');
      assert.deepEqual(e.details['secrets'], ['API_TOKEN']);
      const none = await failure(w.service.deploy(['reviewer.brief.md'], { operatorLevel: 'L3' }));
      assert.equal(none.reason, 'invalid-input');
      assert.match(none.message, /--secrets-dir/);
      assert.deepEqual(w.fake.containerIds(), []);
    });

    it('leaves no container, folder, network or record behind when it fails half-way', async () => {
      const { w } = world;
      // The third start fails after two agents already run and an internal network was made for them.
      let starts = 0;
      w.fake.onStart = () => {
        starts++;
      };
      const failing = new Proxy(w.fake, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver) as unknown;
          if (prop !== 'startContainer') return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
          return async (id: string) => {
            if (starts === 2) throw new FederationError('docker-error', 'Docker start container failed (HTTP 500): exec format error', { statusCode: 500 });
            return target.startContainer(id);
          };
        },
      });
      const service = w.make({ clientFactory: async () => failing as DockerClient });
      const e = await failure(service.deploy(['internal.brief.md'], { copies: 4, concurrency: 1 }));
      assert.equal(e.reason, 'docker-error');
      assert.deepEqual(w.fake.containerIds(), []);
      assert.deepEqual(await w.fake.listNetworks(), []);
      assert.deepEqual(filesUnder(path.join(w.root, '.federation', 'agents')), ['.gitignore']);
      assert.deepEqual(await readAgents(service.store), []);
    });

    it('says clearly when the engine is down, and leaves nothing behind', async () => {
      const { w } = world;
      const e = await failure(w.service.deploy(['reviewer.brief.md'], { operatorLevel: 'L3', secrets, host: DOWN_HOST }));
      assert.equal(e.reason, 'docker-unavailable');
      assert.match(e.message, /Docker is not running or not reachable at unix:\/\/\/fake\/docker\.sock/);
      assert.equal(existsSync(path.join(w.root, '.federation', 'agents')), false);
    });

    it('refuses an image the engine does not have, and a host with a password', async () => {
      const { w } = world;
      const e = await failure(w.service.deploy(['internal.brief.md'], { image: 'missing/image:1' }));
      assert.equal(e.reason, 'not-found');
      assert.match(e.message, /missing\/image:1 is not on the Docker engine/);
      const p = await failure(w.service.deploy(['internal.brief.md'], { host: 'tcp://me:hunter2@host:2375' }));
      assert.equal(p.reason, 'invalid-input');
      assert.ok(!p.message.includes('hunter2'));
    });

    it('refuses a federation that is not initialized', async () => {
      const { w } = world;
      const service = w.make({ root: path.join(w.root, 'docs') });
      assert.equal((await failure(service.deploy([path.join(w.root, 'internal.brief.md')]))).reason, 'not-initialized');
    });

    it('mounts exactly the package of the files a brief lists: by their labels, redacted, writable only as its own copy', async () => {
      const { w } = world;
      const token = 'ghp_R8x2Lq9VmT4wZk7NcB3yH6dJf1sPa5GuE0oX';
      writeFileSync(path.join(w.root, 'docs', 'a.md'), `doc with ${token}\n`);
      writeFileSync(path.join(w.root, 'docs', 'private.md'), '---\nconfidentiality: C2\n---\nprivate notes\n');
      writeFileSync(path.join(w.root, 'docs', 'keys.md'), '---\nconfidentiality: C3\n---\nkeys\n');
      writeFileSync(path.join(w.root, 'examples', 'basic', 'b.txt'), 'example');
      writeFileSync(path.join(w.root, 'not-listed.txt'), 'no');
      const { agents: [agent] } = await w.service.deploy(['folders.brief.md']);
      const folders = w.service.folders(agent!.id);
      const manifest = JSON.parse(readFileSync(path.join(folders.packageDir, 'manifest.json'), 'utf8')) as PackageManifest;
      assert.deepEqual(packagedSources(manifest), ['docs/a.md', 'examples/basic/b.txt']);
      assert.deepEqual(filesUnder(folders.packageWorkspaceDir), ['docs/a.md', 'examples/basic/b.txt'], 'the mounted folder holds the package and nothing else');
      assert.deepEqual(manifest.excluded.map((e) => [e.source, e.reason, e.blocking]), [
        ['docs/keys.md', 'confidential', false],
        ['docs/private.md', 'above-clearance', false],
      ]);
      assert.equal(readFileSync(path.join(folders.packageWorkspaceDir, 'docs', 'a.md'), 'utf8'), 'doc with [REDACTED:github-token]\n');
      assert.deepEqual(occursUnder(folders.dir, token), []);
      const info = await w.fake.inspectContainer(agent!.containerId!);
      assert.deepEqual(info.mounts.map((m) => [m.target, m.source]).sort(), [
        ['/brief/BOOTSTRAP.md', folders.packageBootstrap],
        ['/brief/MISSION_BRIEF.md', folders.packageBrief],
        ['/output', folders.outputDir],
        ['/secrets', folders.secretsDir],
        ['/workspace', folders.packageWorkspaceDir],
      ]);
      assert.ok(info.mounts.every((m) => m.source !== w.root && !path.relative(w.root, m.source).match(/^(docs|examples|not-listed)/)), 'no workspace path is bound');
      assert.equal(info.mounts.find((m) => m.target === '/workspace')!.readOnly, false, 'operator_level L2 may change its workspace (its own copy)');
      assert.deepEqual((await w.service.inspectHardening(agent!.id)).filter((c) => !c.ok), []);
    });

    it('gives a brief that lists no workspace file an empty /workspace of its own', async () => {
      const { w } = world;
      writeFileSync(path.join(w.root, 'none.brief.md'), readFileSync(path.join(w.root, 'folders.brief.md'), 'utf8')
        .replace(/## Resources[\s\S]*?## Output/, '## Resources\n\nNothing of the workspace.\n\n## Output'));
      const { agents: [agent] } = await w.service.deploy(['none.brief.md']);
      const folders = w.service.folders(agent!.id);
      assert.deepEqual(filesUnder(folders.packageWorkspaceDir), []);
      const info = await w.fake.inspectContainer(agent!.containerId!);
      assert.equal(info.mounts.find((m) => m.target === '/workspace')!.source, folders.packageWorkspaceDir);
    });

    it('refuses a package that cannot be given, listing the files and why, before anything is made', async () => {
      const { w } = world;
      writeFileSync(path.join(w.root, 'docs', 'private.md'), '---\nconfidentiality: C2\n---\nprivate notes\n');
      writeFileSync(path.join(w.root, 'docs', 'keys.md'), '---\nconfidentiality: C3\n---\nkeys\n');
      writeFileSync(path.join(w.root, 'docs', 'a.md'), 'doc\n');
      writeFileSync(path.join(w.root, 'asks.brief.md'), readFileSync(path.join(w.root, 'folders.brief.md'), 'utf8')
        .replace(/## Resources[\s\S]*?## Output/, '## Resources\n\n- `/workspace/docs/a.md`\n- `/workspace/docs/private.md`\n- `/workspace/docs/keys.md`\n\n## Output'));
      const e = await failure(w.service.deploy(['asks.brief.md']));
      assert.ok(e instanceof PackageRefusedError);
      assert.equal(e.reason, 'package-refused');
      assert.equal(e.subject, 'asks.brief.md');
      assert.deepEqual(e.files.map((f) => [f.source, f.reason, f.blocking]), [
        ['docs/keys.md', 'confidential', true],
        ['docs/private.md', 'above-clearance', true],
      ]);
      assert.match(e.message, /asks\.brief\.md is refused, so no agent was deployed/);
      assert.match(e.message, /docs\/private\.md \(above-clearance\)/);
      assert.match(e.message, /docs\/keys\.md \(confidential\)/);
      assert.deepEqual(w.fake.calls, [], 'the engine was never asked');
      assert.equal(existsSync(path.join(w.root, '.federation', 'agents')), false);
      assert.deepEqual(await readAgents(w.service.store), []);
    });

    it('refuses secrets unless the operator is L3: mounting one passes C3 by reference', async () => {
      const { w } = world;
      const e = await failure(w.service.deploy(['reviewer.brief.md'], { secrets }));
      assert.ok(e instanceof PackageRefusedError);
      assert.deepEqual(e.refusals.length, 1);
      assert.match(e.message, /secret API_TOKEN: .*only an L3 operator/);
      assert.deepEqual(w.fake.calls, []);
      assert.equal(existsSync(path.join(w.root, '.federation', 'agents')), false);
    });

    it('puts internal-network agents on one labelled internal network, removed with the last of them', async () => {
      const { w } = world;
      const { agents } = await w.service.deploy(['internal.brief.md'], { copies: 2, labels: { 'test.run': 'y' } });
      const nets = await w.fake.listNetworks();
      assert.deepEqual(nets.map((n) => n.name), [internalNetworkName(w.service.federationHash)]);
      assert.equal(nets[0]!.labels[LABEL.federation], w.service.federationHash);
      assert.equal(nets[0]!.labels['test.run'], 'y');
      for (const a of agents) assert.equal((await w.fake.inspectContainer(a.containerId!)).hardening.network, nets[0]!.name);
      await w.service.remove(agents[0]!.id, { force: true });
      assert.equal((await w.fake.listNetworks()).length, 1, 'still used by the other agent');
      await w.service.remove(agents[1]!.id, { force: true });
      assert.deepEqual(await w.fake.listNetworks(), []);
    });
  });

  describe('list and watch', () => {
    it('shows running, succeeded, failed, OOM-killed and missing agents, with exit code and times', async () => {
      const { w } = world;
      const { agents } = await w.service.deploy(['internal.brief.md'], { copies: 5 });
      const [running, ok, failed, oom, gone] = agents.map((a) => a.containerId!);
      w.fake.exit(ok!, 0);
      w.fake.exit(failed!, 3);
      w.fake.exit(oom!, 137, { oomKilled: true });
      await w.fake.removeContainer(gone!, { force: true });
      const { agents: listed, hosts } = await w.service.list();
      const by = Object.fromEntries(listed.map((a) => [a.containerId, a]));
      assert.equal(by[running!]!.status, 'running');
      assert.equal(typeof by[running!]!.uptimeSeconds, 'number');
      assert.equal(by[ok!]!.status, 'succeeded');
      assert.equal(by[ok!]!.exitCode, 0);
      assert.equal(typeof by[ok!]!.durationSeconds, 'number');
      assert.equal(by[failed!]!.status, 'failed');
      assert.equal(by[failed!]!.exitCode, 3);
      assert.equal(by[oom!]!.status, 'oom-killed');
      assert.equal(by[oom!]!.oomKilled, true);
      assert.equal(by[gone!]!.status, 'missing');
      assert.deepEqual(hosts, [{ host: '', hostLabel: 'unix:///fake/docker.sock', reachable: true }]);
    });

    it('shows containers of the federation that agents.json lost as untracked', async () => {
      const { w } = world;
      const { agents } = await w.service.deploy(['internal.brief.md']);
      writeFileSync(path.join(w.root, '.federation', 'agents.json'), JSON.stringify({ version: 1, revision: 9, agents: [] }));
      const { agents: listed } = await w.service.list();
      assert.deepEqual(listed.map((a) => [a.id, a.tracked, a.status]), [[agents[0]!.id, false, 'running']]);
    });

    it('keeps listing when one engine is down, marking its agents unknown', async () => {
      const { w } = world;
      const second = 'tcp://second-engine.invalid:2375';
      const local = await w.service.deploy(['internal.brief.md']);
      const remote = await w.service.deploy(['internal.brief.md'], { host: second });
      assert.equal((await readAgents(w.service.store)).find((r) => r.id === remote.agents[0]!.id)!.host, second);
      w.fakes.get(second)!.unavailable = true;
      const { agents, hosts } = await w.service.list();
      assert.deepEqual(hosts.map((h) => [h.host, h.reachable, h.reason]), [['', true, undefined], [second, false, 'docker-unavailable']]);
      assert.match(hosts[1]!.error!, /not running or not reachable/);
      const by = Object.fromEntries(agents.map((a) => [a.id, a]));
      assert.equal(by[local.agents[0]!.id]!.status, 'running');
      assert.equal(by[remote.agents[0]!.id]!.status, 'unknown');
      assert.equal(by[remote.agents[0]!.id]!.host, second);
    });

    it('emits changes from the event stream without polling', async () => {
      const { w } = world;
      const changes: AgentChange[] = [];
      const watcher = w.service.watch((c) => changes.push(c));
      await watcher.ready;
      const { agents } = await w.service.deploy(['internal.brief.md']);
      const id = agents[0]!.id;
      await until(() => changes.some((c) => c.type === 'changed' && c.action === 'start'));
      w.fake.exit(agents[0]!.containerId!, 1, { oomKilled: true });
      await until(() => changes.some((c) => c.type === 'changed' && c.agent.status === 'oom-killed'));
      await w.service.remove(id, { force: true });
      await until(() => changes.some((c) => c.type === 'removed' && c.id === id));
      watcher.close();
      const listCalls = w.fake.calls.filter((c) => c === 'listContainers').length;
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(w.fake.calls.filter((c) => c === 'listContainers').length, listCalls, 'nothing polls after close');
      assert.equal(w.fake.calls.filter((c) => c === 'events').length, 1);
    });

    it('reports an engine that cannot be watched as a host error', async () => {
      const { w } = world;
      const service = w.make({ defaultHost: DOWN_HOST });
      const changes: AgentChange[] = [];
      const watcher = service.watch((c) => changes.push(c));
      await watcher.ready;
      await until(() => changes.length > 0);
      assert.equal(changes[0]!.type, 'host-error');
      assert.equal(changes[0]!.type === 'host-error' && changes[0]!.error.reason, 'docker-unavailable');
      watcher.close();
    });
  });

  describe('logs, stop, restart, remove, prune', () => {
    it('follows logs until the signal aborts', async () => {
      const { w } = world;
      const { agents } = await w.service.deploy(['internal.brief.md']);
      const cid = agents[0]!.containerId!;
      w.fake.emitLog(cid, 'stdout', 'hello\n');
      const controller = new AbortController();
      const stream = await w.service.logs(agents[0]!.id, { follow: true, signal: controller.signal });
      const seen: string[] = [];
      const done = (async () => {
        for await (const c of stream) {
          seen.push(c.text);
          if (seen.length === 2) controller.abort();
        }
      })();
      w.fake.emitLog(cid, 'stderr', 'more\n');
      await done;
      assert.deepEqual(seen, ['hello\n', 'more\n']);
    });

    it('stops and restarts', async () => {
      const { w } = world;
      const { agents } = await w.service.deploy(['internal.brief.md']);
      const stopped = await w.service.stop(agents[0]!.id);
      assert.equal(stopped.status, 'failed');
      assert.equal(stopped.exitCode, 143);
      const restarted = await w.service.restart(agents[0]!.id.slice(0, 10));
      assert.equal(restarted.status, 'running');
    });

    it('removes the container, its secrets and its record; refuses running or uncollected agents without force', async () => {
      const { w } = world;
      const { agents } = await w.service.deploy(['reviewer.brief.md'], { operatorLevel: 'L3', secrets });
      const a = agents[0]!;
      const folders = w.service.folders(a.id);
      const running = await failure(w.service.remove(a.id));
      assert.equal(running.reason, 'invalid-transition');
      await w.service.stop(a.id);
      writeFileSync(path.join(folders.outputDir, 'result.md'), 'work');
      const uncollected = await failure(w.service.remove(a.id));
      assert.equal(uncollected.reason, 'invalid-transition');
      assert.match(uncollected.message, /not collected/);
      assert.ok(existsSync(path.join(folders.outputDir, 'result.md')));

      const collected = await w.service.collect(a.id);
      assert.deepEqual(collected.files, ['result.md']);
      assert.equal(readFileSync(path.join(w.root, 'agent-output', a.id, 'result.md'), 'utf8'), 'work');
      const removed = await w.service.remove(a.id);
      assert.deepEqual(removed, { id: a.id, removedContainer: true, removedOutput: true });
      assert.deepEqual(w.fake.containerIds(), []);
      assert.equal(existsSync(folders.dir), false);
      assert.deepEqual(await readAgents(w.service.store), []);
      assert.deepEqual(occursUnder(path.join(w.root, '.federation'), SECRET), []);
    });

    it('prunes finished agents whose output is collected or empty, all of them with force', async () => {
      const { w } = world;
      const { agents } = await w.service.deploy(['internal.brief.md'], { copies: 3 });
      const [keepRunning, emptyDone, withOutput] = agents;
      w.fake.exit(emptyDone!.containerId!, 0);
      w.fake.exit(withOutput!.containerId!, 0);
      writeFileSync(path.join(w.service.folders(withOutput!.id).outputDir, 'x'), '1');
      const first = await w.service.prune();
      assert.deepEqual(first.removed, [emptyDone!.id]);
      assert.deepEqual(first.kept.map((k) => k.id), [withOutput!.id]);
      const second = await w.service.prune({ force: true });
      assert.deepEqual(second.removed, [withOutput!.id]);
      assert.deepEqual((await w.service.list()).agents.map((a) => a.id), [keepRunning!.id]);
    });
  });

  describe('reports', () => {
    async function deployed(): Promise<{ id: string; out: string }> {
      const { w } = world;
      const { agents } = await w.service.deploy(['internal.brief.md']);
      return { id: agents[0]!.id, out: w.service.folders(agents[0]!.id).outputDir };
    }
    const report = {
      status: 'succeeded',
      summary: 'Built it.',
      deliverables: [{ path: 'build.log', description: 'the log' }, { path: '/output/missing.txt' }, { path: 'link.txt' }],
      metrics: { builds: 1 },
      startedAt: '2026-11-21T10:00:00Z',
      finishedAt: '2026-11-21T10:05:00Z',
    };

    it('reads the report back validated, checking deliverables without following links', async () => {
      const { w } = world;
      const { id, out } = await deployed();
      assert.equal((await failure(w.service.report(id))).reason, 'not-found');
      writeFileSync(path.join(out, 'build.log'), 'ok\n');
      writeFileSync(path.join(w.root, 'outside.txt'), 'host file');
      symlinkSync(path.join(w.root, 'outside.txt'), path.join(out, 'link.txt'));
      writeFileSync(path.join(out, REPORT_FILE), JSON.stringify(report));
      const r = await w.service.report(id);
      assert.equal(r.report.status, 'succeeded');
      assert.deepEqual(r.report.metrics, { builds: 1 });
      assert.deepEqual(r.deliverables.map((d) => [d.path, d.exists]), [['build.log', true], ['/output/missing.txt', false], ['link.txt', false]]);
      assert.equal(r.deliverables[0]!.bytes, 3);
    });

    it('refuses an invalid report, a report that is a link, and deliverables outside /output', async () => {
      const { w } = world;
      const { id, out } = await deployed();
      writeFileSync(path.join(out, REPORT_FILE), JSON.stringify({ ...report, deliverables: [{ path: '../../secrets/API_TOKEN' }] }));
      const bad = await failure(w.service.report(id));
      assert.equal(bad.reason, 'invalid-input');
      assert.equal(bad.details['field'], 'deliverables.0.path');
      writeFileSync(path.join(out, REPORT_FILE), '{not json');
      assert.equal((await failure(w.service.report(id))).reason, 'invalid-input');
      // An agent that plants a link to a host file gets nothing read through it.
      const elsewhere = path.join(w.root, 'elsewhere.json');
      writeFileSync(elsewhere, JSON.stringify(report));
      const file = path.join(out, REPORT_FILE);
      require('node:fs').rmSync(file);
      symlinkSync(elsewhere, file);
      assert.ok(lstatSync(file).isSymbolicLink());
      assert.equal((await failure(w.service.report(id))).reason, 'outside-workspace');
    });
  });

  it('reports a hardening problem when the engine shows one', async () => {
    const { w } = world;
    // A container made by hand with the federation's labels but none of the hardening.
    mkdirSync(path.join(w.root, 'x'));
    const { id } = await w.fake.createContainer({ image: IMAGE, user: '0', labels: { [LABEL.federation]: w.service.federationHash, [LABEL.agent]: 'handmade-000000' } });
    await w.fake.startContainer(id);
    const checks = await w.service.inspectHardening('handmade-000000');
    const failed = checks.filter((c) => !c.ok).map((c) => c.check);
    for (const key of ['capDrop', 'noNewPrivileges', 'readOnlyRootfs', 'tmp', 'user', 'memory', 'pids', 'network', 'mounts']) assert.ok(failed.includes(key), `${key} should fail: ${failed.join(', ')}`);
  });
});
