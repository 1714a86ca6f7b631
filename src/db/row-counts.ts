import type { ErrorCode } from '../errors.js';
import type { Engine } from '../engine/port.js';
import { queryRows } from './psql.js';
import type { DbTarget } from './target.js';

export interface TableRows {
  /** Schema-qualified, e.g. `public.items`. */
  table: string;
  rows: number;
}

/** A table by schema and name, as they are (not quoted): `pg_restore --list` prints them so. */
export interface TableRef {
  schema: string;
  name: string;
}

/**
 * Exact `count(*)` of every user table in one query (query_to_xml runs a count per table
 * server-side), not the planner's estimates: these numbers are what people compare after a
 * restore. Ordinary and partitioned tables only; system schemas excluded.
 */
const COUNT_ALL_SQL = `
SELECT n.nspname || '.' || c.relname,
       (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY 1`;

/**
 * The same counts for tables known by name (a custom dump's table of contents), as plain
 * top-level counts: Postgres may scan each with parallel workers, which it does not do for
 * the queries query_to_xml runs, and the database's other tables are not read at all. The
 * first read of freshly restored rows still costs most of a scan: it sets their hint bits.
 * With no table it still asks the database.
 */
export function countSql(tables: readonly TableRef[]): string {
  if (tables.length === 0) return 'SELECT NULL WHERE false';
  const count = (t: TableRef): string =>
    `SELECT ${literal(`${t.schema}.${t.name}`)}, count(*) FROM ${ident(t.schema)}.${ident(t.name)}`;
  return `${tables.map(count).join('\nUNION ALL ')}\nORDER BY 1`;
}

const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** Row counts of the database's tables; with `only`, of just those. */
export async function countRows(
  engine: Engine,
  target: DbTarget,
  fail: { code: ErrorCode; what: string },
  opts: { only?: readonly TableRef[]; signal?: AbortSignal } = {},
): Promise<TableRows[]> {
  const sql = opts.only ? countSql(opts.only) : COUNT_ALL_SQL;
  const rows = await queryRows(engine, target, sql, fail, opts.signal);
  return rows
    .filter(([table]) => table !== undefined)
    .map(([table, count]) => ({ table: table!, rows: Number(count ?? 0) }));
}

/** "3 tables, 1,204 rows" */
export function summarizeRows(tables: TableRows[]): string {
  const total = tables.reduce((sum, t) => sum + t.rows, 0);
  return `${tables.length} table${tables.length === 1 ? '' : 's'}, ${groupThousands(total)} row${total === 1 ? '' : 's'}`;
}

/**
 * 2000000 -> "2,000,000". Not toLocaleString: its first call loads ICU's locale data, ~30 ms
 * of a restore's fixed cost for three commas.
 */
export function groupThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
