import * as assert from 'node:assert/strict';
import { Disposable, toDisposable } from '../../../src/extension/lifecycle';

class Owner extends Disposable {
  own<T extends { dispose(): void }>(d: T): T {
    return this._register(d);
  }
  get gone(): boolean {
    return this.isDisposed;
  }
}

describe('Disposable (src/extension/lifecycle.ts)', () => {
  it('disposes what it registered, the last registered first, once', () => {
    const order: string[] = [];
    const o = new Owner();
    for (const name of ['view', 'watcher', 'command']) o.own(toDisposable(() => order.push(name)));
    o.dispose();
    o.dispose();
    assert.deepEqual(order, ['command', 'watcher', 'view']);
    assert.equal(o.gone, true);
  });

  it('disposes at once what is registered after it was disposed', () => {
    const o = new Owner();
    o.dispose();
    let disposed = false;
    const d = o.own(toDisposable(() => (disposed = true)));
    assert.equal(disposed, true);
    assert.equal(typeof d.dispose, 'function');
  });

  it('disposes the others when one throws, then throws', () => {
    const order: string[] = [];
    const o = new Owner();
    o.own(toDisposable(() => order.push('first')));
    o.own(toDisposable(() => {
      throw new Error('boom');
    }));
    o.own(toDisposable(() => order.push('last')));
    assert.throws(() => o.dispose(), /boom/);
    assert.deepEqual(order, ['last', 'first']);
  });
});
