/**
 * Memory stays flat whatever the dump's size: 128 MiB through the backup path (engine exec ->
 * file) and the restore path (file -> engine exec) with a slow consumer, RSS sampled after a
 * forced GC. Buffering the dump anywhere would show as growth near its size. A plain file
 * streams from one refilled buffer; a gzip through zlib's fresh ones.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { runBackup } from '../../../src/db/backup.js';
import { RECLAIM_EVERY } from '../../../src/db/deps.js';
import { runRestore } from '../../../src/db/restore.js';
import { RecordingIoHost } from '../../../src/io/io-host.js';
import { FakePg, appliedEngine, dbSpec, tempDir, testClock } from './db-fixture.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MiB = 1024 * 1024;
const SIZE = 128 * MiB;

/** `total` bytes starting with PGDMP, in 64 KiB chunks, hashed as produced. */
function dumpStream(total: number): { stream: Readable; sha256: () => string } {
  const hash = createHash('sha256');
  let sent = 0;
  let x = 0x12345678;
  const stream = new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const n = Math.min(64 * 1024, total - sent);
      const buf = Buffer.allocUnsafe(n);
      for (let i = 0; i + 4 <= n; i += 4) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        buf.writeUInt32LE(x >>> 0, i);
      }
      if (sent === 0) buf.write('PGDMP', 0, 'latin1');
      hash.update(buf);
      sent += n;
      this.push(buf);
    },
  });
  return { stream, sha256: () => hash.digest('hex') };
}

function rssSampler(): { stop(): number } {
  gc();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => {
    gc();
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  return {
    stop: () => {
      clearInterval(timer);
      gc();
      peak = Math.max(peak, process.memoryUsage().rss);
      return (peak - baseline) / MiB;
    },
  };
}

async function setup() {
  const dir = await tempDir();
  const spec = dbSpec(join(dir, 'backups'));
  const clock = testClock();
  const engine = appliedEngine(spec, clock);
  const pg = new FakePg();
  engine.onExec(pg.handler);
  return { dir, spec, engine, pg, deps: { engine, io: new RecordingIoHost(), clock } };
}

describe('streaming', () => {
  it('backup: 128 MiB from pg_dump to disk with flat memory and the right sha256', async () => {
    const { spec, engine, pg, deps } = await setup();
    const source = dumpStream(SIZE);
    engine.onExec(async (c, cmd, opts) => {
      if (cmd[0] !== 'pg_dump') return pg.handler(c, cmd, opts);
      // As the engine does: write with backpressure into the given stdout, end it.
      await pipeline(source.stream, opts.stdout as Writable);
      return { exitCode: 0, stdout: '', stderr: '' };
    });
    let reclaims = 0;
    const sampler = rssSampler();
    const result = await runBackup({ spec }, { ...deps, reclaim: () => reclaims++ });
    const growth = sampler.stop();
    console.log(`backup stream: ${SIZE / MiB} MiB, RSS growth ${growth.toFixed(1)} MiB`);

    expect(result.bytes).toBe(SIZE);
    expect((await stat(result.path)).size).toBe(SIZE);
    expect(result.sha256).toBe(source.sha256());
    expect((await readFile(`${result.path}.sha256`, 'utf8')).split(' ')[0]).toBe(result.sha256);
    expect(growth).toBeLessThan(40);
    // The host is offered a collection every RECLAIM_EVERY bytes streamed.
    expect(reclaims).toBe(SIZE / RECLAIM_EVERY);
  }, 60_000);

  it('restore: 128 MiB from disk into pg_restore, read slowly, with flat memory', async () => {
    const { dir, spec, engine, pg, deps } = await setup();
    const dumpPath = join(dir, 'big.dump');
    const source = dumpStream(SIZE);
    await pipeline(source.stream, createWriteStream(dumpPath));
    const expected = source.sha256();
    let received = '';
    const backing = new Set<ArrayBufferLike>();
    engine.onExec(async (c, cmd, opts) => {
      if (cmd[0] !== 'pg_restore' || cmd.includes('--list')) return pg.handler(c, cmd, opts);
      const hash = createHash('sha256');
      let n = 0;
      for await (const chunk of opts.stdin as AsyncIterable<Buffer>) {
        backing.add(chunk.buffer);
        hash.update(chunk);
        // A consumer slower than the disk: every 4 MiB it pauses.
        if ((n += chunk.length) % (4 * MiB) < chunk.length) await new Promise((r) => setTimeout(r, 5));
      }
      received = hash.digest('hex');
      return { exitCode: 0, stdout: '', stderr: '' };
    });
    let reclaims = 0;
    const sampler = rssSampler();
    await runRestore(
      { spec, dumpPath, safetyBackup: false, keepAppsRunning: true, autoApprove: true },
      { ...deps, reclaim: () => reclaims++ },
    );
    const growth = sampler.stop();
    console.log(`restore stream: ${SIZE / MiB} MiB, RSS growth ${growth.toFixed(1)} MiB`);

    expect(received).toBe(expected);
    expect(growth).toBeLessThan(40);
    // Every chunk is the same refilled buffer: nothing for a collector to reclaim.
    expect(backing.size).toBe(1);
    expect(reclaims).toBe(0);
  }, 60_000);

  it('restore of a gzip: the content arrives whole, and the host is offered collections', async () => {
    const { dir, spec, engine, pg, deps } = await setup();
    const dumpPath = join(dir, 'big.dump.gz');
    const source = dumpStream(32 * MiB);
    await pipeline(source.stream, createGzip({ level: 1 }), createWriteStream(dumpPath));
    const expected = source.sha256();
    let received = '';
    engine.onExec(async (c, cmd, opts) => {
      if (cmd[0] !== 'pg_restore' || cmd.includes('--list')) return pg.handler(c, cmd, opts);
      const hash = createHash('sha256');
      for await (const chunk of opts.stdin as AsyncIterable<Buffer>) hash.update(chunk);
      received = hash.digest('hex');
      return { exitCode: 0, stdout: '', stderr: '' };
    });
    let reclaims = 0;
    await runRestore(
      { spec, dumpPath, safetyBackup: false, keepAppsRunning: true, autoApprove: true },
      { ...deps, reclaim: () => reclaims++ },
    );
    expect(received).toBe(expected);
    // zlib hands out fresh buffers: one offer per RECLAIM_EVERY bytes of the file read.
    const fileBytes = (await stat(dumpPath)).size;
    expect(reclaims).toBe(Math.floor(fileBytes / RECLAIM_EVERY));
  }, 60_000);
});
