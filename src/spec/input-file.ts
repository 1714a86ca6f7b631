import { open, type FileHandle } from 'node:fs/promises';

/** What kept an input file from being read as text. */
export type InputProblem =
  | { kind: 'unreadable'; code: string }
  /** `bytes` is the file's size, or for a pipe the bytes read before giving up (`atLeast`). */
  | { kind: 'too-large'; bytes: number; limit: number; atLeast: boolean }
  | { kind: 'not-text'; line: number; col: number; what: string };

export type InputText = { ok: true; text: string } | { ok: false; problem: InputProblem };

const CHUNK = 64 * 1024;

/**
 * Reads a file the user gave as input (spec, .env, plan) as UTF-8 text, never more than `limit`
 * bytes of it: a regular file is refused by its size before anything is read, a pipe or device
 * (`-f <(…)`, `/dev/stdin`) once it has produced more than `limit`. Refuses what is not text
 * (invalid UTF-8, NUL and other control characters) at the first offending byte, so binary
 * garbage never reaches the YAML parser. A leading UTF-8 byte order mark is dropped.
 */
export async function readInputText(path: string, limit: number): Promise<InputText> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    return unreadable(err);
  }
  try {
    const stat = await fh.stat();
    if (stat.isDirectory()) return { ok: false, problem: { kind: 'unreadable', code: 'EISDIR' } };
    if (stat.isFile() && stat.size > limit)
      return { ok: false, problem: { kind: 'too-large', bytes: stat.size, limit, atLeast: false } };
    const bytes = await readAtMost(fh, limit);
    if (bytes.length > limit)
      return { ok: false, problem: { kind: 'too-large', bytes: bytes.length, limit, atLeast: true } };
    return decodeText(bytes);
  } catch (err) {
    return unreadable(err);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/** Up to `limit + 1` bytes: one more than allowed tells "too large" from "exactly the limit". */
async function readAtMost(fh: FileHandle, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buf = Buffer.alloc(Math.min(CHUNK, limit + 1 - total));
    const { bytesRead } = await fh.read(buf, 0, buf.length, null);
    if (bytesRead === 0) break;
    chunks.push(buf.subarray(0, bytesRead));
    total += bytesRead;
    if (total > limit) break;
  }
  return Buffer.concat(chunks, total);
}

function unreadable(err: unknown): InputText {
  return { ok: false, problem: { kind: 'unreadable', code: (err as NodeJS.ErrnoException).code ?? 'EIO' } };
}

/** The bytes as text, or where and why they are not text. */
export function decodeText(bytes: Buffer): InputText {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
    return notText(bytes, 0, 'is UTF-16 text (it starts with a UTF-16 byte order mark); save it as UTF-8');
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const bad = firstNonText(bytes, start);
  if (bad) return notText(bytes, bad.offset, bad.what);
  return { ok: true, text: bytes.toString('utf8', start) };
}

function notText(bytes: Buffer, offset: number, what: string): InputText {
  let line = 1;
  let lineStart = 0;
  for (let i = bytes.indexOf(10); i !== -1 && i < offset; i = bytes.indexOf(10, i + 1)) {
    line++;
    lineStart = i + 1;
  }
  // Column in characters, like every other position deployctl reports.
  const col = bytes.toString('utf8', lineStart, offset).length + 1;
  return { ok: false, problem: { kind: 'not-text', line, col, what } };
}

/**
 * The first byte that makes this not UTF-8 text: a malformed sequence, or a control character
 * other than tab, line feed and carriage return (YAML forbids them; NUL usually means binary).
 */
function firstNonText(b: Buffer, from: number): { offset: number; what: string } | undefined {
  for (let i = from; i < b.length;) {
    const c = b[i] ?? 0;
    if (c < 0x80) {
      if (c === 0) return { offset: i, what: 'contains a NUL byte, so it is a binary file, not YAML text' };
      if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f)
        return {
          offset: i,
          what: `contains the control character ${hex(c)}, which YAML does not allow; remove it`,
        };
      i++;
      continue;
    }
    const len = sequenceLength(b, i);
    if (len === 0) return { offset: i, what: `is not valid UTF-8 (byte ${hex(c)}); save it as UTF-8` };
    i += len;
  }
  return undefined;
}

/** Length of the well-formed UTF-8 sequence at `i` (RFC 3629: no overlongs, no surrogates), or 0. */
function sequenceLength(b: Buffer, i: number): number {
  const c = b[i] ?? 0;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const x = b[i + k];
    return x !== undefined && x >= lo && x <= hi;
  };
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c >= 0xe1 && c <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0').toUpperCase()}`;
}
