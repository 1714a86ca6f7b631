import { once } from 'node:events';
import { pipeline, type Readable, type Writable } from 'node:stream';
import type Docker from 'dockerode';
import { DemuxStream } from './demux.js';
import { toEngineError } from './engine-failure.js';
import type { LogStreamOptions } from './port.js';

const HEADER = 8;

/**
 * `docker logs` through the port: one engine call. A non-TTY container's log comes as
 * stdout/stderr frames, each payload goes to its own stream in the order written; a TTY
 * container's log is one raw stream, passed to stdout untouched (`opts.tty`, or detected: the
 * demuxer passes anything that is not a frame header through raw).
 */
export async function streamLogs(
  docker: Docker,
  id: string,
  opts: LogStreamOptions,
  endpoint: string,
): Promise<void> {
  const query = {
    stdout: true,
    stderr: true,
    ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
    ...(opts.since !== undefined ? { since: Math.floor(opts.since / 1000) } : {}),
  };
  const container = docker.getContainer(id);
  const fail = (err: unknown): never => {
    throw toEngineError(err, { action: `read the logs of container ${id}`, endpoint });
  };
  if (!opts.follow) {
    const buf = await container.logs({ ...query, follow: false }).catch(fail);
    writeFrames(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)), opts);
    return;
  }
  if (opts.signal?.aborted) return;
  const source = (await container.logs({ ...query, follow: true }).catch(fail)) as Readable;
  const onAbort = (): void => {
    source.destroy();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // pipeline, not pipe: destroying or failing the source (Ctrl+C, a dropped connection) must
    // end the demultiplexer too, or the loop below would wait forever.
    const out: AsyncIterable<Buffer> = opts.tty
      ? source
      : pipeline(source, new DemuxStream((chunk) => opts.stderr.write(chunk)), () => undefined);
    for await (const chunk of out) await write(opts.stdout, chunk);
  } catch (err) {
    // Ctrl+C destroyed the connection: that is how a follow ends, not an error.
    if (!opts.signal?.aborted) fail(err);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    source.destroy();
  }
}

async function write(w: Writable, chunk: Buffer): Promise<void> {
  if (!w.write(chunk)) await once(w, 'drain');
}

/** A whole (non-follow) log: frames to their streams; anything not framed goes to stdout raw. */
function writeFrames(buf: Buffer, opts: LogStreamOptions): void {
  if (opts.tty) {
    if (buf.length > 0) opts.stdout.write(buf);
    return;
  }
  let pos = 0;
  while (pos + HEADER <= buf.length) {
    const type = buf[pos];
    if ((type !== 0 && type !== 1 && type !== 2) || buf.readUIntBE(pos + 1, 3) !== 0) break;
    const size = buf.readUInt32BE(pos + 4);
    const payload = buf.subarray(pos + HEADER, pos + HEADER + size);
    if (type === 2) opts.stderr.write(payload);
    else if (type === 1) opts.stdout.write(payload);
    pos += HEADER + size;
  }
  if (pos < buf.length) opts.stdout.write(buf.subarray(pos));
}
