// Tar archives for the Engine's archive API (PUT/GET /containers/{id}/archive), which is how files reach an
// engine that cannot see our paths and come back from it. Written here rather than taken from a package: we need
// only plain files and folders going in, and coming back a reader that refuses what an agent could plant (links,
// devices, "..", absolute names, more bytes than allowed) before anything touches our disk.
import { FederationError } from '../errors';

const BLOCK = 512;

export interface TarEntry {
  /** Relative, "/"-separated; a folder's name may end in "/". */
  name: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  uid?: number;
  gid?: number;
  /** A file's bytes. */
  content?: Uint8Array;
  /** A symlink's target, as written (never resolved here). */
  linkname?: string;
}

function octal(value: number, width: number): string {
  // width-1 digits and a NUL, as ustar readers expect.
  return value.toString(8).padStart(width - 1, '0').slice(-(width - 1)) + '\0';
}

function header(name: string, typeflag: string, size: number, mode: number, uid: number, gid: number, linkname = ''): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  h.write(name, 0, 100, 'utf8');
  h.write(linkname, 157, 100, 'utf8');
  h.write(octal(mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(uid, 8), 108, 'ascii');
  h.write(octal(gid, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(0, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(typeflag, 156, 'ascii');
  h.write('ustar\0' + '00', 257, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

function padded(data: Uint8Array): Buffer[] {
  const rest = data.length % BLOCK;
  return rest === 0 ? [Buffer.from(data)] : [Buffer.from(data), Buffer.alloc(BLOCK - rest, 0)];
}

/** A PAX record "LEN path=VALUE\n", whose LEN counts itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

/** The archive of the entries, in order; names longer than ustar's 100 bytes get a PAX header. */
export function packTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const name = e.type === 'dir' && !e.name.endsWith('/') ? `${e.name}/` : e.name;
    const content = e.type === 'file' ? (e.content ?? new Uint8Array()) : new Uint8Array();
    const uid = e.uid ?? 0;
    const gid = e.gid ?? 0;
    const link = e.type === 'symlink' ? (e.linkname ?? '') : '';
    const longName = Buffer.byteLength(name) > 99;
    const longLink = Buffer.byteLength(link) > 99;
    if (longName || longLink) {
      const pax = Buffer.from((longName ? paxRecord('path', name) : '') + (longLink ? paxRecord('linkpath', link) : ''), 'utf8');
      parts.push(header('PaxHeader', 'x', pax.length, 0o644, 0, 0), ...padded(pax));
    }
    const flag = e.type === 'dir' ? '5' : e.type === 'symlink' ? '2' : '0';
    parts.push(header(longName ? name.slice(0, 99) : name, flag, content.length, e.mode, uid, gid, longLink ? link.slice(0, 99) : link));
    if (content.length) parts.push(...padded(content));
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(parts);
}

// ---- reading ------------------------------------------------------------------------------------------------------

export type TarKind = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

export interface ReadEntry {
  /** As archived, without a leading "./". */
  name: string;
  kind: TarKind;
  mode: number;
  size: number;
}

export interface ReadLimits {
  /** Total bytes of file content. */
  maxBytes: number;
  maxEntries: number;
}

function field(h: Buffer, start: number, len: number): string {
  const raw = h.subarray(start, start + len);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? len : nul).toString('utf8');
}

function num(h: Buffer, start: number, len: number): number {
  // GNU base-256 for large values: the high bit of the first byte is set.
  if ((h[start] as number) & 0x80) {
    let v = 0;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + (h[i] as number);
    return v;
  }
  const s = field(h, start, len).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

function kindOf(flag: string): TarKind {
  if (flag === '0' || flag === '\0' || flag === '' || flag === '7') return 'file';
  if (flag === '5') return 'dir';
  if (flag === '2') return 'symlink';
  if (flag === '1') return 'hardlink';
  return 'other';
}

function parsePax(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const space = text.indexOf(' ', i);
    if (space < 0) break;
    const len = Number(text.slice(i, space));
    if (!Number.isInteger(len) || len <= 0) break;
    const record = text.slice(space + 1, i + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += len;
  }
  return out;
}

function broken(what: string): FederationError {
  return new FederationError('invalid-input', `The archive from the engine is not a readable tar (${what}).`, {});
}

/**
 * Reads an archive as it streams in, handing each entry and its content to `onEntry` (content only for files).
 * Stops with 'invalid-input' past the limits; never buffers more than one entry.
 */
export async function readTar(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  limits: ReadLimits,
  onEntry: (entry: ReadEntry, content: Buffer | undefined) => Promise<void>,
): Promise<void> {
  let buf = Buffer.alloc(0);
  const chunks: { next(): IteratorResult<Uint8Array> | Promise<IteratorResult<Uint8Array>> } =
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  let ended = false;
  const need = async (n: number): Promise<boolean> => {
    while (buf.length < n && !ended) {
      const r = await chunks.next();
      if (r.done) ended = true;
      else buf = buf.length === 0 ? Buffer.from(r.value) : Buffer.concat([buf, r.value]);
    }
    return buf.length >= n;
  };
  const take = (n: number): Buffer => {
    const out = buf.subarray(0, n);
    buf = buf.subarray(n);
    return out;
  };
  let bytes = 0;
  let entries = 0;
  let longName: string | undefined;
  let pax: Record<string, string> = {};
  for (;;) {
    if (!(await need(BLOCK))) {
      if (buf.length === 0) return; // some writers leave out the two zero blocks
      throw broken('it ends inside a header');
    }
    const h = take(BLOCK);
    if (h.every((b) => b === 0)) return;
    const flag = String.fromCharCode(h[156] as number);
    const size = num(h, 124, 12);
    const blocks = Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'x' || flag === 'L' || flag === 'g') {
      if (size > 1024 * 1024) throw broken('an extended header over 1 MiB');
      if (!(await need(blocks))) throw broken('it ends inside an extended header');
      const data = take(blocks).subarray(0, size).toString('utf8');
      if (flag === 'x') pax = parsePax(data);
      else if (flag === 'L') longName = data.replace(/\0+$/, '');
      continue;
    }
    const prefix = field(h, 345, 155);
    const base = field(h, 0, 100);
    const name = (pax['path'] ?? longName ?? (prefix ? `${prefix}/${base}` : base)).replace(/^\.\//, '');
    const realSize = pax['size'] !== undefined ? Number(pax['size']) : size;
    longName = undefined;
    pax = {};
    const kind = kindOf(flag);
    if (++entries > limits.maxEntries) throw new FederationError('invalid-input', `The archive holds more than ${limits.maxEntries} entries.`, { limit: limits.maxEntries });
    const entry: ReadEntry = { name, kind, mode: num(h, 100, 8), size: kind === 'file' ? realSize : 0 };
    const dataBlocks = Math.ceil(realSize / BLOCK) * BLOCK;
    if (kind === 'file') {
      bytes += realSize;
      if (bytes > limits.maxBytes) throw new FederationError('invalid-input', `The archive holds more than ${limits.maxBytes} bytes.`, { limit: limits.maxBytes });
      if (!(await need(dataBlocks))) throw broken(`it ends inside ${name}`);
      const content = Buffer.from(take(dataBlocks).subarray(0, realSize));
      await onEntry(entry, content);
    } else {
      // Links and devices carry no data blocks (size 0); skip whatever a writer put there anyway.
      if (dataBlocks > 0 && !(await need(dataBlocks))) throw broken(`it ends inside ${name}`);
      if (dataBlocks > 0) take(dataBlocks);
      await onEntry(entry, undefined);
    }
  }
}
