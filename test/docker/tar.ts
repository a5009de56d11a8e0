// A minimal ustar writer, enough for build contexts in tests (files, folders, symlinks; names < 100 bytes),
// so the tests need no tar dependency.

export type TarEntry =
  | { type: 'file'; name: string; data: Buffer | string; mode?: number }
  | { type: 'dir'; name: string; mode?: number }
  | { type: 'symlink'; name: string; target: string };

function field(header: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) throw new Error(`tar: "${value}" does not fit in ${length} bytes`);
  bytes.copy(header, offset);
}

function octal(header: Buffer, offset: number, length: number, value: number): void {
  // length-1 octal digits and a NUL terminator, as ustar writes numbers.
  field(header, offset, length, value.toString(8).padStart(length - 1, '0') + '\0');
}

function headerFor(entry: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  const name = entry.type === 'dir' && !entry.name.endsWith('/') ? `${entry.name}/` : entry.name;
  field(h, 0, 100, name);
  const mode = entry.type === 'symlink' ? 0o777 : (entry.mode ?? (entry.type === 'dir' ? 0o755 : 0o644));
  octal(h, 100, 8, mode);
  octal(h, 108, 8, 0); // uid
  octal(h, 116, 8, 0); // gid
  octal(h, 124, 12, size);
  octal(h, 136, 12, Math.floor(Date.now() / 1000));
  field(h, 148, 8, '        '); // checksum is computed with this field as spaces
  field(h, 156, 1, entry.type === 'file' ? '0' : entry.type === 'dir' ? '5' : '2');
  if (entry.type === 'symlink') field(h, 157, 100, entry.target);
  field(h, 257, 6, 'ustar\0');
  field(h, 263, 2, '00');
  field(h, 265, 32, 'root');
  field(h, 297, 32, 'root');
  let sum = 0;
  for (const byte of h) sum += byte;
  field(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

export function tar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = entry.type === 'file' ? (typeof entry.data === 'string' ? Buffer.from(entry.data) : entry.data) : Buffer.alloc(0);
    parts.push(headerFor(entry, data.length), data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad > 0) parts.push(Buffer.alloc(pad));
  }
  // End of archive: two empty blocks.
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
