import { toFeatureMatrix, toTargets } from './feature-input';

describe('model inputs', () => {
  const rows = [
    [1, 2],
    [3, 4],
  ];

  it('reads rows, records, columns and a flat list with shape alike', () => {
    expect(toFeatureMatrix({ columns: ['a', 'b'], data: rows })).toEqual({ columns: ['a', 'b'], rows });
    expect(
      toFeatureMatrix({
        data: [
          { a: 1, b: 2 },
          { a: 3, b: 4 },
        ],
      }),
    ).toEqual({ columns: ['a', 'b'], rows });
    expect(toFeatureMatrix({ data: { a: [1, 3], b: [2, 4] } })).toEqual({ columns: ['a', 'b'], rows });
    expect(toFeatureMatrix({ data: [1, 2, 3, 4], shape: [2, 2] })).toEqual({ rows });
    expect(toFeatureMatrix(rows)).toEqual({ rows });
    // `columns` orders the features of records.
    expect(toFeatureMatrix({ columns: ['b', 'a'], data: [{ a: 1, b: 2 }] }).rows).toEqual([[2, 1]]);
  });

  it.each([
    [{ data: [] }, 'no rows'],
    [{ data: [[1, 2], [3]] }, 'row 1 has 1 values'],
    [{ data: [[1, 'x']] }, 'not a finite number'],
    [{ data: [[1, null]] }, 'not a finite number'],
    [{ data: [1, 2, 3], shape: [2, 2] }, 'shape is [2, 2]'],
    [{ data: [[1, 2]], shape: [2] }, 'shape must be'],
    [{ columns: ['a'], data: [[1, 2]] }, 'names 1 columns'],
    [{ data: [{ a: 1 }, { b: 2 }] }, 'lacks column a'],
    [{ data: { a: [1, 2], b: [1] } }, 'differ in length'],
    [{ data: 'text' }, 'list of rows'],
  ])('rejects %j (%s)', (input, message) => {
    expect(() => toFeatureMatrix(input)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining(message) }),
    );
  });

  it('reads targets from a list, a one-column body or records', () => {
    expect(toTargets([0, 1, 'a'])).toEqual([0, 1, 'a']);
    expect(toTargets({ data: [[0], [1]] })).toEqual([0, 1]);
    expect(toTargets({ data: [{ y: 'a' }, { y: 'b' }] })).toEqual(['a', 'b']);
    expect(toTargets({ data: { y: [1, 2] } })).toEqual([1, 2]);
    expect(() => toTargets({ data: [[0, 1]] })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => toTargets([])).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
