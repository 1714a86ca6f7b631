import { stat } from 'node:fs/promises';
import { readInputText } from '../spec/input-file.js';
import { formatBytes } from './bytes.js';
import { parseChecksumFile } from './checksum-file.js';
import {
  HEAD_BYTES,
  PLAIN_DUMP_HEADER,
  PLAIN_DUMP_TRAILER,
  classifyContent,
  isGzip,
  type DumpFormat,
} from './dump-format.js';
import { gzipDamaged, invalid } from './dump-invalid.js';
import { scanFile } from './dump-scan.js';
import { readGzipHead, readHead } from './dump-source.js';

/** A dump file that passed every check that does not need the database. */
export interface CheckedDump {
  path: string;
  /** Size of the file as stored (compressed, for gzip). */
  bytes: number;
  format: DumpFormat;
  gzip: boolean;
  sha256: string;
  /** `<path>.sha256`, when there was one (and it matched). */
  checksumFile?: string;
}

/** What the first bytes and the `.sha256` beside it say, before the whole file is read. */
export interface IdentifiedDump {
  path: string;
  bytes: number;
  format: DumpFormat;
  gzip: boolean;
  /** The start of the content (decompressed for gzip). */
  head: Buffer;
  /** The hash `<path>.sha256` holds, when there is one. */
  expectedSha256?: string;
}

/**
 * Step 1 of restore-db, before anything is touched: the file is readable, its format is
 * recognised from its content, a gzip decompresses to the end with a valid CRC, a plain pg_dump
 * script is complete, and `<file>.sha256` matches when present. One streaming pass whatever
 * the size. Every failure is DUMP_INVALID and says that nothing was changed.
 */
export async function checkDumpFile(
  path: string,
  opts: { signal?: AbortSignal; update?: (text: string) => void } = {},
): Promise<CheckedDump> {
  return verifyDump(await identifyDump(path), opts);
}

/** Step 1's file checks under way: started once the path is known, awaited when the step is shown. */
export interface DumpCheckRun {
  /** Size, format and `.sha256`, from the first bytes: settles first. */
  identified: Promise<IdentifiedDump>;
  /** Every check done: settles once the whole file was read. */
  checked: Promise<CheckedDump>;
  /** Sends the reading pass's progress to `update` from now on. */
  follow(update: (text: string) => void): void;
  /** Stops the reading pass if it is still going (the run ended without needing it). */
  dispose(): void;
}

/**
 * Starts checkDumpFile's work without waiting for anything else: it needs neither the spec nor
 * the engine, so restore-db reads the file while it loads the spec and takes the lock (the
 * waits on the engine leave the thread idle; ~25 ms sooner to the restore on a 91 MB dump).
 */
export function startDumpCheck(path: string, userSignal?: AbortSignal): DumpCheckRun {
  const stop = new AbortController();
  const signal = userSignal ? AbortSignal.any([userSignal, stop.signal]) : stop.signal;
  let forward: (text: string) => void = () => undefined;
  const identified = identifyDump(path);
  const checked = identified.then((d) => verifyDump(d, { signal, update: (text) => forward(text) }));
  // Awaited when step 1 is shown; a failure before that is not an unhandled one.
  checked.catch(() => undefined);
  return { identified, checked, follow: (update) => (forward = update), dispose: () => stop.abort() };
}

/** The cheap half of the check: size, format from the first bytes, the `.sha256` if any. */
export async function identifyDump(path: string): Promise<IdentifiedDump> {
  const bytes = await sizeOf(path);
  const rawHead = await readHead(path, HEAD_BYTES).catch((err: unknown) => {
    throw invalid(path, `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, err);
  });
  const gzip = isGzip(rawHead);
  const head = gzip
    ? await readGzipHead(path, HEAD_BYTES).catch((err: unknown) => {
        throw gzipDamaged(path, err);
      })
    : rawHead;
  const classified = classifyContent(head, gzip);
  if (!classified.ok) throw invalid(path, classified.problem);
  const expectedSha256 = await readExpectedChecksum(path, `${path}.sha256`);
  return {
    path,
    bytes,
    format: classified.format,
    gzip,
    head,
    ...(expectedSha256 !== undefined ? { expectedSha256 } : {}),
  };
}

/** The streaming half: reads the whole file once (hash, gzip CRC, plain-dump ending). */
export async function verifyDump(
  d: IdentifiedDump,
  opts: { signal?: AbortSignal; update?: (text: string) => void } = {},
): Promise<CheckedDump> {
  const { path, format, gzip, head, expectedSha256: expected } = d;
  const scan = await scanFile(path, { gzip, plain: format === 'plain', total: d.bytes, ...opts });
  if (format === 'plain' && head.includes(PLAIN_DUMP_HEADER) && !scan.tail.includes(PLAIN_DUMP_TRAILER)) {
    throw invalid(
      path,
      `is a pg_dump SQL script without its closing "${PLAIN_DUMP_TRAILER}" line: it was cut short`,
    );
  }
  if (format === 'plain' && scan.binary)
    throw invalid(path, 'starts as SQL text but contains binary data (NUL bytes) further on');
  const checksumFile = `${path}.sha256`;
  if (expected !== undefined && expected !== scan.sha256) {
    throw invalid(
      path,
      `does not match its checksum file ${checksumFile} (expected sha256 ${expected}, the file has ${scan.sha256}): it was damaged or changed after the backup`,
    );
  }
  return {
    path,
    bytes: d.bytes,
    format,
    gzip,
    sha256: scan.sha256,
    ...(expected !== undefined ? { checksumFile } : {}),
  };
}

/** "custom format, gzip, 85.3 MB, sha256 verified" */
export function describeDump(d: CheckedDump): string {
  const parts = [
    `${d.format === 'custom' ? 'custom format' : 'plain SQL'}${d.gzip ? ', gzip' : ''}`,
    formatBytes(d.bytes),
  ];
  parts.push(d.checksumFile ? 'sha256 matches' : 'no .sha256 beside it');
  return parts.join(', ');
}

async function sizeOf(path: string): Promise<number> {
  let s;
  try {
    s = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw invalid(
      path,
      code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`,
      err,
    );
  }
  if (s.isDirectory())
    throw invalid(
      path,
      'is a directory (a pg_dump --format=directory dump?); restore-db reads one file: a custom-format dump (-Fc) or plain SQL, optionally gzipped',
    );
  if (!s.isFile()) throw invalid(path, 'is not a regular file');
  return s.size;
}

const CHECKSUM_FILE_MAX_BYTES = 64 * 1024;

async function readExpectedChecksum(path: string, checksumFile: string): Promise<string | undefined> {
  // A sha256sum line is ~100 bytes: a larger file (or an endless device) is not one.
  const read = await readInputText(checksumFile, CHECKSUM_FILE_MAX_BYTES);
  if (!read.ok) {
    const { problem } = read;
    if (problem.kind === 'unreadable' && problem.code === 'ENOENT') return undefined;
    const why =
      problem.kind === 'unreadable'
        ? `cannot be read (${problem.code})`
        : problem.kind === 'too-large'
          ? `is larger than ${formatBytes(CHECKSUM_FILE_MAX_BYTES)}, so it is not a sha256sum file`
          : `is not text (${problem.what})`;
    throw invalid(path, `has a checksum file ${checksumFile} that ${why}`);
  }
  const text = read.text;
  const hash = parseChecksumFile(text);
  if (hash === undefined)
    throw invalid(
      path,
      `has a checksum file ${checksumFile} that is not in sha256sum format ("<64 hex digits>  <file name>")`,
    );
  return hash;
}
