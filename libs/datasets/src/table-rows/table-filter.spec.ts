import { OmegaError } from '@omega/core';
import { ColumnSchema } from './column-types';
import { parseFilters, parseSort, toMongoFilter, toMongoSort } from './table-filter';

const columns: ColumnSchema[] = [
  { name: 'price', key: 'price', type: 'number' },
  { name: 'a.b', key: 'a~db', type: 'string' },
  { name: 'when', key: 'when', type: 'datetime' },
  { name: 'x__y', key: 'x__y', type: 'integer' },
];

describe('table filters', () => {
  it('casts text values to the column type and uses escaped keys', () => {
    const filter = toMongoFilter(
      parseFilters({ price__gte: '10.5', 'a.b__startswith': 'a.(b' }, columns, 'text'),
    );
    expect(filter).toEqual({ $and: [{ price: { $gte: 10.5 } }, { 'a~db': { $regex: '^a\\.\\(b' } }] });
  });

  it('prefers a whole column name over an operator suffix', () => {
    expect(toMongoFilter(parseFilters({ x__y: '3' }, columns, 'text'))).toEqual({ x__y: { $eq: 3 } });
    expect(toMongoFilter(parseFilters({ x__y__in: '1,2' }, columns, 'text'))).toEqual({
      x__y: { $in: [1, 2] },
    });
  });

  it('keeps JSON values as data, never as operators', () => {
    expect(() => parseFilters({ price: { $gt: 1 } }, columns, 'json')).toThrow(OmegaError);
    expect(toMongoFilter(parseFilters({ when__lt: '2024-01-01' }, columns, 'json'))).toEqual({
      when: { $lt: new Date('2024-01-01') },
    });
  });

  it('always sorts by row id last, for stable paging', () => {
    expect(toMongoSort(parseSort('-price,a.b', columns))).toEqual({ price: -1, 'a~db': 1, _id: 1 });
  });
});
