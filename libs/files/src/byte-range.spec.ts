import { OmegaError } from '@omega/core';
import { parseByteRange } from './byte-range';

describe('parseByteRange', () => {
  it('reads start-end, open end and suffix ranges', () => {
    expect(parseByteRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseByteRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseByteRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseByteRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
  });

  it('answers the whole file for no header or several ranges', () => {
    expect(parseByteRange(undefined, 100)).toBeUndefined();
    expect(parseByteRange('bytes=0-1,5-6', 100)).toBeUndefined();
  });

  it.each(['bytes=100-', 'bytes=9-3', 'items=0-1', 'bytes=-'])('rejects %j', (header) => {
    expect(() => parseByteRange(header, 100)).toThrow(OmegaError);
  });
});
