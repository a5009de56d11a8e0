// "What we ship is what we test", part 4: corrupt lock files, routing through links, bad time zones, handoffs by
// someone else, and the task status chain as documented.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { FederationError, StateFileError } from '../../../src/core/errors';
import { Federation } from '../../../src/core/federation';
import { newFederation } from '../../helpers/federation';
import { dashboardModel } from '../../../src/core/reports/models';
import { loadSnapshot } from '../../../src/core/federation/snapshot';
import { TASK_STATUSES, TaskStatus } from '../../../src/core/federation/state/schemas';
import { TASK_TRANSITIONS } from '../../../src/core/federation/taskTransitions';
import { buildPersonasTree } from '../../../src/extension/models/personasModel';
import { FakeClock, useTempDir } from '../../helpers/tmp';

describe('hardening: corrupt lock files', () => {
  const tmp = useTempDir();
  let fed: Federation;
  const locksDir = () => path.join(tmp.path, '.federation', 'locks');
  const corruptDir = () => path.join(tmp.path, '.federation', 'corrupt');

  beforeEach(async () => {
    fed = newFederation(tmp.path, { clock: new FakeClock(), identity: { host: 'test-host', pid: 4242 } });
    await fed.init();
    await fed.registerPersona({ id: 'devops', skills: [] });
    await fed.acquireLock('db', 'devops', { ttlMinutes: 10 });
    writeFileSync(path.join(locksDir(), 'broken.lock'), '{"resource": "broken", "holder": ');
    writeFileSync(path.join(locksDir(), 'wrong.lock'), JSON.stringify({ resource: 'wrong', holder: 'Not An Id', task: null, host: 'h', pid: 1, acquiredAt: '2026-11-23T10:00:00Z', expiresAt: '2026-11-23T11:00:00Z' }));
  });

  it('lists the valid locks and names each bad file and field instead of failing', async () => {
    const { locks, problems } = await fed.inspectLocks();
    assert.deepEqual(locks.map((l) => l.resource), ['db']);
    assert.deepEqual(problems.map((p) => [path.basename(p.file), p.resource, p.field]), [['broken.lock', 'broken', ''], ['wrong.lock', 'wrong', 'holder']]);
    for (const p of problems) {
      assert.equal(p.reason, 'state-corrupt');
      assert.ok(p.message.includes(p.file), p.message);
      assert.ok(p.keptCopy && existsSync(p.keptCopy), 'a copy is kept in corrupt/');
      assert.equal(path.dirname(p.keptCopy), corruptDir());
    }
    assert.deepEqual((await fed.listLocks()).map((l) => l.resource), ['db'], 'listLocks: the valid ones');
  });

  it('a holder still renews its locks while another lock file is corrupt', async () => {
    const renewed = await fed.renewLocks('devops', { ttlMinutes: 20 });
    assert.deepEqual(renewed.map((l) => l.resource), ['db']);
  });

  it('release without --force refuses and leaves the file; with --force removes it and keeps a copy', async () => {
    const file = path.join(locksDir(), 'broken.lock');
    const text = readFileSync(file, 'utf8');
    await assert.rejects(fed.releaseLock('broken', 'devops'), (e: FederationError) => e.reason === 'state-corrupt' && e.details['file'] === file);
    assert.equal(readFileSync(file, 'utf8'), text, 'not changed');
    const released = await fed.releaseLock('broken', 'devops', { force: true });
    assert.ok('corrupt' in released && released.corrupt, 'says it removed a corrupt file');
    assert.equal(released.resource, 'broken');
    assert.equal(released.file, file);
    assert.ok(!existsSync(file), 'removed');
    assert.equal(readFileSync(released.keptCopy, 'utf8'), text, 'the copy is the file as it was');
    assert.ok(readdirSync(corruptDir()).some((n) => n.startsWith('broken.lock.')));
    assert.deepEqual((await fed.inspectLocks()).problems.map((p) => p.resource), ['wrong']);
    // And the resource can be taken again.
    assert.equal((await fed.acquireLock('broken', 'devops')).lock.holder, 'devops');
  });

  it('the Personas view and the dashboard show the valid locks and name each bad file', async () => {
    const snap = await loadSnapshot(fed);
    assert.ok(snap.locks.ok, 'the locks part loads');
    const tree = buildPersonasTree(snap, { now: new Date('2026-11-23T10:00:00Z'), offlineAfterMs: 120_000 });
    const errors = tree.filter((n) => n.kind === 'error');
    assert.deepEqual(errors.map((n) => n.kind === 'error' && path.basename(n.file ?? '')), ['broken.lock', 'wrong.lock']);
    const devops = tree.find((n) => n.kind === 'persona');
    assert.deepEqual(devops?.children.map((c) => c.resource), ['db']);
    const dashboard = dashboardModel({ snapshot: snap, root: tmp.path, now: new Date('2026-11-23T10:00:00Z') });
    assert.deepEqual(dashboard.locks.map((l) => l.resource), ['db']);
    assert.equal(dashboard.problems.filter((p) => /broken\.lock|wrong\.lock/.test(p)).length, 2, dashboard.problems.join('\n'));
  });
});

