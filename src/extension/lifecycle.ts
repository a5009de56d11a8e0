// Ownership of disposables: a class that makes watchers, views, commands or listeners registers each one as it
// makes it, and disposing the class disposes them all, the last made first. Types only from vscode (an editor
// Disposable is anything with dispose()), so this is unit-tested without an editor.
import type * as vscode from 'vscode';

export abstract class Disposable implements vscode.Disposable {
  private readonly _disposables: vscode.Disposable[] = [];
  private _isDisposed = false;

  protected get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Takes `d` to be disposed with this; after this was disposed, disposes it at once. */
  protected _register<T extends vscode.Disposable>(d: T): T {
    if (this._isDisposed) d.dispose();
    else this._disposables.push(d);
    return d;
  }

  /** Disposes everything registered, in reverse order; one that throws does not keep the others alive. */
  dispose(): void {
    if (this._isDisposed) return;
    this._isDisposed = true;
    const errors: unknown[] = [];
    while (this._disposables.length) {
      try {
        this._disposables.pop()!.dispose();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} disposables failed to dispose`);
  }
}

/** A Disposable that runs `fn` (a timer's clear, a loop's stop). */
export function toDisposable(fn: () => void): vscode.Disposable {
  return { dispose: fn };
}
