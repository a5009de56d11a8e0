// Build contexts for the tests, in the shape the tests write them, packed by the product's own tar writer
// (src/core/docker/tar.ts), so there is one writer and the tests need no tar dependency.
import { packTar } from '../../src/core/docker/tar';

export type TarEntry =
  | { type: 'file'; name: string; data: Buffer | string; mode?: number }
  | { type: 'dir'; name: string; mode?: number }
  | { type: 'symlink'; name: string; target: string };

export function tar(entries: TarEntry[]): Buffer {
  return packTar(entries.map((e) =>
    e.type === 'file'
      ? { name: e.name, type: 'file' as const, mode: e.mode ?? 0o644, content: Buffer.from(e.data) }
      : e.type === 'dir'
        ? { name: e.name, type: 'dir' as const, mode: e.mode ?? 0o755 }
        : { name: e.name, type: 'symlink' as const, mode: 0o777, linkname: e.target }));
}
