// Reading GitHub Actions artifacts (which download as zip archives) with yauzl: it reads the central directory
// from the end of the archive, ZIP64 included (more than 65535 entries, sizes and offsets over 4 GiB), decodes
// the names (UTF-8 or CP437) and refuses names that are absolute or climb out with `..`. Each entry is stored or
// deflated; its size is checked against the directory and its CRC-32 here (yauzl leaves CRCs to its caller).
// Large entries are inflated through yauzl's read stream, so they do not block the event loop; small ones are
// inflated in one call on their slice of the archive (a zlib stream per entry costs ~0.1 ms, which adds up over
// thousands of small entries). In memory only: nothing is written from entry names (callers pick the entries
// they know by name). yauzl is required on the first read, so loading the GitHub modules (or activating the
// extension) does not evaluate it.
import * as zlib from 'node:zlib';
import type { Entry, ZipFile } from 'yauzl';
import { FederationError, isFederationError, describeError } from '../errors';

export interface ZipLimits {
  /** Refuse archives whose entries inflate to more than this in total (default 256 MiB). */
  maxTotalBytes?: number;
}

/** Entries up to this size (uncompressed, as the directory says) are inflated synchronously. */
const SYNC_INFLATE_BYTES = 1024 * 1024;

function bad(message: string): FederationError {
  return new FederationError('invalid-input', `not a readable zip archive: ${message}`, {});
}

function yauzl(): typeof import('yauzl') {
  return require('yauzl') as typeof import('yauzl');
}

/** Entry name → content, for every file entry (folders are left out). */
export async function readZip(data: Uint8Array, limits: ZipLimits = {}): Promise<Map<string, Buffer>> {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const maxTotal = limits.maxTotalBytes ?? 256 * 1024 * 1024;
  let zip: ZipFile;
  try {
    // lazyEntries: one entry at a time, in directory order; validateEntrySizes: a stream that inflates to more or
    // less than the directory says fails.
    zip = await yauzl().fromBufferPromise(buf, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true, strictFileNames: false });
  } catch (e) {
    throw bad(message(e));
  }
  const out = new Map<string, Buffer>();
  let total = 0;
  try {
    for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
      const name = entry.fileName;
      if (name.endsWith('/')) continue;
      if (entry.isEncrypted()) throw bad(`${name} is encrypted`);
      if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
        throw bad(`${name} uses compression method ${entry.compressionMethod} (only stored and deflate are supported)`);
      }
      // Checked on the directory's sizes before anything is inflated.
      total += entry.uncompressedSize;
      if (total > maxTotal) throw bad(`it inflates to more than ${maxTotal} bytes`);
      let content: Buffer;
      try {
        content = entry.uncompressedSize <= SYNC_INFLATE_BYTES ? await readSmall(zip, entry, buf) : await readStreamed(zip, entry);
      } catch (e) {
        throw isFederationError(e) ? e : bad(`${name}: ${message(e)}`);
      }
      if (content.length !== entry.uncompressedSize) throw bad(`${name}: ${content.length} bytes, the directory says ${entry.uncompressedSize}`);
      if (zlib.crc32(content) >>> 0 !== entry.crc32 >>> 0) throw bad(`${name}: CRC-32 mismatch`);
      out.set(name, content);
    }
  } catch (e) {
    throw isFederationError(e) ? e : bad(message(e));
  } finally {
    zip.close();
  }
  return out;
}

/** The next entry, or null at the end of the directory. */
function nextEntry(zip: ZipFile): Promise<Entry | null> {
  return new Promise((resolve, reject) => {
    const done = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (e: Entry) => (done(), resolve(e));
    const onEnd = () => (done(), resolve(null));
    const onError = (e: Error) => (done(), reject(e));
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

/** The entry's data located by yauzl (its local header checked), inflated in one call within its size. */
async function readSmall(zip: ZipFile, entry: Entry, buf: Buffer): Promise<Buffer> {
  const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
  const end = fileDataStart + entry.compressedSize;
  if (end > buf.length) throw new Error('file data overflows file bounds');
  const raw = buf.subarray(fileDataStart, end);
  if (entry.compressionMethod === 0) return Buffer.from(raw);
  // One byte over the declared size is enough to tell that the data inflates to more. The output buffer is sized
  // to fit: zlib's default 16 KiB chunk would stay allocated behind every small entry kept in the map.
  const room = entry.uncompressedSize + 1;
  return zlib.inflateRawSync(raw, { maxOutputLength: room, chunkSize: Math.max(64, room) });
}

async function readStreamed(zip: ZipFile, entry: Entry): Promise<Buffer> {
  const stream = await zip.openReadStreamPromise(entry);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function message(e: unknown): string {
  return describeError(e);
}
