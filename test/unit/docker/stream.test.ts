import * as assert from 'node:assert/strict';
import type { LogChunk } from '../../../src/core/docker/client';
import { toFederationError } from '../../../src/core/docker/engineErrors';
import { AsyncQueue } from '../../../src/core/docker/stream';
import { JsonLines, LogDemuxer } from '../../../src/node/docker/wire';
import { FederationError } from '../../../src/core/errors';

function frame(type: number, text: string | Buffer): Buffer {
  const payload = typeof text === 'string' ? Buffer.from(text) : text;
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

function joined(chunks: LogChunk[], stream: 'stdout' | 'stderr'): string {
  return chunks.filter((c) => c.stream === stream).map((c) => c.text).join('');
}

describe('docker stream helpers', () => {
  describe('LogDemuxer', () => {
    it('splits frames into stdout and stderr', () => {
      const d = new LogDemuxer(false);
      const out = d.push(Buffer.concat([frame(1, 'out1\n'), frame(2, 'err1\n'), frame(1, 'out2\n')]));
      assert.deepEqual(out, [
        { stream: 'stdout', text: 'out1\n' }, { stream: 'stderr', text: 'err1\n' }, { stream: 'stdout', text: 'out2\n' },
      ]);
      assert.deepEqual(d.end(), []);
    });

    it('reassembles frames and headers cut at any byte', () => {
      const all = Buffer.concat([frame(1, 'hello '), frame(2, 'oops\n'), frame(1, 'world\n'), frame(1, '')]);
      for (let cut = 1; cut < all.length; cut++) {
        const d = new LogDemuxer(false);
        const out = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut)), ...d.end()];
        assert.equal(joined(out, 'stdout'), 'hello world\n', `cut at ${cut}`);
        assert.equal(joined(out, 'stderr'), 'oops\n', `cut at ${cut}`);
      }
    });

    it('keeps a UTF-8 character split across two frames whole', () => {
      const bytes = Buffer.from('ü✓', 'utf8'); // 2 + 3 bytes
      const d = new LogDemuxer(false);
      const out = [...d.push(frame(1, bytes.subarray(0, 3))), ...d.push(frame(1, bytes.subarray(3))), ...d.end()];
      assert.equal(joined(out, 'stdout'), 'ü✓');
      assert.ok(out.every((c) => !c.text.includes('\uFFFD')));
    });

    it('passes TTY output through as stdout', () => {
      const d = new LogDemuxer(true);
      assert.deepEqual(d.push(Buffer.from('\u0001raw bytes\r\n')), [{ stream: 'stdout', text: '\u0001raw bytes\r\n' }]);
    });

    it('falls back to raw stdout when the bytes are not frames', () => {
      const d = new LogDemuxer(false);
      const out = [...d.push(Buffer.from('plain text that is not multiplexed\n')), ...d.end()];
      assert.equal(joined(out, 'stdout'), 'plain text that is not multiplexed\n');
    });

    it('shows an incomplete last frame instead of losing it', () => {
      const d = new LogDemuxer(false);
      const f = frame(1, 'complete\n');
      const out = [...d.push(Buffer.concat([f, frame(2, 'cut off').subarray(0, 12)])), ...d.end()];
      assert.equal(joined(out, 'stdout').startsWith('complete\n'), true);
    });
  });

  describe('JsonLines', () => {
    it('parses objects split across chunks and keeps non-JSON lines as text', () => {
      const j = new JsonLines();
      const out = [...j.push(Buffer.from('{"a":1}\n{"b"')), ...j.push(Buffer.from(':2}\nnot json\n\n{"c":3}')), ...j.end()];
      assert.deepEqual(out, [{ a: 1 }, { b: 2 }, 'not json', { c: 3 }]);
    });
  });

  describe('AsyncQueue', () => {
    it('delivers pushed items in order, then ends', async () => {
      const q = new AsyncQueue<number>();
      q.push(1);
      setTimeout(() => {
        q.push(2);
        q.end();
      }, 5);
      const seen: number[] = [];
      for await (const n of q) seen.push(n);
      assert.deepEqual(seen, [1, 2]);
    });

    it('delivers what was queued before a failure, then throws it once', async () => {
      const q = new AsyncQueue<number>();
      const boom = toFederationError({ code: 'ECONNRESET' }, {
        operation: 'x', hostLabel: 'h', timeoutMs: 0, timedOut: false, cancelled: false,
      });
      q.push(1);
      q.fail(boom);
      const seen: number[] = [];
      await assert.rejects(async () => {
        for await (const n of q) seen.push(n);
      }, (e: unknown) => e instanceof FederationError && e.reason === 'docker-unavailable');
      assert.deepEqual(seen, [1]);
    });

    it('stops its producer when the consumer breaks out', async () => {
      let closed = 0;
      const q = new AsyncQueue<number>({ onClose: () => closed++ });
      q.push(1);
      q.push(2);
      for await (const n of q) {
        assert.equal(n, 1);
        break;
      }
      assert.equal(closed, 1);
      q.close();
      assert.equal(closed, 1, 'onClose runs once');
    });

    it('pauses the producer above the high-water mark and resumes once drained', async () => {
      const calls: string[] = [];
      const q = new AsyncQueue<number>({ highWaterMark: 2, pause: () => calls.push('pause'), resume: () => calls.push('resume') });
      for (let i = 0; i < 5; i++) q.push(i);
      q.end();
      assert.deepEqual(calls, ['pause']);
      const seen: number[] = [];
      for await (const n of q) seen.push(n);
      assert.deepEqual(seen, [0, 1, 2, 3, 4]);
      assert.deepEqual(calls, ['pause', 'resume']);
    });
  });
});
