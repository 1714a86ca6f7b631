import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkDumpFile, startDumpCheck } from '../../../src/db/dump-check.js';
import { tempDir } from './db-fixture.js';

const custom = Buffer.concat([
  Buffer.from('PGDMP\x01\x0e\x00\x04\x08\x01', 'latin1'),
  Buffer.alloc(300_000, 3),
]);
const plainDump = [
  '--',
  '-- PostgreSQL database dump',
  '--',
  "SET client_encoding = 'UTF8';",
  'CREATE TABLE t (x int);',
  '--',
  '-- PostgreSQL database dump complete',
  '--',
  '',
].join('\n');
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

async function file(name: string, content: Buffer | string, checksum?: Buffer | string): Promise<string> {
  const dir = await tempDir();
  const path = join(dir, name);
  await writeFile(path, content);
  if (checksum !== undefined) await writeFile(`${path}.sha256`, checksum);
  return path;
}

async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  return p.then(
    () => expect.unreachable('expected DUMP_INVALID'),
    (err: { code: string; message: string }) => err,
  );
}

describe('checking a dump before anything is touched', () => {
  it('accepts a custom dump, hashing it and matching its .sha256', async () => {
    const path = await file('anything.sql', custom, `${sha(custom)}  other-name.dump\n`);
    expect(await checkDumpFile(path)).toEqual({
      path,
      bytes: custom.length,
      format: 'custom',
      gzip: false,
      sha256: sha(custom),
      checksumFile: `${path}.sha256`,
    });
  });

  it('reads the format from inside a gzip, whatever the name says', async () => {
    const gz = gzipSync(custom);
    const asSql = await checkDumpFile(await file('dump.sql', gz));
    expect(asSql).toMatchObject({ format: 'custom', gzip: true, bytes: gz.length, sha256: sha(gz) });
    expect(asSql.checksumFile).toBeUndefined();
    expect(await checkDumpFile(await file('x.dump', gzipSync(plainDump)))).toMatchObject({
      format: 'plain',
      gzip: true,
    });
  });

  it('rejects a .sha256 mismatch, saying both hashes', async () => {
    const path = await file('x.dump', custom, `${'0'.repeat(64)}  x.dump\n`);
    const err = await rejection(checkDumpFile(path));
    expect(err.code).toBe('DUMP_INVALID');
    expect(err.message).toContain(`expected sha256 ${'0'.repeat(64)}, the file has ${sha(custom)}`);
    expect(err.message).toContain('Nothing was changed');
  });

  it('rejects a .sha256 that is not in sha256sum format', async () => {
    const err = await rejection(checkDumpFile(await file('x.dump', custom, 'hello\n')));
    expect(err.message).toMatch(/not in sha256sum format/);
  });

  it('refuses a .sha256 that is huge, endless or binary without reading it all', async () => {
    const huge = await rejection(
      checkDumpFile(await file('x.dump', custom, `${'0'.repeat(64)}  ${'x'.repeat(70_000)}\n`)),
    );
    expect(huge.code).toBe('DUMP_INVALID');
    expect(huge.message).toContain('that is larger than 65.5 kB, so it is not a sha256sum file');
    const path = await file('z.dump', custom);
    const { symlink } = await import('node:fs/promises');
    await symlink('/dev/zero', `${path}.sha256`);
    const endless = await rejection(checkDumpFile(path));
    expect(endless.message).toContain(`has a checksum file ${path}.sha256 that is larger than 65.5 kB`);
    const binary = await rejection(
      checkDumpFile(await file('b.dump', custom, Buffer.from([0x30, 0x00, 0x31]))),
    );
    expect(binary.message).toContain('that is not text (contains a NUL byte');
    expect(binary.message).toContain('Nothing was changed');
  });

  it('rejects a gzip whose CRC does not match (streamed to the end)', async () => {
    const gz = gzipSync(Buffer.concat([custom, custom]));
    gz[gz.length - 8]! ^= 0xff; // first byte of the CRC32 in the trailer
    const err = await rejection(checkDumpFile(await file('x.dump.gz', gz)));
    expect(err.code).toBe('DUMP_INVALID');
    expect(err.message).toMatch(/damaged gzip file \(incorrect data check\)/);
  });

  it('rejects a gzip that was cut short', async () => {
    const gz = gzipSync(Buffer.concat([custom, custom]));
    const err = await rejection(checkDumpFile(await file('x.dump.gz', gz.subarray(0, gz.length - 100))));
    expect(err.message).toMatch(/damaged gzip file .*cut short/);
  });

  it('rejects a pg_dump SQL script without its closing line', async () => {
    const cut = plainDump.slice(0, plainDump.indexOf('CREATE TABLE') + 10);
    const err = await rejection(checkDumpFile(await file('x.sql', cut)));
    expect(err.message).toMatch(
      /without its closing "-- PostgreSQL database dump complete" line: it was cut short/,
    );
    // A hand-written SQL file has no pg_dump header, so no trailer is expected.
    expect(await checkDumpFile(await file('y.sql', 'CREATE TABLE t (x int);\n'))).toMatchObject({
      format: 'plain',
    });
  });

  it('rejects SQL that turns binary further on', async () => {
    const err = await rejection(
      checkDumpFile(
        await file(
          'x.sql',
          Buffer.concat([Buffer.from('SELECT 1;\n'.repeat(10_000)), Buffer.from([0, 1, 2])]),
        ),
      ),
    );
    expect(err.message).toMatch(/contains binary data/);
  });

  it('rejects garbage, an empty file, a directory and a missing file, each saying so', async () => {
    expect(
      (
        await rejection(
          checkDumpFile(await file('x.dump', Buffer.from([0x00, 0x9f, 0x13, 0x02, 0xff, 0x00]))),
        )
      ).message,
    ).toMatch(/is not a database dump/);
    expect((await rejection(checkDumpFile(await file('x.dump', '')))).message).toMatch(/x\.dump is empty/);
    const dir = await tempDir();
    await mkdir(join(dir, 'd'));
    expect((await rejection(checkDumpFile(join(dir, 'd')))).message).toMatch(/is a directory/);
    expect((await rejection(checkDumpFile(join(dir, 'missing.dump')))).message).toMatch(
      /missing\.dump does not exist/,
    );
  });
});

