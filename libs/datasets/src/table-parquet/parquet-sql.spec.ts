import { DuckDBTimestampTZValue } from '@duckdb/node-api';
import type { ColumnSchema } from '../table-rows/column-types';
import { parseFilters, parseSort } from '../table-rows/table-filter';
import { orderClause, partMayMatch, SqlParams, whereClause } from './parquet-sql';

const columns: ColumnSchema[] = [
  { name: 'price', key: 'price', type: 'number' },
  { name: 'it\'s "odd"; DROP', key: 'x', type: 'string' },
  { name: 'when', key: 'when', type: 'datetime' },
];
const indexOf = (column: ColumnSchema) => columns.indexOf(column);

describe('columnar table SQL', () => {
  it('binds every value and names only part columns', () => {
    const params = new SqlParams();
    const conditions = parseFilters(
      { price__gte: '10.5', [`${columns[1].name}__startswith`]: "a'; --", when__lt: '2024-01-01' },
      columns,
      'text',
    );
    const where = whereClause(conditions, indexOf, params);
    expect(where).toBe(' WHERE c0 >= $1 AND starts_with(c1, $2) AND c2 < $3');
    expect(params.values.slice(0, 2)).toEqual([10.5, "a'; --"]);
    expect(params.values[2]).toEqual(new DuckDBTimestampTZValue(BigInt(Date.UTC(2024, 0, 1)) * 1000n));
  });

  it('keeps MongoDB null semantics for ne, in and nin', () => {
    const params = new SqlParams();
    const conditions = parseFilters({ price__ne: 3, price__nin: [1, null] }, columns, 'json');
    expect(whereClause(conditions, indexOf, params)).toBe(
      ' WHERE c0 IS DISTINCT FROM $1 AND (c0 IS NOT NULL AND NOT (c0 IN ($2)))',
    );
  });

  it('sorts nulls as MongoDB does and always by row id last', () => {
    expect(orderClause(parseSort('-price,when', columns), indexOf)).toBe(
      ' ORDER BY c0 DESC NULLS LAST, c2 ASC NULLS FIRST, _r ASC',
    );
  });

  it('prunes by min/max for numbers and dates only, and by null counts for isnull', () => {
    const conditions = parseFilters(
      { price__gt: '5', [`${columns[1].name}`]: 'x', when__isnull: 'true' },
      columns,
      'text',
    );
    const part = (priceMax: number | null, whenNulls: number, width = 3) => ({
      types: ['DOUBLE', 'VARCHAR', 'TIMESTAMPTZ'].slice(0, width),
      stats: {
        c0: { min: priceMax === null ? null : 0, max: priceMax, nulls: 0 },
        c1: { min: 'a', max: 'b', nulls: 0 },
        ...(width > 2 ? { c2: { min: null, max: null, nulls: whenNulls } } : {}),
      },
    });
    // The string condition rules nothing out, even though 'x' is past the part's max 'b'.
    expect(partMayMatch(part(6, 1), conditions, indexOf)).toBe(true);
    expect(partMayMatch(part(5, 1), conditions, indexOf)).toBe(false);
    expect(partMayMatch(part(null, 1), conditions, indexOf)).toBe(false);
    expect(partMayMatch(part(6, 0), conditions, indexOf)).toBe(false);
    // A part written before the column existed holds it as null.
    expect(partMayMatch(part(6, 0, 2), conditions, indexOf)).toBe(true);
  });

  it('prunes dates by their time and keeps every part for a condition it cannot judge', () => {
    const day = Date.UTC(2024, 0, 10);
    const part = {
      types: ['DOUBLE', 'VARCHAR', 'TIMESTAMPTZ'],
      stats: { c2: { min: new Date(day), max: new Date(day + 86_400_000), nulls: 0 } },
    };
    const match = (filter: Record<string, string>) =>
      partMayMatch(part, parseFilters(filter, columns, 'text'), indexOf);
    expect(match({ when__lt: '2024-01-10' })).toBe(false);
    expect(match({ when__lte: '2024-01-10' })).toBe(true);
    expect(match({ when__gt: '2024-01-11' })).toBe(false);
    expect(match({ when: '2024-01-10T12:00:00Z' })).toBe(true);
    expect(match({ when: '2024-01-12' })).toBe(false);
    expect(match({ when__ne: '2024-01-12' })).toBe(true);
  });
});
