import { BLOCK_POINTS, packPoints, unpackBlock } from './metric-blocks';

describe('metric blocks', () => {
  it('round-trips points, names and order through packed blocks', () => {
    const points = Array.from({ length: BLOCK_POINTS + 7 }, (_, i) => ({
      key: i % 3 === 0 ? 'loss' : i % 3 === 1 ? 'acc' : 'val.loss',
      value: Math.sin(i) * 1e6,
      step: i,
      time: 1_700_000_000_000 + i,
    }));
    const blocks = packPoints(points);
    expect(blocks.map((block) => block.n)).toEqual([BLOCK_POINTS, 7]);
    expect(blocks[0].keys).toEqual(['loss', 'acc', 'val.loss']);
    expect(blocks[1].t0).toBe(1_700_000_000_000 + BLOCK_POINTS);
    expect(blocks.flatMap(unpackBlock)).toEqual(points);
  });

  it('refuses a block whose packed column is shorter than its count', () => {
    const [block] = packPoints([{ key: 'x', value: 1, step: 0, time: 0 }]);
    expect(() => unpackBlock({ ...block, n: 2 })).toThrow(/shorter/);
  });
});
