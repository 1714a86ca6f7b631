import { Readable } from 'node:stream';

/** psql prints this (via \echo) only after the COMMIT went through. */
export const COMMITTED_MARKER = 'deployctl-restore-committed';

/**
 * A plain SQL dump wrapped in deployctl's own transaction: `BEGIN;`, the file, then `COMMIT;`
 * and a marker. psql's `--single-transaction` would commit at end of input, and input cut
 * short (deployctl killed, the file unreadable half-way) looks just like the end; here a cut
 * stream never reaches COMMIT, so Postgres rolls everything back when the session ends.
 * The `;` line closes a last statement the file left without one.
 */
export function plainSqlInTransaction(content: Readable): Readable {
  async function* wrapped(): AsyncGenerator<Buffer> {
    // On the file's first line, so psql's error line numbers are the file's own.
    yield Buffer.from('BEGIN; ');
    for await (const chunk of content as AsyncIterable<Buffer>) yield chunk;
    yield Buffer.from(`\n;\nCOMMIT;\n\\echo ${COMMITTED_MARKER}\n`);
  }
  return Readable.from(wrapped(), { objectMode: false, highWaterMark: 1024 * 1024 });
}