describe('hardening: artifact routing through links', () => {
  const tmp = useTempDir();
  const outside = useTempDir('fed-outside-');
  let fed: Federation;

  beforeEach(async () => {
    fed = newFederation(tmp.path);
    await fed.init();
    mkdirSync(path.join(tmp.path, 'notes'));
    writeFileSync(path.join(tmp.path, 'notes', 'idea.zettel.md'), 'idea');
  });

  const refusedOutside = (e: FederationError) => {
    assert.equal(e.reason, 'outside-workspace', e.message);
    return true;
  };
  const nothingMoved = () => {
    assert.equal(readFileSync(path.join(tmp.path, 'notes', 'idea.zettel.md'), 'utf8'), 'idea', 'the file stays where it was');
    assert.deepEqual(readdirSync(outside.path), [], 'nothing arrives outside the workspace');
  };

  it('refuses a destination folder that is a link out of the workspace, and moves nothing', async () => {
    symlinkSync(outside.path, path.join(tmp.path, 'Zettelkasten'), 'dir');
    await assert.rejects(fed.routeArtifact('notes/idea.zettel.md'), refusedOutside);
    nothingMoved();
  });

  it('refuses a destination whose existing ancestor is a link out of the workspace, and creates no folder there', async () => {
    symlinkSync(outside.path, path.join(tmp.path, 'OUT'), 'dir');
    writeFileSync(path.join(tmp.path, 'notes', 'q3.report.md'), 'report');
    await assert.rejects(fed.routeArtifact('notes/q3.report.md'), refusedOutside);
    assert.ok(existsSync(path.join(tmp.path, 'notes', 'q3.report.md')));
    nothingMoved();
  });

  it('refuses a destination that is a dangling link pointing out of the workspace', async () => {
    symlinkSync(path.join(outside.path, 'not-yet'), path.join(tmp.path, 'Zettelkasten'), 'dir');
    await assert.rejects(fed.routeArtifact('notes/idea.zettel.md'), refusedOutside);
    nothingMoved();
  });

  it('refuses a source inside a folder that links out of the workspace', async () => {
    writeFileSync(path.join(outside.path, 'far.zettel.md'), 'far');
    symlinkSync(outside.path, path.join(tmp.path, 'linked'), 'dir');
    await assert.rejects(fed.routeArtifact('linked/far.zettel.md'), refusedOutside);
    assert.deepEqual(readdirSync(outside.path), ['far.zettel.md']);
  });

  it('follows links that stay inside the workspace, and works from a workspace reached through a link', async () => {
    mkdirSync(path.join(tmp.path, 'vault', 'zettel'), { recursive: true });
    symlinkSync(path.join(tmp.path, 'vault', 'zettel'), path.join(tmp.path, 'Zettelkasten'), 'dir');
    const r = await fed.routeArtifact('notes/idea.zettel.md');
    assert.equal(r.moved, true);
    assert.equal(readFileSync(path.join(tmp.path, 'vault', 'zettel', 'idea.zettel.md'), 'utf8'), 'idea');
    const viaLink = path.join(outside.path, 'workspace');
    symlinkSync(tmp.path, viaLink, 'dir');
    writeFileSync(path.join(tmp.path, 'notes', 'plan.doc.md'), 'plan');
    const linked = newFederation(viaLink);
    assert.deepEqual(await linked.routeArtifact('notes/plan.doc.md'), { from: 'notes/plan.doc.md', to: 'OUT/plan.doc.md', kind: 'doc', moved: true });
    assert.equal(readFileSync(path.join(tmp.path, 'OUT', 'plan.doc.md'), 'utf8'), 'plan');
  });
});

