import * as assert from 'node:assert/strict';
import { deepFreeze, editable, thaw } from '../../../src/core/federation/state/frozen';

describe('shared frozen items (frozen.ts)', () => {
  it('deepFreeze freezes every level, so an in-place change throws instead of being missed', () => {
    const task = deepFreeze({ id: 'T1', history: [{ by: 'a' }] });
    assert.throws(() => {
      (task as { id: string }).id = 'T2';
    }, TypeError);
    assert.throws(() => task.history.push({ by: 'b' }), TypeError);
    assert.throws(() => {
      (task.history[0] as { by: string }).by = 'c';
    }, TypeError);
  });

  it('editable puts a private copy in the list in the shared one’s place, once', () => {
    const shared = deepFreeze({ id: 'T1', history: [] as string[] });
    const other = deepFreeze({ id: 'T2', history: [] as string[] });
    const list = [shared, other];
    const mine = editable(list, shared);
    assert.notEqual(mine, shared);
    assert.equal(list[0], mine);
    assert.equal(list[1], other, 'the others stay shared');
    mine.history.push('claimed');
    assert.deepEqual(shared.history, [], 'the shared one is unchanged');
    assert.equal(editable(list, mine), mine, 'a private item is edited as it is');
    assert.throws(() => editable([], deepFreeze({ id: 'T3' })), /not in the list/);
  });

  it('thaw gives the caller private copies of shared items inside a result, and leaves the rest as it is', () => {
    const shared = deepFreeze({ id: 'T1', skills: ['ci'] });
    const when = new Date(0);
    const result = { task: shared, tasks: [shared], when, note: 'x' };
    const out = thaw(result);
    assert.equal(out, result, 'a result that is not frozen is changed in place');
    assert.notEqual(out.task, shared);
    assert.deepEqual(out.task, { id: 'T1', skills: ['ci'] });
    out.task.skills.push('docker');
    out.tasks[0]!.id = 'T9';
    assert.equal(out.when, when, 'a Date is not a shared item');
    assert.deepEqual(shared, { id: 'T1', skills: ['ci'] });
    assert.deepEqual(thaw(shared), shared);
    assert.equal(Object.isFrozen(thaw(shared)), false);
  });
});
