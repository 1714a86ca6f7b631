import type { ErrorCode } from '../errors.js';
import type { Engine } from '../engine/port.js';
import { queryRows } from './psql.js';
import type { DbTarget } from './target.js';

export interface TableRows {
  /** Schema-qualified, e.g. `public.items`. */
  table: string;
  rows: number;
}

/**
 * Exact `count(*)` of every user table in one query (query_to_xml runs a count per table
 * server-side), not the planner's estimates: these numbers are what people compare after a
 * restore. Ordinary and partitioned tables only; system schemas excluded.
 */
const COUNT_SQL = `
SELECT n.nspname || '.' || c.relname,
       (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY 1`;

/**
 * Row counts of the database's tables; with `only`, just those (schema-qualified names, as a
 * custom dump's table of contents lists them).
 */
export async function countRows(
  engine: Engine,
  target: DbTarget,
  fail: { code: ErrorCode; what: string },
  opts: { only?: ReadonlySet<string>; signal?: AbortSignal } = {},
): Promise<TableRows[]> {
  const rows = await queryRows(engine, target, COUNT_SQL, fail, opts.signal);
  return rows
    .filter(([table]) => table !== undefined && (!opts.only || opts.only.has(table)))
    .map(([table, count]) => ({ table: table!, rows: Number(count ?? 0) }));
}

/** "3 tables, 1,204 rows" */
export function summarizeRows(tables: TableRows[]): string {
  const total = tables.reduce((sum, t) => sum + t.rows, 0);
  return `${tables.length} table${tables.length === 1 ? '' : 's'}, ${total.toLocaleString('en-US')} row${total === 1 ? '' : 's'}`;
}
