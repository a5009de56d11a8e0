import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A fresh temp folder per test, removed afterwards even when the test fails. */
export function useTempDir(prefix = 'fed-test-'): { readonly path: string } {
  const holder = { path: '' };
  beforeEach(() => {
    holder.path = mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterEach(() => {
    rmSync(holder.path, { recursive: true, force: true });
  });
  return holder;
}

// The fake clock has its own module now; the tests that took it from here still do.
export { FakeClock } from './fakeClock';
