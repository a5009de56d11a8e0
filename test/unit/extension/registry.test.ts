// The editor's command registry without an editor: a fake host stands in for VS Code (registration, trust,
// notifications), fake services for the federation and the agents.
import * as assert from 'node:assert/strict';
import { isFederationError } from '../../../src/core/errors';
import { CommandArgs, agentIdOf, personaOf, runIdOf, taskIdOf, type UriClass } from '../../../src/extension/commands/args';
import { CommandRegistry, defineCommand, placeholders, type CommandHost, type ServiceSource } from '../../../src/extension/commands/registry';

class FakeUri {
  constructor(readonly fsPath: string) {}
}
/** Stands in for vscode.Uri (only instanceof is asked of it). */
const uriClass = FakeUri as unknown as UriClass;

function harness(services: Partial<Omit<ServiceSource, 'log' | 'ports'>> = {}, opts: { trusted?: boolean } = {}) {
  const events: string[] = [];
  const handlers = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  const log = {
    error: (m: string) => events.push(`log.error ${m}`),
    warn: (m: string) => events.push(`log.warn ${m}`),
    info: (m: string) => events.push(`log.info ${m}`),
  };
  const host: CommandHost = {
    uriClass,
    registerCommand: (id, handler) => {
      handlers.set(id, handler);
      return { dispose: () => handlers.delete(id) };
    },
    requireTrust: (what) => {
      events.push(`trust ${what}`);
      if (opts.trusted === false) throw Object.assign(new Error(`${what} is disabled in an untrusted workspace`), { reason: 'untrusted-workspace' });
    },
    showError: (command, e, severity) => events.push(`show.${severity} ${command}: ${(e as Error).message}`),
  };
  // None of these commands reaches the file system or the environment.
  const registry = new CommandRegistry(host, { log: log as never, ports: { fs: {} as never, env: {}, git: {} as never, processes: {} as never }, ...services });
  const call = (id: string, ...args: unknown[]) => handlers.get(id)!(...args);
  return { registry, events, handlers, call };
}

const fakeState = (events: string[]) => ({ reload: async () => void events.push('state.reload') }) as never;

describe('command registry (src/extension/commands/registry.ts)', () => {
  it('registers each command once and unregisters them when disposed', () => {
    const h = harness();
    h.registry.add(placeholders(['agentFederation.agents.refresh'], 'agents'));
    assert.deepEqual([...h.handlers.keys()], ['agentFederation.agents.refresh']);
    assert.throws(() => h.registry.add(placeholders(['agentFederation.agents.refresh'], 'agents')), /registered twice/);
    h.registry.dispose();
    assert.equal(h.handlers.size, 0);
  });

  it('runs a command with its input read from the arguments and the services it needs, then reloads the state', async () => {
    const events: string[] = [];
    const fed = { root: '/w' } as never;
    const h = harness({ fed, state: fakeState(events) });
    h.registry.add([
      defineCommand({
        id: 'agentFederation.cancelTask',
        needs: ['fed'],
        args: (a) => ({ taskId: taskIdOf(a), reason: a.options()?.string('reason'), confirm: a.fromUi }),
        async run(s, given) {
          events.push(`run ${s.fed.root} ${JSON.stringify(given)} ${Object.keys(s).sort().join(',')}`);
          return 'done';
        },
      }),
    ]);
    assert.equal(await h.call('agentFederation.cancelTask', { taskId: 'T3', reason: 'dup' }), 'done');
    assert.equal(await h.call('agentFederation.cancelTask', { kind: 'task', taskId: 'T4' }), 'done');
    assert.deepEqual(events, [
      'run /w {"taskId":"T3","reason":"dup","confirm":false} fed,log,ports',
      'state.reload',
      'run /w {"taskId":"T4","confirm":true} fed,log,ports',
      'state.reload',
    ]);
  });

  it('refuses a command whose service is missing with a typed error, as a warning, and runs nothing', async () => {
    const h = harness();
    let ran = false;
    h.registry.add([defineCommand({ id: 'agentFederation.runMatrix', needs: ['runs'], trust: 'Running the CI matrix', args: () => undefined, run: async () => (ran = true) })]);
    const e = await h.call('agentFederation.runMatrix').then(() => undefined, (err: unknown) => err);
    assert.ok(isFederationError(e, 'unavailable'), String(e));
    assert.deepEqual((e as { details: unknown }).details, { command: 'agentFederation.runMatrix', service: 'runs' });
    assert.equal(ran, false);
    assert.deepEqual(h.events, [
      'log.warn agentFederation.runMatrix: refused: Matrix runs need an open folder: they live in its .federation/runs/.',
      'show.warning agentFederation.runMatrix: Matrix runs need an open folder: they live in its .federation/runs/.',
    ]);
  });

  it('placeholders refuse as the command they stand for would', async () => {
    const h = harness();
    h.registry.add(placeholders(['agentFederation.agents.deploy'], 'agents'));
    await assert.rejects(h.call('agentFederation.agents.deploy', { briefs: ['a.brief.md'] }), (e: unknown) => isFederationError(e, 'unavailable') && /Remote agents need an open folder/.test((e as Error).message));
  });

  it('checks trust before the arguments are read, and rethrows the refusal', async () => {
    const events: string[] = [];
    const h = harness({ fed: {} as never, state: fakeState(events) }, { trusted: false });
    h.registry.add([
      defineCommand({
        id: 'agentFederation.rerunFailed',
        needs: ['fed'],
        trust: 'Rerunning failed tasks',
        args: (a) => {
          events.push('args');
          return runIdOf(a);
        },
        run: async () => events.push('run'),
      }),
    ]);
    await assert.rejects(h.call('agentFederation.rerunFailed', { runId: 'latest' }), /untrusted workspace/);
    assert.deepEqual(events, ['state.reload']);
    assert.deepEqual(h.events.slice(0, 1), ['trust Rerunning failed tasks']);
    assert.match(h.events[2]!, /^show\.error agentFederation\.rerunFailed: Rerunning failed tasks is disabled/);
  });

  it('logs, shows and rethrows a failure as it is, and still refreshes the views the command touched', async () => {
    const events: string[] = [];
    const agents = { tree: { refresh: () => events.push('agents.refresh') } } as never;
    const h = harness({ agents });
    const failure = Object.assign(new Error('no such agent'), {});
    h.registry.add([defineCommand({ id: 'agentFederation.agents.stop', needs: ['agents'], args: agentIdOf, run: async () => Promise.reject(failure) })]);
    const e = await h.call('agentFederation.agents.stop', 'research-1a2b3c').then(() => undefined, (err: unknown) => err);
    assert.equal(e, failure);
    assert.deepEqual(events, ['agents.refresh']);
    assert.match(h.events[0]!, /^log\.error agentFederation\.agents\.stop: Error: no such agent/);
    assert.equal(h.events[1], 'show.error agentFederation.agents.stop: no such agent');
  });
});

