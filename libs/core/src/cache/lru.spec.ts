import { Lru } from './lru';

describe('Lru', () => {
  it('holds at most its count of entries, dropping the least recently used first', () => {
    const lru = new Lru<number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1);
    lru.set('c', 3);
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual([1, undefined, 3]);
    expect(lru.size).toBe(2);
  });

  it('holds at most its weight, counting a replaced entry once', () => {
    const lru = new Lru<string>(10, (text) => text.length);
    lru.set('a', '1234');
    lru.set('a', '12345');
    lru.set('b', '12345');
    expect(lru.total).toBe(10);
    lru.set('c', '12');
    expect(lru.get('a')).toBeUndefined();
    expect(lru.total).toBe(7);
    lru.delete('b');
    lru.delete('b');
    expect(lru.total).toBe(2);
    lru.set('d', 'x'.repeat(11));
    expect(lru.size).toBe(0);
    expect(lru.total).toBe(0);
  });

  it('holds nothing with a max of 0', () => {
    const lru = new Lru<number>(0);
    lru.set('a', 1, ['g']);
    expect([lru.get('a'), lru.size, lru.groupCount]).toEqual([undefined, 0, 0]);
  });

  it("drops a group's entries and no other, forgetting the group once it is empty", () => {
    const lru = new Lru<number>(10);
    lru.set('t/parts_1/3/json/{}', 1, 't/parts_1');
    lru.set('t/parts_1/3/json/{"limit":1}', 2, 't/parts_1');
    lru.set('t/parts_12/3/json/{}', 3, 't/parts_12');
    lru.set('loose', 4);
    expect(lru.groupCount).toBe(2);
    expect(lru.deleteGroup('t/parts_1')).toBe(2);
    expect(lru.deleteGroup('t/parts_1')).toBe(0);
    expect(['t/parts_1/3/json/{}', 't/parts_12/3/json/{}', 'loose'].map((key) => lru.get(key))).toEqual([
      undefined,
      3,
      4,
    ]);
    expect([lru.size, lru.groupCount]).toEqual([2, 1]);
    // An entry evicted or replaced leaves its group too: no group outlives its entries.
    lru.set('t/parts_12/3/json/{}', 5, 't/parts_13');
    expect(lru.groupCount).toBe(1);
    for (let i = 0; i < 10; i++) lru.set(`filler/${i}`, i);
    expect([lru.groupCount, lru.get('t/parts_12/3/json/{}')]).toEqual([0, undefined]);
  });

  it('drops an entry of several groups with any of them, and leaves it in none', () => {
    const lru = new Lru<number>(10);
    lru.set('a', 1, ['user:1', 'key:1']);
    lru.set('b', 2, ['user:1', 'key:2']);
    lru.set('c', 3, ['user:2']);
    expect(lru.deleteGroup('key:1')).toBe(1);
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual([undefined, 2, 3]);
    expect(lru.deleteGroup('user:1')).toBe(1);
    expect([lru.get('b'), lru.get('c'), lru.groupCount]).toEqual([undefined, 3, 1]);
  });
});
