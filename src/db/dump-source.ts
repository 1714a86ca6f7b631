import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';

const READ_CHUNK = 1024 * 1024;
const GUNZIP_CHUNK = 256 * 1024;

/**
 * The file's bytes, read into ONE buffer that every chunk reuses: a consumer must be done with a
 * chunk before it asks for the next (Engine.exec writes each before asking). A dump is read end
 * to end once or twice per run; a fresh buffer per chunk would leave the garbage collector
 * working beside pg_restore for the whole restore. Nothing is opened until the first chunk is
 * asked for; the file is closed when the iteration ends, however it ends.
 */
export async function* fileChunks(path: string, chunkBytes = READ_CHUNK): AsyncGenerator<Buffer, void> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, chunkBytes, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/**
 * The dump's content (decompressed when it is gzip), chunk by chunk under the same rule as
 * fileChunks (a gzip's chunks are zlib's own fresh buffers). `onRawBytes` counts file bytes as
 * they are consumed, for progress. Lazy, and closes the file at the end.
 */
export function openContent(
  dump: { path: string; gzip: boolean },
  onRawBytes?: (n: number) => void,
): AsyncIterable<Buffer> {
  return dump.gzip ? gunzipped(dump.path, onRawBytes) : counted(fileChunks(dump.path), onRawBytes);
}

async function* counted(
  chunks: AsyncIterable<Buffer>,
  onBytes: ((n: number) => void) | undefined,
): AsyncGenerator<Buffer, void> {
  for await (const chunk of chunks) {
    onBytes?.(chunk.length);
    yield chunk;
  }
}

async function* gunzipped(path: string, onRawBytes?: (n: number) => void): AsyncGenerator<Buffer, void> {
  // A counting stage rather than a 'data' listener: a listener would start the file flowing
  // before the consumer is attached, and those bytes would be lost.
  const counter = new Transform({
    readableHighWaterMark: READ_CHUNK,
    writableHighWaterMark: READ_CHUNK,
    transform(chunk: Buffer, _enc, done) {
      onRawBytes?.(chunk.length);
      done(null, chunk);
    },
  });
  const raw = createReadStream(path, { highWaterMark: READ_CHUNK });
  // An error anywhere ends the content with it (pipeline destroys the other stages).
  const content = pipeline(raw, counter, createGunzip({ chunkSize: GUNZIP_CHUNK }), () => undefined);
  try {
    yield* content as AsyncIterable<Buffer>;
  } finally {
    content.destroy();
    raw.destroy();
  }
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
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of gunzipped(path)) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= n) break;
  }
  return Buffer.concat(chunks).subarray(0, n);
}
