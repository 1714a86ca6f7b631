import { Writable } from 'node:stream';
import { EngineError } from './engine-error.js';

/** Keeps only the last `limit` bytes written: enough stderr for a message, flat memory. */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  add(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    // Compact only when twice over the limit, so a chatty stderr costs O(n) overall.
    if (this.size > this.limit * 2) this.compact();
  }

  private compact(): void {
    const all = Buffer.concat(this.chunks);
    const kept = Buffer.from(all.subarray(Math.max(0, all.length - this.limit)));
    this.chunks = [kept];
    this.size = kept.length;
  }

  toString(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }
}

/**
 * Collects output as a string up to `limit` bytes and fails past it: collecting is for small
 * answers (a `psql -c` result); a dump must be streamed to a file instead.
 */
export class CappedCollector extends Writable {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly limit: number,
    private readonly what: string,
  ) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.size += chunk.length;
    if (this.size > this.limit) {
      done(
        new EngineError(
          'other',
          `could not ${this.what}: its output passed ${Math.round(this.limit / 1024 / 1024)} MiB, more than deployctl collects in memory. This is a bug in the caller, which should stream this output to a file; please report it.`,
        ),
      );
      return;
    }
    this.chunks.push(chunk);
    done();
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
