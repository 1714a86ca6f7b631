import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DeployctlError, InterruptedError } from '../errors.js';
import { formatBytes } from './bytes.js';
import { gzipDamaged, invalid } from './dump-invalid.js';
import { fileChunks } from './dump-source.js';

const TAIL_BYTES = 4096;

export interface Scan {
  sha256: string;
  /** The last bytes of the content (decompressed), for the plain-dump trailer check. */
  tail: string;
  /** NUL bytes somewhere in plain content. */
  binary: boolean;
}

export interface ScanOptions {
  gzip: boolean;
  plain: boolean;
  /** The file's size, for progress. */
  total: number;
  signal?: AbortSignal;
  update?: (text: string) => void;
}

/**
 * One pass over the file through fileChunks' one reused buffer: a dump can be gigabytes, and a
 * fresh buffer per chunk leaves the allocator holding tens of MB of garbage between collections.
 * A gzip is fed through zlib chunk by chunk, each chunk consumed before the buffer is reused.
 */
export async function scanFile(path: string, opts: ScanOptions): Promise<Scan> {
  const hash = createHash('sha256');
  const content = new ContentCheck(opts.plain);
  const gunzip = opts.gzip ? createGunzip({ chunkSize: 256 * 1024 }) : undefined;
  gunzip?.on('data', (chunk: Buffer) => content.add(chunk));
  // zlib reports damage as an 'error' event, possibly while no write is pending: race it.
  const failed = gunzip ? new Promise<never>((_, reject) => gunzip.once('error', reject)) : undefined;
  failed?.catch(() => undefined);
  const untilFailed = <T>(p: Promise<T>): Promise<T> => (failed ? Promise.race([p, failed]) : p);
  let read = 0;
  try {
    for await (const chunk of fileChunks(path)) {
      if (opts.signal?.aborted)
        throw new InterruptedError(`restore-db interrupted while checking ${path}; nothing was changed.`);
      hash.update(chunk);
      if (gunzip) await untilFailed(feed(gunzip, chunk));
      else content.add(chunk);
      read += chunk.length;
      opts.update?.(`checked ${formatBytes(read)} of ${formatBytes(opts.total)}`);
    }
    if (gunzip) await untilFailed(finish(gunzip));
  } catch (err) {
    if (err instanceof DeployctlError) throw err;
    if (opts.gzip && ((err as { code?: string }).code ?? '').startsWith('Z_')) throw gzipDamaged(path, err);
    throw invalid(path, `cannot be read to the end (${(err as Error).message})`, err);
  } finally {
    gunzip?.destroy();
  }
  return { sha256: hash.digest('hex'), tail: content.tail.toString('latin1'), binary: content.binary };
}

/** What the plain-SQL checks need from the content: NUL bytes seen, and the last bytes. */
class ContentCheck {
  tail = Buffer.alloc(0);
  binary = false;
  constructor(private readonly plain: boolean) {}

  add(chunk: Buffer): void {
    if (!this.plain) return;
    if (chunk.includes(0)) this.binary = true;
    this.tail = Buffer.concat([this.tail, chunk.subarray(-TAIL_BYTES)]).subarray(-TAIL_BYTES);
  }
}

/** Resolves once zlib has consumed `chunk` (so its buffer may be reused), or rejects. */
function feed(stream: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => stream.write(chunk, (err) => (err ? reject(err) : resolve())));
}

/** Ends the stream and waits for all of its output (the CRC is checked at the very end). */
function finish(stream: Writable & NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve) => {
    stream.once('end', resolve);
    stream.end();
  });
}
