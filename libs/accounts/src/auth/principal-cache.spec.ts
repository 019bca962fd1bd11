import { ChangeEvents, ChangeTransport, loadConfig } from '@omega/core';
import type { Principal } from './principal';
import { PrincipalCache } from './principal-cache';
import { PRINCIPALS_TOPIC, principalTag } from './principal-changes';

const principal: Principal = { userId: 'u1', userid: 'alice', tenant: 'acme', role: 'member', via: 'apikey' };

function cacheOf(size = 3, maxAgeSeconds = 60): { cache: PrincipalCache; events: ChangeEvents } {
  const config = {
    ...loadConfig({}),
    principalCacheSize: size,
    principalCacheMaxAgeSeconds: maxAgeSeconds,
  };
  const events = new ChangeEvents();
  return { cache: new PrincipalCache(config, events), events };
}

function keep(cache: PrincipalCache, credential: string, tags: string[], expiresAt?: number): void {
  cache.set(cache.lookup(credential), principal, tags, expiresAt);
}

describe('principal cache', () => {
  it('answers a kept principal that no request can change, and nothing for another credential', () => {
    const { cache } = cacheOf();
    const limited: Principal = { ...principal, rateLimits: { api: 5 } };
    cache.set(cache.lookup('apikey one'), limited, [principalTag.user('u1')]);
    limited.role = 'readonly';
    const found = cache.lookup('apikey one').principal;
    expect(found).toEqual({ ...principal, rateLimits: { api: 5 } });
    expect(() => (found!.role = 'admin')).toThrow(TypeError);
    expect(() => (found!.rateLimits!.api = 0)).toThrow(TypeError);
    expect(cache.lookup('apikey one').principal?.role).toBe('member');
    expect(cache.lookup('apikey two').principal).toBeUndefined();
  });

  it('drops exactly the entries an event names', async () => {
    const { cache, events } = cacheOf();
    keep(cache, 'a', [principalTag.user('u1'), principalTag.key('k1')]);
    keep(cache, 'b', [principalTag.user('u1'), principalTag.key('k2')]);
    keep(cache, 'c', [principalTag.user('u2')]);
    await events.publish({ topic: PRINCIPALS_TOPIC, key: principalTag.key('k1') });
    expect(cache.lookup('a').principal).toBeUndefined();
    expect(cache.lookup('b').principal).toBeDefined();
    await events.publish({ topic: PRINCIPALS_TOPIC, key: principalTag.user('u1') });
    expect(cache.lookup('b').principal).toBeUndefined();
    expect(cache.lookup('c').principal).toBeDefined();
  });

  it('does not keep what was read while an event arrived', async () => {
    const { cache, events } = cacheOf();
    const lookup = cache.lookup('a');
    await events.publish({ topic: PRINCIPALS_TOPIC, key: principalTag.user('someone else') });
    cache.set(lookup, principal, [principalTag.user('u1')]);
    expect(cache.lookup('a').principal).toBeUndefined();
  });

  it("honours the credential's expiry and the max age", () => {
    const { cache } = cacheOf(3, 60);
    keep(cache, 'expired', [], Date.now() - 1);
    expect(cache.lookup('expired').principal).toBeUndefined();
    const { cache: noAge } = cacheOf(3, 0);
    keep(noAge, 'a', []);
    expect(noAge.lookup('a').principal).toBeUndefined();
  });

  it('keeps at most its size, dropping the least recently used first', () => {
    const { cache } = cacheOf(2);
    keep(cache, 'a', []);
    keep(cache, 'b', []);
    cache.lookup('a');
    keep(cache, 'c', []);
    expect(cache.count).toBe(2);
    expect(cache.lookup('b').principal).toBeUndefined();
    expect(cache.lookup('a').principal).toBeDefined();
    expect(cache.lookup('c').principal).toBeDefined();
  });

  it('answers nothing while the change events are cut off, and starts empty when they are back', () => {
    const { cache, events } = cacheOf();
    const transport: ChangeTransport & { current: boolean } = {
      current: true,
      publish: () => Promise.resolve(),
    };
    events.attach(transport);
    keep(cache, 'a', []);
    transport.current = false;
    expect(cache.lookup('a').principal).toBeUndefined();
    keep(cache, 'b', []);
    transport.current = true;
    expect(cache.lookup('b').principal).toBeUndefined();
    expect(cache.lookup('a').principal).toBeDefined();
    events.reset();
    expect(cache.lookup('a').principal).toBeUndefined();
  });
});
