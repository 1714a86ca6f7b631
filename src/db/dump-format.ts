/**
 * What a dump is, decided from its bytes and never from its name: `backup.sql` may well be a
 * custom-format dump, and `x.dump.gz` a plain one. Pure functions over the first bytes.
 */
export type DumpFormat = 'custom' | 'plain';

export type Classified = { ok: true; format: DumpFormat } | { ok: false; problem: string };

/** How many leading bytes classification looks at (of the decompressed content for gzip). */
export const HEAD_BYTES = 64 * 1024;

const SUPPORTED =
  'restore-db reads custom-format dumps (pg_dump -Fc) and plain SQL, either of them optionally gzipped';

/** Formats people plausibly pass by mistake, named so the message can say what to do. */
const OTHER_MAGIC: { magic: number[]; what: string; advice: string }[] = [
  { magic: [0x28, 0xb5, 0x2f, 0xfd], what: 'zstd-compressed', advice: 'decompress it first (zstd -d FILE)' },
  { magic: [0x42, 0x5a, 0x68], what: 'bzip2-compressed', advice: 'decompress it first (bunzip2 -k FILE)' },
  {
    magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
    what: 'xz-compressed',
    advice: 'decompress it first (xz -dk FILE)',
  },
  { magic: [0x04, 0x22, 0x4d, 0x18], what: 'lz4-compressed', advice: 'decompress it first (lz4 -d FILE)' },
  { magic: [0x50, 0x4b, 0x03, 0x04], what: 'a zip archive', advice: 'extract the dump from it first' },
];

export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Classifies content (already decompressed when the file was gzip): `PGDMP` starts a custom
 * dump; text starts plain SQL; anything else is refused with what it looks like instead.
 */
export function classifyContent(head: Buffer, insideGzip: boolean): Classified {
  if (head.length === 0)
    return { ok: false, problem: insideGzip ? 'is a gzip file with nothing inside' : 'is empty' };
  if (head.subarray(0, 5).toString('latin1') === 'PGDMP') return { ok: true, format: 'custom' };
  if (isGzip(head))
    return {
      ok: false,
      problem: 'is compressed twice (gzip inside gzip); decompress it once (gunzip FILE) and pass the result',
    };
  const other = OTHER_MAGIC.find((o) => o.magic.every((b, i) => head[i] === b));
  if (other) return { ok: false, problem: `is ${other.what}, which ${SUPPORTED}; ${other.advice}` };
  if (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') {
    return {
      ok: false,
      problem: `is a tar archive (pg_dump --format=tar?), which ${SUPPORTED}; convert it with \`pg_restore --format=tar -f dump.sql FILE\` or dump again with -Fc`,
    };
  }
  if (looksLikeText(head)) return { ok: true, format: 'plain' };
  return {
    ok: false,
    problem: `is not a database dump: no custom-format header (PGDMP)${insideGzip ? ' inside the gzip' : ', no gzip header'}, and it is binary data rather than SQL text. ${SUPPORTED}`,
  };
}

/**
 * SQL text has no NUL bytes and almost no control characters (pg_dump escapes them in COPY
 * data). Bytes >= 0x80 are fine: a dump may be in any server encoding, not only UTF-8.
 */
export function looksLikeText(buf: Buffer): boolean {
  if (buf.includes(0)) return false;
  let control = 0;
  for (const b of buf) {
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0b && b !== 0x0c && b !== 0x0d && b !== 0x1b)
      control++;
  }
  return control * 100 <= buf.length;
}

/** pg_dump's plain output starts with this comment and ends with the "complete" one. */
export const PLAIN_DUMP_HEADER = '-- PostgreSQL database dump';
export const PLAIN_DUMP_TRAILER = '-- PostgreSQL database dump complete';
