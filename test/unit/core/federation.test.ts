import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { FederationError } from '../../../src/core/errors';
import { Federation, effectiveStatus } from '../../../src/core/federation';
import { newFederation } from '../../helpers/federation';
import { FakeClock, useTempDir } from '../../helpers/tmp';

const reason = (r: string) => (e: FederationError) => {
  assert.equal(e.reason, r, e.message);
  return true;
};

describe('Federation', () => {
  const tmp = useTempDir();
  let fed: Federation;
  let clock: FakeClock;

  beforeEach(async () => {
    clock = new FakeClock();
    fed = newFederation(tmp.path, { clock, identity: { host: 'test-host', pid: 4242 } });
    await fed.init();
    await fed.registerPersona({ id: 'research', skills: ['research', 'writing'] });
    await fed.registerPersona({ id: 'devops', skills: ['docker', 'ci'] });
  });

  describe('init', () => {
    it('creates the layout once and never overwrites', async () => {
      for (const f of ['personas.json', 'queue.json', 'calendar.json', 'config.yaml', 'handoffs', 'locks']) {
        assert.ok(existsSync(path.join(tmp.path, '.federation', f)), f);
      }
      const before = readFileSync(path.join(tmp.path, '.federation', 'personas.json'), 'utf8');
      assert.deepEqual(await fed.init(), []);
      assert.equal(readFileSync(path.join(tmp.path, '.federation', 'personas.json'), 'utf8'), before);
    });
  });

  describe('personas', () => {
    it('registers, then updates in place', async () => {
      const again = await fed.registerPersona({ id: 'research', skills: ['Research', 'analysis', 'research'] });
      assert.equal(again.created, false);
      assert.deepEqual(again.persona.skills, ['research', 'analysis']);
      assert.equal((await fed.listPersonas()).length, 2);
    });

    it('rejects a bad id with the field named', async () => {
      await assert.rejects(fed.registerPersona({ id: 'Not Valid', skills: [] }), (e: FederationError) => e.reason === 'invalid-input' && e.details['field'] === 'id');
    });

    it('shows a persona with a stale heartbeat as offline', async () => {
      const [p] = await fed.listPersonas();
      assert.equal(effectiveStatus(p!, clock.now(), 60_000), 'idle');
      clock.advance(61_000);
      assert.equal(effectiveStatus(p!, clock.now(), 60_000), 'offline');
      await fed.heartbeat('research');
      const [fresh] = await fed.listPersonas();
      assert.equal(effectiveStatus(fresh!, clock.now(), 60_000), 'idle');
    });
  });

  describe('claim next', () => {
    it('gives the most urgent queued task within the persona\'s skills, oldest first', async () => {
      await fed.addTask({ title: 'docker thing', priority: 1, skills: ['docker'] });
      clock.advance(1000);
      await fed.addTask({ title: 'later research', priority: 2, skills: ['research'] });
      clock.advance(1000);
      await fed.addTask({ title: 'urgent research', priority: 1, skills: ['research'] });
      clock.advance(1000);
      await fed.addTask({ title: 'urgent any', priority: 1 });
      const first = await fed.claimNext('research');
      assert.equal(first.task?.title, 'urgent research');
      assert.equal(first.task?.assignee, 'research');
      assert.equal(first.task?.status, 'claimed');
      assert.equal((await fed.claimNext('research')).task?.title, 'urgent any');
      assert.equal((await fed.claimNext('research')).task?.title, 'later research');
      const none = await fed.claimNext('research');
      assert.equal(none.task, null);
      assert.match(none.explanation!, /within research's skills/);
    });

    it('explains an empty queue and refuses unknown personas', async () => {
      assert.match((await fed.claimNext('devops')).explanation!, /no queued tasks/);
      await assert.rejects(fed.claimNext('ghost'), reason('not-found'));
    });

    it('respects the calendar, and exceptions override weekly windows', async () => {
      await fed.addTask({ title: 't', skills: ['research'] });
      await fed.setCalendar('research', {
        timezone: 'UTC',
        weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' }],
        exceptions: [{ from: '2026-11-23T12:00:00Z', to: '2026-11-23T13:00:00Z', available: false }],
      });
      clock.set('2026-11-22T10:00:00Z'); // a Sunday
      assert.match((await fed.claimNext('research')).explanation!, /not available/);
      clock.set('2026-11-23T12:30:00Z'); // Monday, inside the exception
      assert.equal((await fed.claimNext('research')).task, null);
      clock.set('2026-11-23T13:30:00Z');
      assert.equal((await fed.claimNext('research')).task?.title, 't');
    });

    it('offers a handoff addressed to the persona first and acknowledges it on claim', async () => {
      const t = await fed.addTask({ title: 'write docs', priority: 3, skills: ['writing'] });
      await fed.addTask({ title: 'more urgent', priority: 1, skills: ['research'] });
      await fed.registerPersona({ id: 'writer', skills: ['writing'] });
      await fed.claimTask(t.id, 'writer');
      const { document } = await fed.handoff(t.id, { from: 'writer', to: 'research', context: 'half done', nextSteps: ['finish'] });
      const docPath = path.join(tmp.path, '.federation', document);
      assert.match(readFileSync(docPath, 'utf8'), /## Context\n\nhalf done/);
      const claimed = await fed.claimNext('research');
      assert.equal(claimed.task?.id, t.id);
      assert.ok(claimed.task?.handoff?.acknowledgedAt);
      assert.match(readFileSync(docPath, 'utf8'), /Acknowledged by \*\*research\*\*/);
      assert.deepEqual(claimed.task?.history.map((h) => h.action), ['created', 'claimed', 'handed_off', 'acknowledged', 'claimed']);
    });
  });

  describe('skill scope and transitions', () => {
    it('refuses to claim, complete or receive a task outside the persona\'s skills', async () => {
      const t = await fed.addTask({ title: 'dockerize', skills: ['docker'] });
      await assert.rejects(fed.claimTask(t.id, 'research'), reason('skill-scope'));
      await fed.claimTask(t.id, 'devops');
      await assert.rejects(fed.completeTask(t.id, 'research'), reason('skill-scope'));
      await assert.rejects(fed.handoff(t.id, { from: 'devops', to: 'research' }), reason('skill-scope'));
    });

    it('only the assignee completes, and only from claimed or in progress', async () => {
      const t = await fed.addTask({ title: 'x' });
      await assert.rejects(fed.completeTask(t.id, 'research'), reason('not-assignee'));
      await fed.claimTask(t.id, 'research');
      await assert.rejects(fed.completeTask(t.id, 'devops'), reason('not-assignee'));
      await fed.startTask(t.id, 'research');
      const done = await fed.completeTask(t.id, 'research', 'shipped');
      assert.equal(done.status, 'done');
      await assert.rejects(fed.completeTask(t.id, 'research'), reason('invalid-transition'));
      await assert.rejects(fed.cancelTask(t.id, 'x'), reason('invalid-transition'));
      assert.deepEqual(done.history.map((h) => [h.from, h.to]), [[null, 'queued'], ['queued', 'claimed'], ['claimed', 'in_progress'], ['in_progress', 'done']]);
    });

    it('fail needs a reason and records it', async () => {
      const t = await fed.addTask({ title: 'x' });
      await fed.claimTask(t.id, 'devops');
      await assert.rejects(fed.failTask(t.id, 'devops', '  '), reason('invalid-input'));
      const failed = await fed.failTask(t.id, 'devops', 'flaky network');
      assert.equal(failed.failureReason, 'flaky network');
    });

    it('validates new tasks with the field named', async () => {
      await assert.rejects(fed.addTask({ title: ' ' }), (e: FederationError) => e.details['field'] === 'title');
      await assert.rejects(fed.addTask({ title: 'x', priority: 0 }), (e: FederationError) => e.details['field'] === 'priority');
      await assert.rejects(fed.addTask({ title: 'x', skills: ['bad skill!'] }), (e: FederationError) => e.details['field'] === 'skills');
    });
  });

  describe('resource locks', () => {
    it('is exclusive, renewable by its holder, released only by its holder', async () => {
      await fed.addTask({ title: 'migrate' }); // T1: a lock may only name a task of the queue
      const { lock } = await fed.acquireLock('db', 'devops', { task: 'T1', ttlMinutes: 10 });
      assert.deepEqual([lock.holder, lock.task, lock.host, lock.pid], ['devops', 'T1', 'test-host', 4242]);
      await assert.rejects(fed.acquireLock('db', 'research'), reason('resource-locked'));
      clock.advance(5 * 60_000);
      const renewed = await fed.acquireLock('db', 'devops', { ttlMinutes: 10 });
      assert.equal(renewed.lock.acquiredAt, lock.acquiredAt);
      assert.ok(renewed.lock.expiresAt > lock.expiresAt);
      await assert.rejects(fed.releaseLock('db', 'research'), reason('not-lock-holder'));
      await fed.releaseLock('db', 'devops');
      assert.deepEqual(await fed.listLocks(), []);
      await assert.rejects(fed.releaseLock('db', 'devops'), reason('not-found'));
    });

    it('recovers a lock whose holder stopped renewing after it expires', async () => {
      await fed.acquireLock('deploy', 'devops', { ttlMinutes: 1 });
      clock.advance(61_000);
      const { lock, recovered } = await fed.acquireLock('deploy', 'research');
      assert.equal(lock.holder, 'research');
      assert.equal(recovered?.holder, 'devops');
    });

    it('rejects resource names that could escape the locks folder', async () => {
      await assert.rejects(fed.acquireLock('../queue', 'devops'), reason('invalid-input'));
      await assert.rejects(fed.acquireLock('a/b', 'devops'), reason('invalid-input'));
    });
  });

  describe('artifact routing', () => {
    it('moves a file by the first matching rule and never overwrites', async () => {
      mkdirSync(path.join(tmp.path, 'notes'));
      writeFileSync(path.join(tmp.path, 'notes', 'idea.zettel.md'), 'one');
      const r = await fed.routeArtifact('notes/idea.zettel.md');
      assert.deepEqual(r, { from: 'notes/idea.zettel.md', to: 'Zettelkasten/idea.zettel.md', kind: 'zettel', moved: true });
      assert.equal(readFileSync(path.join(tmp.path, 'Zettelkasten', 'idea.zettel.md'), 'utf8'), 'one');
      writeFileSync(path.join(tmp.path, 'notes', 'idea.zettel.md'), 'two');
      await assert.rejects(fed.routeArtifact('notes/idea.zettel.md'), reason('already-exists'));
      assert.equal(readFileSync(path.join(tmp.path, 'Zettelkasten', 'idea.zettel.md'), 'utf8'), 'one');
      assert.equal(readFileSync(path.join(tmp.path, 'notes', 'idea.zettel.md'), 'utf8'), 'two');
      assert.equal((await fed.routeArtifact('Zettelkasten/idea.zettel.md')).moved, false);
    });

    it('refuses files outside the workspace, links out of it, and unmatched files', async () => {
      await assert.rejects(fed.routeArtifact('../x.zettel.md'), reason('outside-workspace'));
      const outside = path.join(path.dirname(tmp.path), `outside-${path.basename(tmp.path)}.zettel.md`);
      writeFileSync(outside, 'secret');
      try {
        symlinkSync(outside, path.join(tmp.path, 'link.zettel.md'));
        await assert.rejects(fed.routeArtifact('link.zettel.md'), reason('outside-workspace'));
      } finally {
        require('node:fs').rmSync(outside, { force: true });
      }
      writeFileSync(path.join(tmp.path, 'plain.txt'), '');
      await assert.rejects(fed.routeArtifact('plain.txt'), reason('no-route'));
    });

    it('rejects config rules whose folder leaves the workspace, naming the field', async () => {
      writeFileSync(path.join(tmp.path, '.federation', 'config.yaml'), 'artifacts:\n  rules:\n    - { kind: x, glob: "*.x", folder: ../elsewhere }\n');
      writeFileSync(path.join(tmp.path, 'a.x'), '');
      await assert.rejects(fed.routeArtifact('a.x'), (e: FederationError) => e.reason === 'state-corrupt' && e.details['field'] === 'artifacts.rules.0.folder');
    });

    it('reports YAML syntax errors with a line', async () => {
      writeFileSync(path.join(tmp.path, '.federation', 'config.yaml'), 'artifacts:\n  rules: [\n');
      await assert.rejects(fed.config(), (e: FederationError) => e.reason === 'state-corrupt' && /line \d+/.test(e.message));
    });
  });
});

describe('Federation requeue', () => {
  const tmp = useTempDir();
  it('puts a failed task back in the queue, unassigned, keeping its history', async () => {
    const fed = newFederation(tmp.path);
    await fed.init();
    await fed.registerPersona({ id: 'a', skills: [] });
    const t = await fed.addTask({ title: 'x' });
    await fed.claimTask(t.id, 'a');
    await fed.failTask(t.id, 'a', 'boom');
    const again = await fed.requeueTask(t.id, 'a', 'retry');
    assert.equal(again.status, 'queued');
    assert.equal(again.assignee, null);
    assert.equal(again.failureReason, undefined);
    assert.deepEqual(again.history.map((h) => h.action), ['created', 'claimed', 'failed', 'requeued']);
    await assert.rejects(fed.requeueTask(t.id, 'a'), reason('invalid-transition'));
  });
});

describe('Federation lock renewal', () => {
  const tmp = useTempDir();
  it('renews only the persona\'s own locks from this host, and a lock it stops renewing lapses', async () => {
    const clock = new FakeClock();
    const here = newFederation(tmp.path, { clock, identity: { host: 'here', pid: 1 } });
    const there = newFederation(tmp.path, { clock, identity: { host: 'there', pid: 2 } });
    await here.init();
    await here.registerPersona({ id: 'a', skills: [] });
    await here.registerPersona({ id: 'b', skills: [] });
    await here.acquireLock('db', 'a', { ttlMinutes: 1 });
    await there.acquireLock('cache', 'a', { ttlMinutes: 1 });
    await here.acquireLock('docs', 'b', { ttlMinutes: 1 });
    clock.advance(50_000);
    const renewed = await here.renewLocks('a', { ttlMinutes: 1 });
    assert.deepEqual(renewed.map((l) => l.resource), ['db']);
    clock.advance(20_000);
    const byName = new Map((await here.listLocks()).map((l) => [l.resource, here.isExpired(l)]));
    assert.deepEqual([...byName.entries()].sort(), [['cache', true], ['db', false], ['docs', true]]);
  });
});
