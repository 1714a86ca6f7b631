import { describe, expect, it } from 'vitest';
import { countSql } from '../../../src/db/row-counts.js';

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
