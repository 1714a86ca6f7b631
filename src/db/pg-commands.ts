/**
 * The pg_* command lines deployctl runs inside the database container, in one place so the
 * flags that carry the safety guarantees (one transaction, stop on the first error) are easy
 * to review. Arguments are argv entries, never a shell string: nothing is interpreted twice.
 */
import type { DbTarget } from './target.js';

/** Custom format (compressed, restorable with pg_restore), to stdout. */
export function pgDumpCommand(t: DbTarget): string[] {
  return ['pg_dump', '--format=custom', '--username', t.user, '--dbname', t.database];
}

/** Reads the archive's table of contents from stdin; fails on a damaged header or TOC. */
export function pgRestoreListCommand(): string[] {
  return ['pg_restore', '--list'];
}

/**
 * All or nothing: `--single-transaction` (which implies --exit-on-error) makes a failure
 * half-way roll back everything, and `--clean --if-exists` replaces the objects the dump holds.
 * `--no-owner` because the dump's roles need not exist on this server.
 */
export function pgRestoreCommand(t: DbTarget): string[] {
  return [
    'pg_restore',
    '--clean',
    '--if-exists',
    '--single-transaction',
    '--no-owner',
    '--username',
    t.user,
    '--dbname',
    t.database,
  ];
}

/**
 * Plain SQL from stdin. The transaction is opened and committed by deployctl's own lines around
 * the file (see plain-sql-stream.ts) rather than by `--single-transaction`, because psql commits
 * that one at end of input, and a stream cut short (deployctl killed) looks exactly like that.
 * `-o /dev/null` drops query results; `\echo` (the completion marker) still reaches stdout.
 */
export function psqlRestoreCommand(t: DbTarget): string[] {
  return [
    'psql',
    '-X',
    '-q',
    '-o',
    '/dev/null',
    '-v',
    'ON_ERROR_STOP=1',
    '--username',
    t.user,
    '--dbname',
    t.database,
    '-f',
    '-',
  ];
}

/** One query, unaligned, tab-separated, no headers: rows come back as `a\tb\n`. */
export function psqlQueryCommand(t: DbTarget, sql: string): string[] {
  return [
    'psql',
    '-X',
    '-A',
    '-t',
    '-q',
    '-F',
    '\t',
    '-v',
    'ON_ERROR_STOP=1',
    '--username',
    t.user,
    '--dbname',
    t.database,
    '-c',
    sql,
  ];
}

export function pgIsReadyCommand(t: DbTarget): string[] {
  return ['pg_isready', '--username', t.user, '--dbname', t.database];
}
