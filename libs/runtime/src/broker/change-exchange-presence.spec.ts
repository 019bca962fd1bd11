import { ChangePresence, LEASE_MS } from './change-exchange-presence';

describe('ChangePresence', () => {
  let clock = 0;
  const presence = () => new ChangePresence('me', () => clock);

  beforeEach(() => (clock = 1_000));

  it('is current only once an announcement of its own came back, for LEASE_MS after it was sent', () => {
    const p = presence();
    expect(p.current).toBe(false);
    const first = p.nextHello();
    clock += 100;
    expect(p.current).toBe(false);
    expect(p.heard('me', first)).toBe(true);
    expect(p.current).toBe(true);
    // The lease counts from the sending, not the arrival: what was confirmed after the sending may be unread.
    clock = 1_000 + LEASE_MS + 1;
    expect(p.current).toBe(false);
  });

  it('renews the lease with a later announcement only, and forgets announcements of a lost queue', () => {
    const p = presence();
    const first = p.nextHello();
    clock += 500;
    const second = p.nextHello();
    p.heard('me', second);
    p.heard('me', first);
    clock = 1_500 + LEASE_MS;
    expect(p.current).toBe(true);
    const third = p.nextHello();
    p.restart();
    expect(p.current).toBe(false);
    p.heard('me', third);
    expect(p.current).toBe(false);
  });

  it('lists the peers heard within LEASE_MS, without itself or those that left', () => {
    const p = presence();
    p.heard('a', 1);
    p.heard('b', 1);
    p.heard('me', 1);
    p.heard('c', 1);
    p.left('c');
    expect(p.livePeers().sort()).toEqual(['a', 'b']);
    clock += LEASE_MS / 2;
    p.heard('b', 2);
    clock += LEASE_MS / 2 + 1;
    expect(p.livePeers()).toEqual(['b']);
  });
});
