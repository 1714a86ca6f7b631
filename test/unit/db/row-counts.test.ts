import { describe, expect, it } from 'vitest';
import { countSql, groupThousands, summarizeRows } from '../../../src/db/row-counts.js';

describe('countSql: exact counts of the tables a dump restored', () => {
  it('counts each named table at top level, quoted as it is, in name order', () => {
    expect(
      countSql([
        { schema: 'public', name: 'items' },
        { schema: 'Sales', name: 'order "lines"' },
      ]),
    ).toBe(
      [
        `SELECT 'public.items', count(*) FROM "public"."items"`,
        `UNION ALL SELECT 'Sales.order "lines"', count(*) FROM "Sales"."order ""lines"""`,
        'ORDER BY 1',
      ].join('\n'),
    );
  });

  it('cannot be turned into other SQL by a table name', () => {
    const sql = countSql([{ schema: 'public', name: `x'); DROP TABLE items; --` }]);
    expect(sql).toBe(
      `SELECT 'public.x''); DROP TABLE items; --', count(*) FROM "public"."x'); DROP TABLE items; --"\nORDER BY 1`,
    );
  });

  it('with no table still asks the database, and expects no row', () => {
    expect(countSql([])).toBe('SELECT NULL WHERE false');
  });
});

describe('summarizeRows', () => {
  it('totals the rows with thousands separators, singular and plural', () => {
    expect(
      summarizeRows([
        { table: 'public.items', rows: 2_000_000 },
        { table: 'public.tags', rows: 1204 },
      ]),
    ).toBe('2 tables, 2,001,204 rows');
    expect(summarizeRows([{ table: 'public.one', rows: 1 }])).toBe('1 table, 1 row');
    expect(summarizeRows([])).toBe('0 tables, 0 rows');
  });

  it('groups digits as en-US does', () => {
    for (const n of [0, 7, 999, 1000, 12_345, 999_999, 1_000_000, 123_456_789_012])
      expect(groupThousands(n)).toBe(n.toLocaleString('en-US'));
  });
});