describe('hardening: calendar time zones', () => {
  const tmp = useTempDir();
  let fed: Federation;
  const calendarFile = () => path.join(tmp.path, '.federation', 'calendar.json');
  const calendarWith = (timezone: string) =>
    JSON.stringify({ version: 1, revision: 1, calendars: { research: { timezone, weekly: [{ days: ['mon'], start: '09:00', end: '17:00' }], exceptions: [] } } }, null, 2) + '\n';

  beforeEach(async () => {
    fed = newFederation(tmp.path, { clock: new FakeClock() });
    await fed.init();
    await fed.registerPersona({ id: 'research', skills: [] });
    await fed.addTask({ title: 'read' });
  });

  it('an unknown IANA zone in calendar.json is state-corrupt naming the field, not a crash of claims', async () => {
    writeFileSync(calendarFile(), calendarWith('Mars/Olympus_Mons'));
    const corrupt = (e: FederationError) => {
      assert.equal(e.reason, 'state-corrupt', e.message);
      assert.ok(e instanceof StateFileError);
      assert.equal(e.file, calendarFile());
      assert.equal(e.field, 'calendars.research.timezone');
      assert.ok(e.keptCopy && existsSync(e.keptCopy), 'a copy is kept');
      return true;
    };
    await assert.rejects(fed.claimNext('research'), corrupt);
    await assert.rejects(fed.claimTask('T1', 'research'), corrupt);
    await assert.rejects(fed.store.read('calendar'), corrupt);
    assert.equal(readFileSync(calendarFile(), 'utf8'), calendarWith('Mars/Olympus_Mons'), 'never overwritten');
    assert.equal((await fed.listTasks())[0]!.status, 'queued');
  });

  it('a known zone still works, and setCalendar refuses an unknown one with the field named', async () => {
    writeFileSync(calendarFile(), calendarWith('Europe/Berlin'));
    assert.equal((await fed.claimNext('research')).task?.id, 'T1'); // FakeClock: Monday 2026-11-23 11:00 in Berlin
    await assert.rejects(fed.setCalendar('research', { timezone: 'Not/AZone', weekly: [], exceptions: [] }), (e: FederationError) => e.reason === 'invalid-input' && e.details['field'] === 'timezone');
    assert.equal(readFileSync(calendarFile(), 'utf8'), calendarWith('Europe/Berlin'), 'nothing written');
  });
});

describe('hardening: handoff only by the task holder', () => {
  const tmp = useTempDir();
  let fed: Federation;
  const handoffs = () => readdirSync(path.join(tmp.path, '.federation', 'handoffs'));
  const notAssignee = (e: FederationError) => {
    assert.equal(e.reason, 'not-assignee', e.message);
    return true;
  };

  beforeEach(async () => {
    fed = newFederation(tmp.path, { clock: new FakeClock() });
    await fed.init();
    for (const id of ['a', 'b', 'c']) await fed.registerPersona({ id, skills: [] });
    await fed.addTask({ title: 'x' });
  });

  it('refuses to hand off a queued task "from" a persona that never held it, and writes nothing', async () => {
    await assert.rejects(fed.handoff('T1', { from: 'a', to: 'b' }), notAssignee);
    const [t] = await fed.listTasks();
    assert.deepEqual([t!.status, t!.assignee, t!.handoff, t!.history.length], ['queued', null, undefined, 1]);
    assert.deepEqual(handoffs(), []);
  });

  it('refuses a handoff from anyone but the assignee, including the earlier sender of a handoff', async () => {
    await fed.claimTask('T1', 'a');
    await assert.rejects(fed.handoff('T1', { from: 'c', to: 'b' }), notAssignee);
    await fed.handoff('T1', { from: 'a', to: 'b' });
    await assert.rejects(fed.handoff('T1', { from: 'a', to: 'c' }), notAssignee);
    assert.equal(handoffs().length, 1);
    const [t] = await fed.listTasks();
    assert.deepEqual([t!.status, t!.assignee], ['handed_off', 'b']);
  });
});

