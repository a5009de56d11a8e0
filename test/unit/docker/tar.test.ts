// The archives of the Engine's archive API: what we pack reads back, and what an agent could plant is refused.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { packTar, readTar, type ReadEntry } from '../../../src/core/docker/tar';
import { failure } from '../../helpers/failure';

async function read(tar: Buffer, limits = { maxBytes: 1 << 20, maxEntries: 100 }, chunk = 7): Promise<Array<ReadEntry & { text?: string }>> {
  const out: Array<ReadEntry & { text?: string }> = [];
  // Small uneven chunks: headers and contents arrive split, as over a socket.
  const chunks = Array.from({ length: Math.ceil(tar.length / chunk) }, (_, i) => tar.subarray(i * chunk, (i + 1) * chunk));
  await readTar(chunks, limits, async (e, content) => {
    out.push({ ...e, ...(content ? { text: content.toString('utf8') } : {}) });
  });
  return out;
}

describe('tar archives (the Engine archive API)', () => {
  it('reads back what it packs: folders, files, modes, a name over 100 bytes (PAX)', async () => {
    const long = `deep/${'x'.repeat(120)}/file.txt`;
    const tar = packTar([
      { name: 'a', type: 'dir', mode: 0o755 },
      { name: 'a/one.txt', type: 'file', mode: 0o400, content: Buffer.from('one\n') },
      { name: long, type: 'file', mode: 0o644, content: Buffer.alloc(1500, 'z') },
      { name: 'empty', type: 'file', mode: 0o644 },
    ]);
    assert.equal(tar.length % 512, 0);
    const got = await read(tar);
    assert.deepEqual(got.map((e) => [e.name, e.kind, e.mode, e.size]), [
      ['a/', 'dir', 0o755, 0], ['a/one.txt', 'file', 0o400, 4], [long, 'file', 0o644, 1500], ['empty', 'file', 0o644, 0],
    ]);
    assert.equal(got[1]!.text, 'one\n');
  });

  it('is read by GNU tar as written, owners and modes included', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'af-tar-'));
    try {
      const long = `${'y'.repeat(130)}.md`;
      writeFileSync(path.join(dir, 'x.tar'), packTar([
        { name: 'w', type: 'dir', mode: 0o750, uid: 1234, gid: 4321 },
        { name: `w/${long}`, type: 'file', mode: 0o440, uid: 1234, gid: 4321, content: Buffer.from('hello') },
      ]));
      const listing = execFileSync('tar', ['-tvf', path.join(dir, 'x.tar'), '--numeric-owner'], { encoding: 'utf8' });
      assert.match(listing, /^drwxr-x--- 1234\/4321 .* w\/$/m);
      assert.match(listing, new RegExp(`^-r--r----- 1234/4321 +5 .* w/${long}$`, 'm'));
      execFileSync('tar', ['-xf', 'x.tar'], { cwd: dir });
      assert.equal(readFileSync(path.join(dir, 'w', long), 'utf8'), 'hello');
      assert.equal(statSync(path.join(dir, 'w', long)).mode & 0o777, 0o440);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads GNU tar's own archives, links shown as links (never followed)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'af-tar-'));
    try {
      execFileSync('sh', ['-c', `mkdir -p output/sub && echo hi > output/sub/f && ln -s /etc/passwd output/link && mkfifo output/pipe && ln output/sub/f output/hard && tar --format=gnu -cf a.tar output`], { cwd: dir });
      const got = await read(readFileSync(path.join(dir, 'a.tar')), undefined, 4096);
      const kinds = Object.fromEntries(got.map((e) => [e.name, e.kind]));
      assert.equal(kinds['output/sub/f'] ?? kinds['output/hard'], 'file');
      assert.equal(kinds['output/link'], 'symlink');
      assert.equal(kinds['output/pipe'], 'other');
      assert.ok(Object.values(kinds).includes('hardlink'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops past its limits, and on an archive cut short', async () => {
    const tar = packTar([{ name: 'big', type: 'file', mode: 0o644, content: Buffer.alloc(5000) }, { name: 'b', type: 'file', mode: 0o644, content: Buffer.from('x') }]);
    assert.equal((await failure(read(tar, { maxBytes: 4000, maxEntries: 10 }))).reason, 'invalid-input');
    assert.equal((await failure(read(tar, { maxBytes: 1e6, maxEntries: 1 }))).reason, 'invalid-input');
    const cut = await failure(read(tar.subarray(0, 512 + 1024)));
    assert.equal(cut.reason, 'invalid-input');
    assert.match(cut.message, /ends inside big/);
  });
});
