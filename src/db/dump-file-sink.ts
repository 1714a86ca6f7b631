import { createHash } from 'node:crypto';
import { link, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { DeployctlError } from '../errors.js';
import { checksumFileName, tempFileName } from './backup-name.js';
import { writeChecksumFile } from './checksum-file.js';

const HIGH_WATER_MARK = 1024 * 1024;

export interface CommittedDump {
  path: string;
  checksumPath: string;
  bytes: number;
  sha256: string;
}

/**
 * Where a dump streams to: a hidden temporary file in the backups directory (same filesystem,
 * so the final rename is atomic), hashed as it is written. Each chunk is on disk before the
 * next is accepted, so memory stays flat and a slow disk slows pg_dump instead of filling RAM.
 * `commit` makes it visible under its final name only once it is complete and synced;
 * `discard` removes it, so a failed or interrupted backup leaves nothing behind.
 */
export class DumpFileSink extends Writable {
  readonly finalPath: string;
  bytes = 0;
  /** The first filesystem error, so the caller can tell a full disk from other failures. */
  failure: NodeJS.ErrnoException | undefined;
  private readonly hash = createHash('sha256');
  private head = Buffer.alloc(0);
  private sha256: string | undefined;
  private fileClosed = false;

  private constructor(
    private readonly fh: FileHandle,
    readonly tempPath: string,
    finalPath: string,
    private readonly onProgress?: (bytes: number) => void,
  ) {
    super({ highWaterMark: HIGH_WATER_MARK });
    this.finalPath = finalPath;
  }

  static async create(
    dir: string,
    finalName: string,
    onProgress?: (bytes: number) => void,
  ): Promise<DumpFileSink> {
    const tempPath = join(dir, tempFileName(finalName));
    // 0600: a dump holds every row of the database, secrets included.
    const fh = await open(tempPath, 'wx', 0o600);
    return new DumpFileSink(fh, tempPath, join(dir, finalName), onProgress);
  }

  /** The first bytes written, to check the dump's magic. */
  get magic(): Buffer {
    return this.head;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.settle(this.writeAll([chunk]), done);
  }

  override _writev(chunks: { chunk: Buffer }[], done: (err?: Error | null) => void): void {
    this.settle(this.writeAll(chunks.map((c) => c.chunk)), done);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.sha256 = this.hash.digest('hex');
    this.settle(
      this.fh.sync().then(() => this.close()),
      done,
    );
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.close().then(
      () => done(err),
      () => done(err),
    );
  }

  /**
   * Gives the complete dump its final name and writes `<name>.sha256` beside it. Uses a hard
   * link, which never replaces an existing file: a dump of the same second may be the very
   * file a restore is reading.
   */
  async commit(): Promise<CommittedDump> {
    if (this.sha256 === undefined || !this.writableFinished) {
      throw new DeployctlError(
        'INTERNAL',
        'a backup was committed before it was complete; this is a bug in deployctl.',
      );
    }
    await publish(this.tempPath, this.finalPath);
    const checksumPath = join(dirname(this.finalPath), checksumFileName(basename(this.finalPath)));
    await writeChecksumFile(checksumPath, this.sha256, this.finalPath);
    await syncDir(dirname(this.finalPath));
    return { path: this.finalPath, checksumPath, bytes: this.bytes, sha256: this.sha256 };
  }

  /** Removes the temporary file whatever state the write is in. */
  async discard(): Promise<void> {
    if (!this.destroyed) this.destroy();
    await this.close().catch(() => undefined);
    await unlink(this.tempPath).catch(ignoreMissing);
  }

  private async writeAll(buffers: Buffer[]): Promise<void> {
    for (const b of buffers) {
      this.hash.update(b);
      if (this.head.length < 16) this.head = Buffer.concat([this.head, b.subarray(0, 16 - this.head.length)]);
    }
    let pending = buffers;
    while (pending.length > 0) {
      const { bytesWritten } = await this.fh.writev(pending);
      this.bytes += bytesWritten;
      pending = dropBytes(pending, bytesWritten);
    }
    this.onProgress?.(this.bytes);
  }

  private settle(work: Promise<void>, done: (err?: Error | null) => void): void {
    work.then(
      () => done(),
      (err: NodeJS.ErrnoException) => {
        this.failure ??= err;
        done(err);
      },
    );
  }

  private async close(): Promise<void> {
    if (this.fileClosed) return;
    this.fileClosed = true;
    await this.fh.close();
  }
}

/** What is left of `buffers` after the first `n` bytes were written. */
function dropBytes(buffers: Buffer[], n: number): Buffer[] {
  let skip = n;
  const rest: Buffer[] = [];
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    rest.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return rest;
}

async function publish(temp: string, final: string): Promise<void> {
  const taken = (cause?: unknown): DeployctlError =>
    new DeployctlError(
      'BACKUP_FAILED',
      `${final} already exists and was left as it is; the new dump was discarded. Re-run the backup in a second.`,
      { cause },
    );
  try {
    await link(temp, final);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw taken(err);
    // Filesystems without hard links: check, then rename (the project lock keeps this race-free).
    if (await exists(final)) throw taken();
    await rename(temp, final);
    return;
  }
  await unlink(temp);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function syncDir(dir: string): Promise<void> {
  // Makes the rename itself durable. Some filesystems refuse fsync on a directory: not fatal.
  const fh = await open(dir, 'r').catch(() => undefined);
  if (!fh) return;
  await fh.sync().catch(() => undefined);
  await fh.close();
}

function ignoreMissing(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
}
