import { createReadStream, type ReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform, pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

const READ_CHUNK = 1024 * 1024;
const GUNZIP_CHUNK = 256 * 1024;

/** The file's bytes as a stream: large chunks, since dumps are read end to end. */
export function openRaw(path: string): ReadStream {
  return createReadStream(path, { highWaterMark: READ_CHUNK });
}

/**
 * The dump's content (decompressed when it is gzip) as one paused stream, plus the raw file
 * stream under it. `onRawBytes` counts file bytes as they are consumed, for progress. An error
 * anywhere ends the content stream with it (pipeline destroys the later stages).
 */
export function openContent(
  dump: { path: string; gzip: boolean },
  onRawBytes?: (n: number) => void,
): { content: Readable; raw: ReadStream } {
  const raw = openRaw(dump.path);
  let stream: Readable = raw;
  if (onRawBytes) {
    // A counting stage rather than a 'data' listener: a listener would start the file flowing
    // before the consumer is attached, and those bytes would be lost.
    const counter = new Transform({
      readableHighWaterMark: READ_CHUNK,
      writableHighWaterMark: READ_CHUNK,
      transform(chunk: Buffer, _enc, done) {
        onRawBytes(chunk.length);
        done(null, chunk);
      },
    });
    stream = pipeline(raw, counter, () => undefined);
  }
  if (dump.gzip) stream = pipeline(stream, createGunzip({ chunkSize: GUNZIP_CHUNK }), () => undefined);
  return { content: stream, raw };
}

/** Up to `n` bytes from the start of the file. */
export async function readHead(path: string, n: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Up to `n` bytes of the decompressed content, reading no more of the file than needed. */
export async function readGzipHead(path: string, n: number): Promise<Buffer> {
  const { content, raw } = openContent({ path, gzip: true });
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of content as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= n) break;
    }
  } finally {
    raw.destroy();
    content.destroy();
  }
  return Buffer.concat(chunks).subarray(0, n);
}