describe('hardening: the task status chain, as documented', () => {
  const tmp = useTempDir();
  const DOC = path.join(__dirname, '..', '..', '..', '..', 'docs', 'tasks.md');
  type Action = keyof typeof TASK_TRANSITIONS;

  /** The rows of the "## Transitions" table in docs/tasks.md: action, from statuses, to status. */
  function documentedTransitions(): Map<string, { from: string[]; to: string }> {
    const text = readFileSync(DOC, 'utf8');
    const section = text.slice(text.indexOf('## Transitions'));
    const rows = new Map<string, { from: string[]; to: string }>();
    for (const line of section.split('\n').slice(1)) {
      if (line.startsWith('## ')) break;
      const cells = line.split('|').slice(1, -1).map((c) => c.trim());
      if (cells.length < 3 || !cells[0]!.startsWith('`')) continue;
      const codes = (cell: string) => [...cell.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!);
      rows.set(codes(cells[0]!)[0]!, { from: codes(cells[1]!), to: codes(cells[2]!)[0]! });
    }
    return rows;
  }

  it('docs/tasks.md lists exactly the transitions the core allows (claimed -> done without start included)', () => {
    const documented = documentedTransitions();
    assert.deepEqual([...documented.keys()].sort(), Object.keys(TASK_TRANSITIONS).sort());
    for (const [action, t] of Object.entries(TASK_TRANSITIONS)) {
      assert.deepEqual({ from: [...documented.get(action)!.from].sort(), to: documented.get(action)!.to }, { from: [...t.from].sort(), to: t.to }, action);
    }
    assert.ok(TASK_TRANSITIONS.complete.from.includes('claimed'), 'complete a claimed task: the CLI test and the editor\'s inline Complete do it');
  });

  it('the core allows each action from exactly the statuses in the table', async () => {
    const fed = newFederation(tmp.path, { clock: new FakeClock() });
    await fed.init();
    await fed.registerPersona({ id: 'a', skills: [] });
    await fed.registerPersona({ id: 'b', skills: [] });
    const reach: Record<TaskStatus, (id: string) => Promise<unknown>> = {
      queued: async () => undefined,
      claimed: (id) => fed.claimTask(id, 'a'),
      in_progress: async (id) => (await fed.claimTask(id, 'a'), fed.startTask(id, 'a')),
      done: async (id) => (await fed.claimTask(id, 'a'), fed.completeTask(id, 'a')),
      failed: async (id) => (await fed.claimTask(id, 'a'), fed.failTask(id, 'a', 'boom')),
      handed_off: async (id) => (await fed.claimTask(id, 'a'), fed.handoff(id, { from: 'a', to: 'b' })),
      cancelled: (id) => fed.cancelTask(id, 'a'),
    };
    const act: Record<Action, (id: string, who: string) => Promise<unknown>> = {
      claim: (id, who) => fed.claimTask(id, who),
      start: (id, who) => fed.startTask(id, who),
      complete: (id, who) => fed.completeTask(id, who),
      fail: (id, who) => fed.failTask(id, who, 'boom'),
      handoff: (id, who) => fed.handoff(id, { from: who, to: who === 'a' ? 'b' : 'a' }),
      cancel: (id, who) => fed.cancelTask(id, who),
      requeue: (id, who) => fed.requeueTask(id, who),
    };
    const seen: string[] = [];
    for (const status of TASK_STATUSES) {
      for (const action of Object.keys(act) as Action[]) {
        const task = await fed.addTask({ title: `${action} from ${status}` });
        await reach[status](task.id);
        const before = (await fed.listTasks()).find((t) => t.id === task.id)!;
        assert.equal(before.status, status);
        const who = before.assignee ?? 'a'; // the holder (the receiver of a handoff), else anyone
        const allowed = (TASK_TRANSITIONS[action].from as readonly TaskStatus[]).includes(status);
        const outcome = await act[action](task.id, who).then(
          () => 'allowed',
          (e: unknown) => (e instanceof FederationError && ['invalid-transition', 'not-assignee'].includes(e.reason) ? 'refused' : Promise.reject(e)),
        );
        assert.equal(outcome, allowed ? 'allowed' : 'refused', `${action} from ${status}`);
        const after = (await fed.listTasks()).find((t) => t.id === task.id)!;
        assert.equal(after.status, allowed ? TASK_TRANSITIONS[action].to : status, `${action} from ${status}: status after`);
        if (allowed) seen.push(`${status}->${after.status}`);
      }
    }
    assert.ok(seen.includes('claimed->done'), 'claimed -> done without start is allowed');
  });
});
