import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { classifyContent, isGzip, looksLikeText } from '../../../src/db/dump-format.js';
import { parseTocLine } from '../../../src/db/dump-toc.js';
import { parseChecksumFile, formatChecksumLine } from '../../../src/db/checksum-file.js';

/** Deterministic "random" bytes (xorshift): what a corrupted or unrelated file looks like. */
function noise(n: number, seed = 0x2545f491): Buffer {
  const buf = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x & 0xff;
  }
  return buf;
}

describe('format detection from content', () => {
  it('recognises a custom dump by its PGDMP magic, whatever follows', () => {
    expect(classifyContent(Buffer.concat([Buffer.from('PGDMP'), noise(100)]), false)).toEqual({
      ok: true,
      format: 'custom',
    });
  });

  it('recognises plain SQL text, in UTF-8 or another 8-bit encoding', () => {
    expect(
      classifyContent(
        Buffer.from("--\n-- PostgreSQL database dump\n--\nSET x = 1;\nINSERT INTO t VALUES ('ñ');\n"),
        false,
      ),
    ).toEqual({ ok: true, format: 'plain' });
    expect(classifyContent(Buffer.from("INSERT INTO t VALUES ('caf\xe9');\n", 'latin1'), true)).toEqual({
      ok: true,
      format: 'plain',
    });
  });

  it('rejects binary garbage, naming what was expected', () => {
    const result = classifyContent(noise(4096), false);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problem).toMatch(
      /not a database dump: no custom-format header \(PGDMP\), no gzip header, and it is binary data/,
    );
  });

  it('rejects an empty file and an empty gzip', () => {
    expect(classifyContent(Buffer.alloc(0), false)).toEqual({ ok: false, problem: 'is empty' });
    expect(classifyContent(Buffer.alloc(0), true)).toEqual({
      ok: false,
      problem: 'is a gzip file with nothing inside',
    });
  });

  it('names other compressions and tar with the command that helps', () => {
    const zstd = classifyContent(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3]), false);
    expect(!zstd.ok && zstd.problem).toMatch(/zstd-compressed.*zstd -d FILE/);
    const tar = Buffer.alloc(1024);
    tar.write('ustar', 257, 'latin1');
    tar.write('toc.dat', 0, 'latin1');
    const t = classifyContent(tar, false);
    expect(!t.ok && t.problem).toMatch(/tar archive/);
    const twice = classifyContent(gzipSync(Buffer.from('SELECT 1;')), true);
    expect(!twice.ok && twice.problem).toMatch(/compressed twice/);
  });

  it('sees gzip by its magic bytes only', () => {
    expect(isGzip(gzipSync(Buffer.from('x')))).toBe(true);
    expect(isGzip(Buffer.from('PGDMP'))).toBe(false);
    expect(isGzip(Buffer.from([0x1f]))).toBe(false);
  });

  it('treats NUL bytes and many control characters as binary', () => {
    expect(looksLikeText(Buffer.from('SELECT 1;\0'))).toBe(false);
    expect(looksLikeText(Buffer.from('SELECT 1;\x01\x02\x03'))).toBe(false);
    expect(looksLikeText(Buffer.from('SELECT 1;\r\n\tSELECT 2;\f\n'))).toBe(true);
  });
});

describe('pg_restore --list lines', () => {
  it('names tables with their schema, ignores other entries and comments', () => {
    expect(parseTocLine('214; 1259 16385 TABLE public items shop')).toEqual({
      table: { schema: 'public', name: 'items' },
    });
    expect(parseTocLine('216; 1259 16427 TABLE public my table shop')).toEqual({
      table: { schema: 'public', name: 'my table' },
    });
    expect(parseTocLine('3344; 0 16385 TABLE DATA public items shop')).toEqual({});
    expect(parseTocLine('3201; 2606 16391 CONSTRAINT public items items_pkey shop')).toEqual({});
    expect(parseTocLine(';     TOC Entries: 9')).toBeUndefined();
    expect(parseTocLine('')).toBeUndefined();
  });
});

describe('sha256sum files', () => {
  const hash = 'ab'.repeat(32);
  it('reads the forms sha256sum writes and a bare hash', () => {
    expect(parseChecksumFile(formatChecksumLine(hash, 'x.dump'))).toBe(hash);
    expect(parseChecksumFile(`${hash.toUpperCase()} *x.dump\n`)).toBe(hash);
    expect(parseChecksumFile(`\n${hash}\n`)).toBe(hash);
  });

  it('refuses what is not one', () => {
    expect(parseChecksumFile('not a hash  x.dump')).toBeUndefined();
    expect(parseChecksumFile(`${hash.slice(1)}  x.dump`)).toBeUndefined();
    expect(parseChecksumFile('')).toBeUndefined();
  });

  it('writes "<hash>  <name>" with two spaces, as sha256sum -c expects', () => {
    expect(formatChecksumLine(hash, 'shop_db_20261123T080000Z.dump')).toBe(
      `${hash}  shop_db_20261123T080000Z.dump\n`,
    );
  });
});