describe('startDumpCheck: the same checks, started before anything else is ready', () => {
  it('gives the same result as checkDumpFile', async () => {
    const path = await file('x.dump', custom, `${sha(custom)}  x.dump\n`);
    const run = startDumpCheck(path);
    expect((await run.identified).format).toBe('custom');
    expect(await run.checked).toEqual(await checkDumpFile(path));
    run.dispose(); // after the end: nothing to stop
  });

  it('holds a failure until it is awaited (no unhandled rejection), then reports it', async () => {
    const dir = await tempDir();
    const run = startDumpCheck(join(dir, 'missing.dump'));
    await new Promise((r) => setTimeout(r, 20)); // the failure has happened, nobody awaits it yet
    expect((await rejection(run.checked)).message).toMatch(/missing\.dump does not exist/);
    expect((await rejection(run.identified)).code).toBe('DUMP_INVALID');
  });

  it("dispose stops the reading pass; the caller's own signal does too", async () => {
    const big = Buffer.alloc(64 * 1024 * 1024, 5);
    big.write('PGDMP', 0, 'latin1');
    const path = await file('big.dump', big);
    const run = startDumpCheck(path);
    await run.identified;
    run.dispose();
    expect((await rejection(run.checked)).code).toBe('INTERRUPTED');

    const ctrl = new AbortController();
    const second = startDumpCheck(path, ctrl.signal);
    await second.identified;
    ctrl.abort();
    expect((await rejection(second.checked)).code).toBe('INTERRUPTED');
  });
});
