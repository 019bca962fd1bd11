import { DuckDBTimestampTZValue } from '@duckdb/node-api';
import type { ColumnSchema } from '../table-rows/column-types';
import { parseFilters, parseSort } from '../table-rows/table-filter';
import { orderClause, pruneFilter, SqlParams, whereClause } from './parquet-sql';

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
    expect(pruneFilter(conditions, indexOf)).toEqual([
      { 'stats.c0.max': { $gt: 5 } },
      { $or: [{ 'stats.c2.nulls': { $gt: 0 } }, { 'types.2': { $exists: false } }] },
    ]);
  });
});
