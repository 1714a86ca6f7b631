/** psql prints this (via \echo) only after the COMMIT went through. */
export const COMMITTED_MARKER = 'deployctl-restore-committed';

/**
 * A plain SQL dump wrapped in deployctl's own transaction: `BEGIN;`, the file, then `COMMIT;`
 * and a marker. psql's `--single-transaction` would commit at end of input, and input cut
 * short (deployctl killed, the file unreadable half-way) looks just like the end; here a cut
 * stream never reaches COMMIT, so Postgres rolls everything back when the session ends.
 * The `;` line closes a last statement the file left without one.
 */
export async function* plainSqlInTransaction(content: AsyncIterable<Buffer>): AsyncGenerator<Buffer, void> {
  // On the file's first line, so psql's error line numbers are the file's own.
  yield Buffer.from('BEGIN; ');
  // Chunk by chunk, no read-ahead: the content may hand out one refilled buffer.
  yield* content;
  yield Buffer.from(`\n;\nCOMMIT;\n\\echo ${COMMITTED_MARKER}\n`);
}
