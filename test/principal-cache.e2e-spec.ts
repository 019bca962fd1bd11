import { PrincipalCache } from '@omega/accounts';
import { ChangeEvents } from '@omega/core';
import { createServer, connect, Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { agentFor, startTestApp, TestApp, TestPrincipal } from './support/test-app';

/**
 * A loopback TCP relay to the broker whose connections a test can cut, as a network failure would, or
 * freeze: they stay open but nothing passes until thawed, as with a process whose event loop stalls.
 */
interface BrokerRelay {
  url: string;
  cut(): void;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

async function startRelay(brokerUrl: string): Promise<BrokerRelay> {
  const target = new URL(brokerUrl);
  const sockets = new Set<Socket>();
  let frozen = false;
  /** What arrived while frozen, in order, with where it goes. */
  const held: Array<[Socket, Buffer]> = [];
  const forward = (from: Socket, to: Socket) =>
    from.on('data', (data: Buffer) => (frozen ? held.push([to, data]) : to.write(data)));
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5672), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    forward(client, upstream);
    forward(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const relayed = new URL(brokerUrl);
  relayed.hostname = '127.0.0.1';
  relayed.port = String((server.address() as AddressInfo).port);
  return {
    url: relayed.toString(),
    cut: () => sockets.forEach((socket) => socket.destroy()),
    freeze: () => void (frozen = true),
    thaw: () => {
      frozen = false;
      for (const [to, data] of held.splice(0)) if (!to.destroyed) to.write(data);
    },
    close: async () => {
      sockets.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls until `condition` holds or 10 s passed; answers whether it held. */
async function eventually(condition: () => boolean): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return condition();
}

/**
 * Two API processes on one accounts database and one broker (each its own Nest application: its own
 * principal cache and its own connection to the change exchange). Every change is made through the admin
 * API of process A; the very next request to process B, which had the credential cached, must see it.
 */
describe('principal cache across API processes', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startTestApp({ broker: true });
    // The same configuration: same prefix, data folder (accounts database, token key) and broker.
    b = await startTestApp({ config: a.config });
  });

  afterAll(async () => {
    await b?.app.close();
    await a?.close();
  });

  /** The credential has been answered from B's cache, so what follows tests the invalidation. */
  async function warmOnB(auth: { Authorization: string }): Promise<void> {
    const cache = b.app.get(PrincipalCache);
    await agentFor(b.url, auth).get('/api/v1/auth/me').expect(200);
    const before = cache.count;
    await agentFor(b.url, auth).get('/api/v1/auth/me').expect(200);
    expect(cache.count).toBe(before);
    expect(before).toBeGreaterThan(0);
  }

  async function keyIdOf(principal: TestPrincipal): Promise<string> {
    const res = await a.api.get('/api/v1/admin/keys').query({ userid: principal.userid }).expect(200);
    return (res.body as Array<{ id: string }>)[0].id;
  }

  async function bearerOf(principal: TestPrincipal): Promise<{ Authorization: string }> {
    const res = await request(a.url)
      .post('/api/v1/auth/login')
      .send({ userid: principal.userid, password: principal.password })
      .expect(200);
    return { Authorization: `Bearer ${res.body.token as string}` };
  }

  it('caches a principal: B answers a known key without the database after the first request', async () => {
    const alice = await a.createPrincipal();
    const cache = b.app.get(PrincipalCache);
    const before = cache.count;
    await agentFor(b.url, alice.auth).get('/api/v1/auth/me').expect(200);
    expect(cache.count).toBe(before + 1);
  });

  it('a key revoked on A is refused by B on the very next request', async () => {
    const bob = await a.createPrincipal();
    await warmOnB(bob.auth);
    await a.api.delete(`/api/v1/admin/keys/${await keyIdOf(bob)}`).expect(204);
    await agentFor(b.url, bob.auth).get('/api/v1/auth/me').expect(401);
  });

  it("a user disabled on A is refused by B at once, for the user's key and their Bearer token", async () => {
    const carol = await a.createPrincipal();
    const bearer = await bearerOf(carol);
    await warmOnB(carol.auth);
    await warmOnB(bearer);
    await a.api.post(`/api/v1/admin/users/${carol.userid}/disable`).expect(204);
    await agentFor(b.url, carol.auth).get('/api/v1/auth/me').expect(401);
    await agentFor(b.url, bearer).get('/api/v1/auth/me').expect(401);
  });

  it('a role changed on A applies on B at once: a member made readonly can no longer write', async () => {
    const dave = await a.createPrincipal({ role: 'member' });
    await warmOnB(dave.auth);
    const me = await agentFor(b.url, dave.auth).get('/api/v1/auth/me').expect(200);
    expect(me.body.role).toBe('member');
    await a.api
      .put(`/api/v1/admin/users/${dave.userid}/memberships/${dave.tenant}`)
      .send({ role: 'readonly' })
      .expect(200);
    const after = await agentFor(b.url, dave.auth).get('/api/v1/auth/me').expect(200);
    expect(after.body.role).toBe('readonly');
    const write = await agentFor(b.url, dave.auth).delete('/api/v1/dataset/anything');
    expect(write.status).toBe(403);
  });

  it('a logout on A ends the Bearer token on B at once; another login of the same user still works', async () => {
    const erin = await a.createPrincipal();
    const bearer = await bearerOf(erin);
    const other = await bearerOf(erin);
    await warmOnB(bearer);
    await warmOnB(other);
    await agentFor(a.url, bearer).post('/api/v1/auth/logout').expect(204);
    await agentFor(b.url, bearer).get('/api/v1/auth/me').expect(401);
    await agentFor(b.url, other).get('/api/v1/auth/me').expect(200);
  });

  it('a tenant disabled on A stops its keys on B at once', async () => {
    const frank = await a.createPrincipal({ tenant: 'cachetenant' });
    await warmOnB(frank.auth);
    await a.api.post('/api/v1/admin/tenants/cachetenant/disable').expect(204);
    await agentFor(b.url, frank.auth).get('/api/v1/auth/me').expect(401);
  });

  it('a process that lost the broker trusts no cached principal, so a change it missed still applies', async () => {
    const relay = await startRelay(a.config.brokerUrl as string);
    // A third process whose broker connection goes through the relay.
    const c = await startTestApp({ config: { ...a.config, brokerUrl: relay.url } });
    try {
      const heidi = await a.createPrincipal();
      const keyId = await keyIdOf(heidi);
      await agentFor(c.url, heidi.auth).get('/api/v1/auth/me').expect(200);
      expect(c.app.get(PrincipalCache).count).toBeGreaterThan(0);
      relay.cut();
      // The revocation's event cannot reach C: C must not answer from what it cached.
      await a.api.delete(`/api/v1/admin/keys/${keyId}`).expect(204);
      await agentFor(c.url, heidi.auth).get('/api/v1/auth/me').expect(401);
      // Once reconnected (the relay lets new connections through), C starts with an empty cache.
      expect(await eventually(() => c.app.get(PrincipalCache).count === 0)).toBe(true);
    } finally {
      await c.app.close();
      await relay.close();
    }
  });

  it('a process that stops acknowledging events serves no stale principal, and catches up after', async () => {
    const relay = await startRelay(a.config.brokerUrl as string);
    const c = await startTestApp({ config: { ...a.config, brokerUrl: relay.url } });
    try {
      const ivan = await a.createPrincipal();
      const judy = await a.createPrincipal();
      const keyId = await keyIdOf(ivan);
      const cache = c.app.get(PrincipalCache);
      // A knows C (its announcements reached A), so A's revocation waits for C's acknowledgement.
      await agentFor(c.url, ivan.auth).get('/api/v1/auth/me').expect(200);
      await agentFor(c.url, judy.auth).get('/api/v1/auth/me').expect(200);
      expect(cache.count).toBeGreaterThan(1);
      // C's connection stays up but nothing passes: C neither hears the event nor acknowledges it.
      relay.freeze();
      await a.api.delete(`/api/v1/admin/keys/${keyId}`).expect(204);
      // A answered: C's lease has run out, so it reads the accounts database instead of its cache.
      expect(c.app.get(ChangeEvents).reliable).toBe(false);
      await agentFor(c.url, ivan.auth).get('/api/v1/auth/me').expect(401);
      await agentFor(c.url, judy.auth).get('/api/v1/auth/me').expect(200);
      relay.thaw();
      // C handles what it held back, in order, and trusts its cache again.
      expect(await eventually(() => c.app.get(ChangeEvents).reliable)).toBe(true);
      await agentFor(c.url, ivan.auth).get('/api/v1/auth/me').expect(401);
      await agentFor(c.url, judy.auth).get('/api/v1/auth/me').expect(200);
      const cached = cache.count;
      await agentFor(c.url, judy.auth).get('/api/v1/auth/me').expect(200);
      expect(cached).toBeGreaterThan(0);
      expect(cache.count).toBe(cached);
    } finally {
      relay.thaw();
      await c.app.close();
      await relay.close();
    }
  });

  it('a cached key fails at its expiry, with no event', async () => {
    const grace = await a.createPrincipal();
    // Long enough for the key to be made and cached on B before it expires, on a loaded machine too.
    const expiresAt = new Date(Date.now() + 10_000);
    const made = await a.api
      .post('/api/v1/admin/keys')
      .send({ userid: grace.userid, tenant: grace.tenant, expiresAt: expiresAt.toISOString() })
      .expect(201);
    const auth = { Authorization: `ApiKey ${grace.userid}:${made.body.apikey as string}` };
    await warmOnB(auth);
    const wait = expiresAt.getTime() - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await agentFor(b.url, auth).get('/api/v1/auth/me').expect(401);
  });
});
