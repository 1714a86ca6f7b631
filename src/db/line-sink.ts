import { Writable } from 'node:stream';

const MAX_LINE = 64 * 1024;

/**
 * A Writable that hands complete lines to `onLine` and keeps nothing else, so a long listing
 * (pg_restore --list of a big schema) is parsed as it streams. Over-long lines are cut.
 */
export class LineSink extends Writable {
  private partial = '';

  constructor(private readonly onLine: (line: string) => void) {
    super({ decodeStrings: true });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    const lines = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = (lines.pop() ?? '').slice(0, MAX_LINE);
    for (const line of lines) this.onLine(line);
    done();
  }

  override _final(done: (err?: Error | null) => void): void {
    if (this.partial !== '') this.onLine(this.partial);
    this.partial = '';
    done();
  }
}
