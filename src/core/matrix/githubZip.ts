// A small zip reader for GitHub Actions artifacts (which download as zip archives): the central directory is
// read from the end of the file, each entry is stored (method 0) or deflated (method 8, zlib.inflateRawSync),
// and its CRC-32 is checked. In memory only: nothing is written from entry names (callers pick the entries they
// know by name). Not supported: ZIP64, encryption, other methods.
import * as zlib from 'node:zlib';
import { FederationError } from '../errors';

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export interface ZipLimits {
  /** Refuse archives whose entries inflate to more than this in total (default 256 MiB). */
  maxTotalBytes?: number;
}

function bad(message: string): FederationError {
  return new FederationError('invalid-input', `not a readable zip archive: ${message}`, {});
}

/** Entry name → content, for every file entry (folders are left out). */
export function readZip(data: Uint8Array, limits: ZipLimits = {}): Map<string, Buffer> {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const maxTotal = limits.maxTotalBytes ?? 256 * 1024 * 1024;
  // The end-of-central-directory record is 22 bytes plus a comment of at most 65535 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad('no end of central directory');
  const count = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw bad('ZIP64 archives are not supported');
  if (cdOffset + cdSize > eocd) throw bad('central directory out of bounds');
  const out = new Map<string, Buffer>();
  let total = 0;
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL) throw bad(`bad central directory entry ${n}`);
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const compressedSize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const localOffset = buf.readUInt32LE(p + 42);
    const name = buf.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue;
    if (flags & 0x1) throw bad(`${name} is encrypted`);
    if (compressedSize === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff) throw bad('ZIP64 archives are not supported');
    total += size;
    if (total > maxTotal) throw bad(`it inflates to more than ${maxTotal} bytes`);
    if (localOffset + 30 > buf.length || buf.readUInt32LE(localOffset) !== LOCAL) throw bad(`bad local header of ${name}`);
    // The local header's name and extra field may differ in length from the central directory's.
    const start = localOffset + 30 + buf.readUInt16LE(localOffset + 26) + buf.readUInt16LE(localOffset + 28);
    if (start + compressedSize > buf.length) throw bad(`${name} is truncated`);
    const raw = buf.subarray(start, start + compressedSize);
    let content: Buffer;
    if (method === 0) content = Buffer.from(raw);
    else if (method === 8) {
      try {
        content = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, size) });
      } catch (e) {
        throw bad(`${name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    } else throw bad(`${name} uses compression method ${method} (only stored and deflate are supported)`);
    if (content.length !== size) throw bad(`${name}: ${content.length} bytes, the directory says ${size}`);
    if (zlib.crc32(content) >>> 0 !== crc) throw bad(`${name}: CRC-32 mismatch`);
    out.set(name, content);
  }
  return out;
}

