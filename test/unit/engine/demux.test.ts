import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { DemuxStream, demuxToText } from '../../../src/engine/demux.js';

function frame(type: number, payload: string | Buffer): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

async function demux(chunks: Buffer[]): Promise<{ stdout: string; stderr: string }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    new DemuxStream((c) => err.push(c)),
    new Writable({
      write(c: Buffer, _e, done) {
        out.push(c);
        done();
      },
    }),
  );
  return { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

describe('DemuxStream', () => {
  const stream = Buffer.concat([
    frame(1, 'hello '),
    frame(2, 'oops\n'),
    frame(1, 'world'),
    frame(1, ''),
    frame(2, 'again'),
  ]);

  it('routes stdout downstream and stderr to the callback', async () => {
    expect(await demux([stream])).toEqual({ stdout: 'hello world', stderr: 'oops\nagain' });
  });

  it('gives the same result whatever the chunk boundaries (headers and payloads split anywhere)', async () => {
    for (let a = 1; a < stream.length; a++) {
      for (const b of [a + 1, a + 3, a + 9]) {
        if (b >= stream.length) continue;
        const parts = [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)];
        expect(await demux(parts), `split at ${a},${b}`).toEqual({
          stdout: 'hello world',
          stderr: 'oops\nagain',
        });
      }
    }
  });

  it('handles one byte at a time', async () => {
    expect(await demux([...stream].map((b) => Buffer.from([b])))).toEqual({
      stdout: 'hello world',
      stderr: 'oops\nagain',
    });
  });

  it('passes a stream that is not multiplexed (a TTY) through untouched', async () => {
    expect(await demux([Buffer.from('plain tty output'), Buffer.from(' more')])).toEqual({
      stdout: 'plain tty output more',
      stderr: '',
    });
  });

  it('respects backpressure: stops pulling from the source while the destination is full', async () => {
    const frames = 2000;
    const payload = Buffer.alloc(16 * 1024, 7);
    let produced = 0;
    const source = new Readable({
      read() {
        if (produced === frames) {
          this.push(null);
          return;
        }
        produced++;
        this.push(frame(1, payload));
      },
    });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let received = 0;
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(c: Buffer, _e, done) {
        received += c.length;
        // The first write blocks until released: everything upstream must stall.
        if (received === c.length) void gate.then(() => done());
        else done();
      },
    });
    const done = pipeline(source, new DemuxStream(() => undefined), slow);
    await new Promise((r) => setTimeout(r, 50));
    // A few buffers' worth (source, transform in/out, destination), nowhere near all 2000 frames.
    expect(produced).toBeLessThan(20);
    release();
    await done;
    expect(produced).toBe(frames);
    expect(received).toBe(frames * payload.length);
  });
});

describe('demuxToText', () => {
  it('interleaves stdout and stderr in order', () => {
    expect(demuxToText(Buffer.concat([frame(1, 'a\n'), frame(2, 'b\n'), frame(1, 'c\n')]))).toBe('a\nb\nc\n');
  });

  it('returns raw text for a TTY container and empty for no logs', () => {
    expect(demuxToText(Buffer.from('raw log line\n'))).toBe('raw log line\n');
    expect(demuxToText(Buffer.alloc(0))).toBe('');
  });
});
