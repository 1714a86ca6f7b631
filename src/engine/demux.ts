import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';

/**
 * The engine multiplexes a non-TTY container's stdout and stderr on one connection as frames:
 * an 8-byte header (byte 0: 0 stdin, 1 stdout, 2 stderr; bytes 4-7: payload size, big-endian)
 * followed by the payload. Anything else in byte 0 means the stream is raw (a TTY).
 */
const HEADER = 8;
const EMPTY = Buffer.alloc(0);

function isFrameType(b: number | undefined): boolean {
  return b === 0 || b === 1 || b === 2;
}

/**
 * Splits a multiplexed stream: stdout payloads are pushed downstream, stderr payloads go to
 * `onStderr`. Written as a Transform rather than docker-modem's `demuxStream` because that one
 * calls `stdout.write()` and ignores its return value, so a slow consumer (a file, a gzip) would
 * make it buffer a whole database dump in memory; a Transform inside `stream.pipeline` only
 * reads the socket as fast as the destination drains. Payloads are passed on piecewise, so a
 * frame split across chunks (or a huge frame) never needs to be held whole.
 */
export class DemuxStream extends Transform {
  /** A header split across chunks, until its 8 bytes are in. */
  private header = EMPTY;
  private remaining = 0;
  private type = 1;
  private raw = false;

  constructor(private readonly onStderr: (chunk: Buffer) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.raw) {
      this.push(chunk);
      done();
      return;
    }
    let pos = 0;
    while (pos < chunk.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - pos);
        this.emitPayload(chunk.subarray(pos, pos + n));
        this.remaining -= n;
        pos += n;
        continue;
      }
      let header: Buffer;
      if (this.header.length === 0 && chunk.length - pos >= HEADER) {
        header = chunk.subarray(pos, pos + HEADER); // the usual case: no copy
        pos += HEADER;
      } else {
        const need = HEADER - this.header.length;
        this.header = Buffer.concat([this.header, chunk.subarray(pos, pos + need)]);
        pos += Math.min(need, chunk.length - pos);
        if (this.header.length < HEADER) break;
        header = this.header;
        this.header = EMPTY;
      }
      if (!isFrameType(header[0]) || header[1] !== 0 || header[2] !== 0 || header[3] !== 0) {
        // Not multiplexed after all: pass everything through untouched from here on.
        this.raw = true;
        this.push(Buffer.concat([header, chunk.subarray(pos)]));
        break;
      }
      this.type = header[0] ?? 1;
      this.remaining = header.readUInt32BE(4);
    }
    done();
  }

  private emitPayload(part: Buffer): void {
    if (this.type === 2) this.onStderr(part);
    else if (this.type === 1) this.push(part);
    // Type 0 (stdin echo) is never sent for exec; ignore it if it is.
  }
}

/** Demultiplexes a whole buffer (e.g. `logs`) into text, stdout and stderr interleaved in order. */
export function demuxToText(buf: Buffer): string {
  const parts: Buffer[] = [];
  let pos = 0;
  while (pos + HEADER <= buf.length) {
    const type = buf[pos];
    if (!isFrameType(type) || buf.readUIntBE(pos + 1, 3) !== 0) return buf.toString('utf8');
    const size = buf.readUInt32BE(pos + 4);
    parts.push(buf.subarray(pos + HEADER, pos + HEADER + size));
    pos += HEADER + size;
  }
  if (pos === 0 && buf.length > 0) return buf.toString('utf8');
  return Buffer.concat(parts).toString('utf8');
}
