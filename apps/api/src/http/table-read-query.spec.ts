import { OmegaErrorCode } from '@omega/core';
import { TableReadQueryPipe } from './table-read-query';

describe('TableReadQueryPipe', () => {
  const pipe = new TableReadQueryPipe();

  it('splits the known options, validated, from the column__op filters', async () => {
    const read = await pipe.transform({
      price__gte: '2',
      region: 'EU',
      $price__lt: '9',
      limit: '10',
      skip: '',
      columns: ['id', 'price'],
      orient: 'records',
      format: 'csv',
    });
    expect(read.options).toEqual({ limit: 10, columns: ['id', 'price'], orient: 'records', format: 'csv' });
    expect(read.filters).toEqual({ price__gte: '2', region: 'EU', $price__lt: '9' });
  });

  it.each([
    [{ limit: '-1' }, 'limit must be an integer of 0 or more'],
    [{ skip: 'ten' }, 'skip must be an integer of 0 or more'],
    [{ limit: ['1', '2'] }, 'limit must be an integer of 0 or more'],
    [{ orient: 'split' }, 'orient must be dict or records'],
    [{ format: 'xml' }, 'format must be json, csv, arrow or parquet'],
    [{ $where: 'sleep(1000)' }, 'filter "$where" is a MongoDB operator'],
    [{ price__$gt: '1' }, 'filter "price__$gt" is a MongoDB operator'],
    [{ $or__in: 'a' }, 'filter "$or__in" is a MongoDB operator'],
    [{ 'a\u0001b': '1' }, 'control characters'],
    [{ '': '1' }, 'column names must not be empty'],
  ])('refuses %j with a 400 naming it', async (query, message) => {
    const refused = pipe.transform(query);
    await expect(refused).rejects.toMatchObject({ code: OmegaErrorCode.InvalidInput });
    await expect(refused).rejects.toThrow(message);
  });

  it('answers a query seen before from what it validated, the same and unchangeable; a refused one again', async () => {
    const own = new TableReadQueryPipe();
    const first = await own.transform({ orient: 'records', limit: '3', a__gt: '1' });
    const again = await own.transform({ orient: 'records', limit: '3', a__gt: '1' });
    expect(again).toBe(first);
    expect(Object.isFrozen(again.options) && Object.isFrozen(again.filters)).toBe(true);
    expect((await own.transform({ orient: 'records', limit: '4', a__gt: '1' })).options.limit).toBe(4);
    await expect(own.transform({ limit: '-1' })).rejects.toThrow('limit must be');
    await expect(own.transform({ limit: '-1' })).rejects.toThrow('limit must be');
  });
});
