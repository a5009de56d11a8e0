// The Docker Engine API's stream wire formats, decoded for the dockerode adapter: the stdout/stderr multiplexing
// of container logs and the newline-delimited JSON of events and build progress.

import { StringDecoder } from 'node:string_decoder';
import type { LogChunk } from '../../core/docker/client';

/**
 * Splits the engine's multiplexed log stream (8-byte header: stream type, 3 zero bytes, big-endian length) into
 * stdout/stderr text. A container with a TTY sends raw bytes instead; those are all stdout.
 */
export class LogDemuxer {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  private raw: boolean;

  constructor(tty: boolean) {
    this.raw = tty;
  }

  push(data: Buffer): LogChunk[] {
    if (this.raw) return this.text('stdout', data);
    this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
    const out: LogChunk[] = [];
    while (this.buffer.length >= 8) {
      const type = this.buffer[0] as number;
      if (type > 2 || this.buffer[1] !== 0 || this.buffer[2] !== 0 || this.buffer[3] !== 0) {
        // Not a frame header: the stream is not multiplexed after all. Pass everything through as stdout.
        this.raw = true;
        out.push(...this.text('stdout', this.buffer));
        this.buffer = Buffer.alloc(0);
        return out;
      }
      const size = this.buffer.readUInt32BE(4);
      if (this.buffer.length < 8 + size) break;
      const payload = this.buffer.subarray(8, 8 + size);
      this.buffer = this.buffer.subarray(8 + size);
      // 0 is stdin, which only appears for attached containers; it is the program's input echoed, shown as stdout.
      out.push(...this.text(type === 2 ? 'stderr' : 'stdout', payload));
    }
    return out;
  }

  /** What is left at the end of the stream (an incomplete frame is shown rather than lost). */
  end(): LogChunk[] {
    const out: LogChunk[] = [];
    if (this.buffer.length > 0) {
      out.push(...this.text('stdout', this.buffer));
      this.buffer = Buffer.alloc(0);
    }
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.decoders[stream].end();
      if (rest !== '') out.push({ stream, text: rest });
    }
    return out;
  }

  private text(stream: 'stdout' | 'stderr', data: Buffer): LogChunk[] {
    // The decoder keeps a multi-byte character split across frames until its other half arrives.
    const text = this.decoders[stream].write(data);
    return text === '' ? [] : [{ stream, text }];
  }
}

/** Newline-delimited JSON (events, build progress). Lines that are not JSON are returned as strings. */
export class JsonLines {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  push(data: Buffer): unknown[] {
    this.pending += this.decoder.write(data);
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    return lines.flatMap(parseLine);
  }

  end(): unknown[] {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    return parseLine(rest);
  }
}

function parseLine(line: string): unknown[] {
  const trimmed = line.trim();
  if (trimmed === '') return [];
  try {
    return [JSON.parse(trimmed) as unknown];
  } catch {
    return [trimmed];
  }
}
