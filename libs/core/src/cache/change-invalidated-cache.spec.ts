import { Logger } from '@nestjs/common';
import { ChangeEvents, ChangeTransport } from '../events/change-events';
import { ChangeInvalidatedCache, ChangeInvalidatedCacheOptions } from './change-invalidated-cache';

const TOPIC = 'things';

function cacheOf(options: Partial<ChangeInvalidatedCacheOptions> = {}) {
  const events = new ChangeEvents();
  const transport: ChangeTransport & { current: boolean } = {
    current: true,
    publish: () => Promise.resolve(),
  };
  events.attach(transport);
  const cache = new ChangeInvalidatedCache<string | null>(events, {
    name: 'TestCache',
    topic: TOPIC,
    maxEntries: 3,
    ...options,
  });
  return { cache, events, transport };
}

function keep(
  cache: ChangeInvalidatedCache<string | null>,
  key: string,
  value: string | null,
  tags?: string[],
) {
  return cache.set(cache.lookup(key), value, { tags });
}

/** A load that resolves when told, to put events between a lookup and the `set` of what it loaded. */
function pending(): { load: () => Promise<string>; finish: (value: string) => void } {
  let finish: (value: string) => void = () => undefined;
  const promise = new Promise<string>((resolve) => (finish = resolve));
  return { load: () => promise, finish };
}

describe('ChangeInvalidatedCache', () => {
  it('loads a value once and answers it from here, null included, until an event names its key', async () => {
    const { cache, events } = cacheOf();
    let loads = 0;
    const load = async () => {
      loads += 1;
      return loads === 1 ? null : 'second';
    };
    expect(await cache.get('a', load)).toBeNull();
    expect(await cache.get('a', load)).toBeNull();
    expect(loads).toBe(1);
    await events.publish({ topic: 'other topic', key: 'a' });
    expect(cache.peek('a')).toBeNull();
    await events.publish({ topic: TOPIC, key: 'a' });
    expect(cache.peek('a')).toBeUndefined();
    expect(await cache.get('a', load)).toBe('second');
    expect(loads).toBe(2);
  });

  it('drops every entry tagged with what an event names, and no other', async () => {
    const { cache, events } = cacheOf();
    keep(cache, 'a', 'A', ['user:1', 'key:1']);
    keep(cache, 'b', 'B', ['user:1', 'key:2']);
    keep(cache, 'c', 'C', ['user:2']);
    await events.publish({ topic: TOPIC, key: 'key:1' });
    expect(['a', 'b', 'c'].map((key) => cache.peek(key))).toEqual([undefined, 'B', 'C']);
    await events.publish({ topic: TOPIC, key: 'user:1' });
    expect(['a', 'b', 'c'].map((key) => cache.peek(key))).toEqual([undefined, undefined, 'C']);
  });

  it('does not keep what was loaded while an event or a reset arrived', async () => {
    const { cache, events } = cacheOf();
    const racing = pending();
    const answer = cache.get('a', racing.load);
    // An event about something else still counts: the load may have read what it changed.
    await events.publish({ topic: TOPIC, key: 'b' });
    racing.finish('stale');
    expect(await answer).toBe('stale');
    expect(cache.peek('a')).toBeUndefined();

    const lookup = cache.lookup('a');
    events.reset();
    expect(cache.set(lookup, 'stale')).toBe(false);
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.set(cache.lookup('a'), 'fresh')).toBe(true);
    expect(cache.peek('a')).toBe('fresh');
  });

  it('answers and keeps nothing while events are not reliable, and starts empty after a reset', async () => {
    const { cache, events, transport } = cacheOf();
    keep(cache, 'a', 'A');
    transport.current = false;
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.lookup('a').value).toBeUndefined();
    expect(keep(cache, 'b', 'B')).toBe(false);
    let loads = 0;
    const load = async () => `load ${++loads}`;
    expect([await cache.get('c', load), await cache.get('c', load)]).toEqual(['load 1', 'load 2']);
    transport.current = true;
    expect(['a', 'b', 'c'].map((key) => cache.peek(key))).toEqual(['A', undefined, undefined]);
    events.reset();
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps at most its size, dropping the least recently used first', () => {
    const { cache } = cacheOf({ maxEntries: 2 });
    keep(cache, 'a', 'A');
    keep(cache, 'b', 'B');
    cache.peek('a');
    keep(cache, 'c', 'C');
    expect(cache.size).toBe(2);
    expect(['a', 'b', 'c'].map((key) => cache.peek(key))).toEqual(['A', undefined, 'C']);
    const { cache: none } = cacheOf({ maxEntries: 0 });
    keep(none, 'a', 'A');
    expect([none.peek('a'), none.size]).toEqual([undefined, 0]);
  });

  it('drops an entry past its max age or its own expiry, whichever comes first', () => {
    const { cache } = cacheOf({ maxAgeMs: 60_000 });
    cache.set(cache.lookup('expired'), 'E', { expiresAt: Date.now() - 1 });
    cache.set(cache.lookup('later'), 'L', { expiresAt: Date.now() + 3_600_000 });
    expect([cache.peek('expired'), cache.peek('later'), cache.size]).toEqual([undefined, 'L', 1]);
    const { cache: noAge } = cacheOf({ maxAgeMs: 0 });
    keep(noAge, 'a', 'A');
    expect(noAge.peek('a')).toBeUndefined();
  });

  it('announces a change to every subscriber, and logs a failed announcement instead of throwing', async () => {
    const { cache, transport } = cacheOf();
    keep(cache, 'a', 'A');
    await cache.announce('a', 'a change of thing a');
    expect(cache.peek('a')).toBeUndefined();
    transport.publish = () => Promise.reject(new Error('broker gone'));
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      await expect(cache.announce('a', 'a change of thing a')).resolves.toBeUndefined();
      expect(warn).toHaveBeenCalledWith('Could not announce a change of thing a: broker gone');
    } finally {
      warn.mockRestore();
    }
  });

  it('hears no more events once closed', async () => {
    const { cache, events } = cacheOf();
    keep(cache, 'a', 'A');
    cache.close();
    await events.publish({ topic: TOPIC, key: 'a' });
    expect(cache.peek('a')).toBe('A');
  });
});
