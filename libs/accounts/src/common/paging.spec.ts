import { pageOf } from './paging';

describe('pageOf', () => {
  it('defaults to the first 100 and bounds what a caller may ask for', () => {
    expect(pageOf()).toEqual({ take: 100, skip: 0 });
    expect(pageOf({ limit: 5, offset: 10 })).toEqual({ take: 5, skip: 10 });
    expect(pageOf({ limit: 1_000_000, offset: -3 })).toEqual({ take: 1000, skip: 0 });
    expect(pageOf({ limit: 0 })).toEqual({ take: 1, skip: 0 });
    expect(pageOf({ limit: 2.5 })).toEqual({ take: 100, skip: 0 });
  });
});
