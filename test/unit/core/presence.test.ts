// A persona's presence on a fake clock: a beat at start, then one per interval (locks renewed before the
// heartbeat is written), none after stop; a failing beat is logged and the next one still comes.
import * as assert from 'node:assert/strict';
import { Federation } from '../../../src/core/federation';
import { PersonaPresence } from '../../../src/core/federation/presence';
import { nodeFileSystem } from '../../../src/node/fs';
import { FakeClock } from '../../helpers/fakeClock';
import { useTempDir } from '../../helpers/tmp';

describe('PersonaPresence', () => {
  const tmp = useTempDir('fed-presence-');

  it('beats at start and every interval until stopped, renewing the persona\'s locks', async () => {
    const clock = new FakeClock();
    const fed = new Federation(tmp.path, { fs: nodeFileSystem, clock });
    await fed.init();
    await fed.registerPersona({ id: 'research', skills: [] });
    const { lock } = await fed.acquireLock('db', 'research', { ttlMinutes: 1 });
    const beats: unknown[] = [];
    let heard: (() => void) | undefined;
    const nextBeat = () => new Promise<void>((resolve) => (heard = resolve));
    const warnings: string[] = [];
    const presence = new PersonaPresence(fed, 'research', {
      intervalSeconds: 30, ttlMinutes: 10, timers: clock, onBeat: (e) => {
        beats.push(e);
        heard?.();
      },
      logger: { debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} },
    });
    await presence.start();
    assert.equal(beats.length, 1);
    const renewed = (await fed.listLocks())[0]!;
    assert.equal(Date.parse(renewed.expiresAt) - clock.now().getTime(), 10 * 60_000, `renewed from ${lock.expiresAt}`);
    assert.equal((await fed.listPersonas())[0]!.lastHeartbeat, clock.now().toISOString());

    const started = clock.now().getTime();
    for (let i = 0; i < 3; i++) await clock.run(nextBeat());
    assert.equal(clock.now().getTime() - started, 90_000, 'one beat per 30 s');
    assert.equal(beats.length, 4);
    assert.deepEqual(beats, [undefined, undefined, undefined, undefined]);
    assert.equal((await fed.listPersonas())[0]!.lastHeartbeat, clock.now().toISOString(), 'the last beat is the latest time');
    presence.stop();
    assert.equal(clock.timers, 0, 'nothing is scheduled after stop');
    assert.deepEqual(warnings, []);
  });
});
