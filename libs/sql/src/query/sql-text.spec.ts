import type { ColumnSchema } from '@omega/datasets';
import { SqlParams } from './sql-params';
import { quoteIdentifier, wrapQuery } from './sql-text';

const column = (name: string, type: ColumnSchema['type'] = 'string'): ColumnSchema => ({
  name,
  key: name,
  type,
});

describe('sql text', () => {
  it('quotes names per dialect, doubling the quote character', () => {
    expect(quoteIdentifier('postgres', 'a"b')).toBe('"a""b"');
    expect(quoteIdentifier('sqlite', 'x')).toBe('"x"');
    expect(quoteIdentifier('mysql', 'a`b')).toBe('`a``b`');
    expect(quoteIdentifier('mssql', 'a]b')).toBe('[a]]b]');
  });

  it('runs the query as it is when nothing wraps it', () => {
    expect(wrapQuery('postgres', 'SELECT 1', {}, new SqlParams('postgres'))).toBe('SELECT 1');
  });

  it('wraps with bound filters, order and paging', () => {
    const params = new SqlParams('postgres');
    params.add('from the query');
    const text = wrapQuery(
      'postgres',
      'SELECT * FROM t WHERE z = $1',
      {
        columns: ['a', 'n'],
        conditions: [
          { column: column('a'), op: 'startswith', value: '50%_' },
          { column: column('n', 'integer'), op: 'in', value: [1, 2] },
          { column: column('n', 'integer'), op: 'ne', value: 3 },
        ],
        sort: [{ column: column('n', 'integer'), direction: -1 }],
        skip: 5,
        limit: 10,
      },
      params,
    );
    expect(text).toBe(
      'SELECT "a", "n" FROM (SELECT * FROM t WHERE z = $1) omega_q WHERE "a" LIKE $2 ESCAPE \'!\' AND "n" IN ($3, $4) AND ("n" <> $5 OR "n" IS NULL) ORDER BY "n" DESC LIMIT 10 OFFSET 5',
    );
    expect(params.values).toEqual(['from the query', '50!%!_%', 1, 2, 3]);
  });

  it('pages each dialect its own way', () => {
    const spec = { skip: 2 };
    expect(wrapQuery('mysql', 'Q', spec, new SqlParams('mysql'))).toBe(
      'SELECT * FROM (Q) omega_q LIMIT 18446744073709551615 OFFSET 2',
    );
    expect(wrapQuery('sqlite', 'Q', spec, new SqlParams('sqlite'))).toBe(
      'SELECT * FROM (Q) omega_q LIMIT -1 OFFSET 2',
    );
    expect(wrapQuery('mssql', 'Q', { skip: 2, limit: 3 }, new SqlParams('mssql'))).toBe(
      'SELECT * FROM (Q) AS omega_q ORDER BY (SELECT NULL) OFFSET 2 ROWS FETCH NEXT 3 ROWS ONLY',
    );
  });
});