describe('command arguments (src/extension/commands/args.ts)', () => {
  const args = (...raw: unknown[]) => new CommandArgs(raw, uriClass);

  it('tell a menu or the palette from a script', () => {
    assert.equal(args().fromUi, true);
    assert.equal(args({ kind: 'task', taskId: 'T1' }).fromUi, true);
    assert.equal(args({ taskId: 'T1' }).fromUi, false);
    assert.equal(args('T1').fromUi, false);
  });

  it('read a tree node only as its kind', () => {
    const node = { kind: 'persona', id: 'persona:writer' };
    assert.equal(args(node).node('persona'), node);
    assert.equal(args(node).node('task'), undefined);
    assert.equal(args(node).options(), undefined);
    assert.equal(personaOf(args(node)), 'writer');
    assert.equal(personaOf(args('research')), 'research');
    assert.equal(personaOf(args({ persona: 'devops' })), 'devops');
  });

  it('read tasks, runs and agents from their nodes, strings and objects', () => {
    assert.equal(taskIdOf(args({ kind: 'task', taskId: 'T7' })), 'T7');
    assert.equal(taskIdOf(args({ taskId: 'T8' })), 'T8');
    assert.equal(runIdOf(args({ kind: 'unit', runId: 'r1', unit: 'u' })), 'r1');
    assert.equal(agentIdOf(args({ kind: 'agent', agentId: 'a-1', id: 'agent:a-1' })), 'a-1');
    assert.equal(agentIdOf(args({ id: 'a-2' })), 'a-2');
    assert.equal(agentIdOf(args({ id: 'persona:x' })), undefined);
  });

  it('read URIs and an Explorer selection, which are not a script\'s object', () => {
    const a = new FakeUri('/w/a.brief.md');
    const b = new FakeUri('/w/b.brief.md');
    assert.equal(args(a).uri, a);
    assert.equal(args(a).options(), undefined);
    assert.deepEqual(args(a, [a, b]).uris, [a, b]);
    assert.deepEqual(args({ briefs: [] }).uris, []);
  });

  it('type a script\'s fields and refuse a list of the wrong kind', () => {
    const o = args({ title: 'x', priority: 2, skills: ['a'], force: true, bad: [1] }, { force: true }).options()!;
    assert.equal(o.string('title'), 'x');
    assert.equal(o.string('priority'), undefined);
    assert.equal(o.number('priority'), 2);
    assert.deepEqual(o.strings('skills'), ['a']);
    assert.equal(o.boolean('force'), true);
    assert.throws(() => o.strings('bad'), (e: unknown) => isFederationError(e, 'invalid-input'));
    assert.equal(args('x', { force: true }).options(1)?.boolean('force'), true);
  });
});
