import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { copyOutput, outputSegments, readOutputFile } from '../../../src/core/agents/files';
import { FederationError } from '../../../src/core/errors';
import { nodeFileSystem } from '../../../src/node/fs';
import { useTempDir } from '../../helpers/tmp';

async function refused(p: Promise<unknown>): Promise<FederationError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof FederationError, String(e));
    return e;
  }
  assert.fail('expected a refusal');
}

function maybeFifo(file: string): boolean {
  try {
    execFileSync('mkfifo', [file]);
    return true;
  } catch {
    return false;
  }
}

describe('reading an agent output folder', () => {
  const tmp = useTempDir('af-output-');
  let out: string;
  let secret: string;
  beforeEach(() => {
    out = path.join(tmp.path, 'output');
    mkdirSync(path.join(out, 'sub'), { recursive: true });
    secret = path.join(tmp.path, 'host-secret.txt');
    writeFileSync(secret, 'host only');
    writeFileSync(path.join(out, 'sub', 'ok.txt'), 'fine');
  });

  it('reads plain files by relative path or /output path', async () => {
    assert.equal((await readOutputFile(nodeFileSystem, out, 'sub/ok.txt')).toString(), 'fine');
    assert.equal((await readOutputFile(nodeFileSystem, out, '/output/sub/ok.txt')).toString(), 'fine');
    assert.equal((await readOutputFile(nodeFileSystem, out, './sub//ok.txt')).toString(), 'fine');
  });

  it('never follows a link or a ".." out of the folder', async () => {
    symlinkSync(secret, path.join(out, 'file-link'));
    symlinkSync(tmp.path, path.join(out, 'dir-link'));
    symlinkSync('../host-secret.txt', path.join(out, 'relative-link'));
    for (const rel of ['file-link', 'dir-link/host-secret.txt', 'relative-link', '../host-secret.txt', 'sub/../../host-secret.txt', '/etc/passwd']) {
      const e = await refused(readOutputFile(nodeFileSystem, out, rel));
      assert.equal(e.reason, 'outside-workspace', `${rel}: ${e.message}`);
    }
    assert.equal((await refused(readOutputFile(nodeFileSystem, out, 'nope.txt'))).reason, 'not-found');
    assert.equal((await refused(readOutputFile(nodeFileSystem, out, 'sub'))).reason, 'outside-workspace');
  });

  it('does not hang on a FIFO and caps the size', async function () {
    this.timeout(5000);
    if (maybeFifo(path.join(out, 'fifo'))) assert.equal((await refused(readOutputFile(nodeFileSystem, out, 'fifo'))).reason, 'outside-workspace');
    writeFileSync(path.join(out, 'big'), Buffer.alloc(2048));
    assert.equal((await refused(readOutputFile(nodeFileSystem, out, 'big', 1024))).reason, 'invalid-input');
  });

  it('splits output paths', () => {
    assert.deepEqual(outputSegments('/output'), []);
    assert.deepEqual(outputSegments('a/./b/'), ['a', 'b']);
    assert.throws(() => outputSegments('/outputs/x'), FederationError);
    assert.throws(() => outputSegments('a\\..\\b'), FederationError);
  });

  it('collects plain files and folders, skipping links', async () => {
    symlinkSync(secret, path.join(out, 'link'));
    symlinkSync(tmp.path, path.join(out, 'sub', 'dirlink'));
    const to = path.join(tmp.path, 'collected');
    const result = await copyOutput(nodeFileSystem, out, to);
    assert.deepEqual(result.files, ['sub/ok.txt']);
    assert.deepEqual(result.skipped.sort(), ['link', 'sub/dirlink']);
    assert.equal(readFileSync(path.join(to, 'sub', 'ok.txt'), 'utf8'), 'fine');
    assert.equal((await refused(copyOutput(nodeFileSystem, out, to))).reason, 'already-exists');
  });
});
