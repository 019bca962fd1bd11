import { RATE_FLUSH_MS } from '@omega/accounts';
import request from 'supertest';
import { withinOneWindow } from './support/rate-windows';
import { createTestSqlDatabase, SqlKind, TestSqlDatabase } from './support/sql-databases';
import { agentFor, startTestApp, TestApp } from './support/test-app';

/** Long enough for a process to add its counts to the shared rows. */
const settle = () => new Promise((resolve) => setTimeout(resolve, RATE_FLUSH_MS * 3));

/**
 * The counting window of this file's platforms. Windows are fixed and aligned to the clock: a long one, so a
 * test's count rarely meets a window's end, and every test starts its count with COUNTING_MS to spare.
 */
const WINDOW_SECONDS = 3600;
/** The most a test here takes to count up to its limit on a loaded machine (a few requests and flushes). */
const COUNTING_MS = 60_000;
/** Every test here counts: each starts in a window that will not end under it. */
const startInOneWindow = () =>
  beforeEach(() => withinOneWindow(WINDOW_SECONDS, COUNTING_MS), COUNTING_MS + 30_000);

/**
 * Rate limits with counters shared by API replicas: two API processes on one accounts database (and one
 * broker, for the change events) count against the same limits. Every request here comes from 127.0.0.1, so the flood of bad keys is last.
 */
describe('rate limits shared between API processes', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startTestApp({
      config: {
        rateLimitBadCredentials: 8,
        rateLimitsByRole: 'readonly.api=4',
        rateLimitUploads: 2,
        rateLimitApiWindowSeconds: WINDOW_SECONDS,
      },
      // Changes to a key's limits reach the other process's principal cache over the broker.
      broker: true,
    });
    b = await startTestApp({ config: a.config });
  });
  startInOneWindow();

  afterAll(async () => {
    await b?.app.close();
    await a?.close();
  });

  async function keyIdOf(userid: string): Promise<string> {
    const res = await a.api.get('/api/v1/admin/keys').query({ userid }).expect(200);
    return (res.body as Array<{ id: string }>)[0].id;
  }

  it("a key's own limit holds across both processes, and the 429 names it with Retry-After", async () => {
    const alice = await a.createPrincipal();
    const set = await a.api.put(`/api/v1/admin/keys/${await keyIdOf(alice.userid)}/limits`).send({ api: 6 });
    expect(set.status).toBe(200);
    expect(set.body.rateLimits).toEqual({ api: 6 });
    for (let i = 0; i < 3; i++) await agentFor(a.url, alice.auth).get('/api/v1/dataset/').expect(200);
    await settle();
    for (let i = 0; i < 3; i++) await agentFor(b.url, alice.auth).get('/api/v1/dataset/').expect(200);
    const limited = await agentFor(b.url, alice.auth).get('/api/v1/dataset/');
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(limited.body.message).toContain("rate limit 'api' (6 per 3600 s)");
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    await settle();
    // A, which counted only 3 itself, knows of B's 3 too.
    await agentFor(a.url, alice.auth).get('/api/v1/dataset/').expect(429);
  });

  it('/auth/me shows the limits and their use; lifting the key limit takes effect at once', async () => {
    const bob = await a.createPrincipal();
    const keyId = await keyIdOf(bob.userid);
    await a.api.put(`/api/v1/admin/keys/${keyId}/limits`).send({ api: 5 }).expect(200);
    await agentFor(a.url, bob.auth).get('/api/v1/dataset/').expect(200);
    await settle();
    const me = await agentFor(b.url, bob.auth).get('/api/v1/auth/me').expect(200);
    const api = (me.body.limits as Array<Record<string, unknown>>).find((limit) => limit.name === 'api');
    expect(api).toMatchObject({ limit: 5, windowSeconds: 3600, used: 2, remaining: 3 });
    expect(Date.parse(api?.resetsAt as string)).toBeGreaterThan(Date.now());
    const uploads = (me.body.limits as Array<Record<string, unknown>>).find(
      (limit) => limit.name === 'uploads',
    );
    expect(uploads).toMatchObject({ limit: 2, used: 0 });
    expect(me.body.rateLimits).toBeUndefined();
    for (let i = 0; i < 3; i++) await agentFor(b.url, bob.auth).get('/api/v1/dataset/').expect(200);
    await agentFor(b.url, bob.auth).get('/api/v1/dataset/').expect(429);
    await a.api.put(`/api/v1/admin/keys/${keyId}/limits`).send({ api: 0 }).expect(200);
    await agentFor(b.url, bob.auth).get('/api/v1/dataset/').expect(200);
  });

  it("the console's keys page shows the signed-in user's limits and use", async () => {
    const erin = await a.createPrincipal();
    const login = await request(a.url)
      .post('/api/v1/auth/login')
      .send({ userid: erin.userid, password: erin.password })
      .expect(200);
    const bearer = { Authorization: `Bearer ${login.body.token as string}` };
    await agentFor(a.url, bearer).get('/api/v1/dataset/').expect(200);
    const page = await agentFor(a.url, bearer).get('/console/keys').expect(200);
    expect(page.text).toContain('Your rate limits');
    // This request and the one before, counted for the user's sign-in.
    expect(page.text).toMatch(/<td>api<\/td>\s*<td>60000 per 3600 s<\/td>\s*<td>2<\/td>/);
  });

  it('limits per role come from OMEGA_RATE_LIMITS_BY_ROLE; a key of another role is not affected', async () => {
    const reader = await a.createPrincipal({ role: 'readonly' });
    const member = await a.createPrincipal({ role: 'member' });
    for (let i = 0; i < 4; i++) await agentFor(b.url, reader.auth).get('/api/v1/dataset/').expect(200);
    const limited = await agentFor(b.url, reader.auth).get('/api/v1/dataset/');
    expect(limited.status).toBe(429);
    expect(limited.body.message).toContain("rate limit 'api' (4 per 3600 s)");
    for (let i = 0; i < 5; i++) await agentFor(b.url, member.auth).get('/api/v1/dataset/').expect(200);
  });

  it('uploads have their own, tighter limit', async () => {
    const carol = await a.createPrincipal();
    const upload = () =>
      agentFor(a.url, carol.auth)
        .put('/api/v1/file/notes.txt')
        .set('Content-Type', 'application/octet-stream')
        .send(Buffer.from('hello'));
    expect((await upload()).status).toBeLessThan(300);
    expect((await upload()).status).toBeLessThan(300);
    const limited = await upload();
    expect(limited.status).toBe(429);
    expect(limited.body.message).toContain("rate limit 'uploads' (2 per 3600 s)");
    // Reads are not uploads.
    await agentFor(a.url, carol.auth).get('/api/v1/file/').expect(200);
  });

  it('a flood of bad keys from one address is throttled on both processes, even a good key then waits', async () => {
    const dave = await a.createPrincipal();
    const bad = { Authorization: `ApiKey ${dave.userid}:${'x'.repeat(43)}` };
    for (let i = 0; i < 4; i++) await agentFor(a.url, bad).get('/api/v1/dataset/').expect(401);
    await settle();
    for (let i = 0; i < 4; i++) await agentFor(b.url, bad).get('/api/v1/dataset/').expect(401);
    const limited = await agentFor(b.url, bad).get('/api/v1/dataset/');
    expect(limited.status).toBe(429);
    expect(limited.body.message).toContain("rate limit 'badCredentials'");
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await settle();
    expect((await agentFor(a.url, dave.auth).get('/api/v1/dataset/')).status).toBe(429);
    // Public routes stay open.
    await request(b.url).get('/api/v1/ping').expect(200);
  });
});

/**
 * The shared counters' SQL (an atomic upsert-increment) on every accounts database a deployment may use
 * for replicas: two API processes on one PostgreSQL or MariaDB database count against one limit.
 */
describe.each(['postgres', 'mariadb'] as SqlKind[])('shared rate counters on %s', (kind) => {
  let database: TestSqlDatabase;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    database = await createTestSqlDatabase(kind);
    a = await startTestApp({ config: { sqlUrl: database.url, rateLimitApiWindowSeconds: WINDOW_SECONDS } });
    b = await startTestApp({ config: a.config });
  });
  startInOneWindow();

  afterAll(async () => {
    await b?.app.close();
    await a?.close();
    await database?.drop();
  });

  it('counts hits of both processes in one row and refuses past the limit', async () => {
    const alice = await a.createPrincipal();
    const keys = await a.api.get('/api/v1/admin/keys').query({ userid: alice.userid }).expect(200);
    await a.api
      .put(`/api/v1/admin/keys/${(keys.body as Array<{ id: string }>)[0].id}/limits`)
      .send({ api: 5 })
      .expect(200);
    for (let i = 0; i < 2; i++) await agentFor(a.url, alice.auth).get('/api/v1/dataset/').expect(200);
    await settle();
    for (let i = 0; i < 2; i++) await agentFor(b.url, alice.auth).get('/api/v1/dataset/').expect(200);
    await settle();
    const me = await agentFor(a.url, alice.auth).get('/api/v1/auth/me').expect(200);
    expect((me.body.limits as Array<{ name: string; used: number }>)[0]).toMatchObject({
      name: 'api',
      used: 5,
    });
    // A's last hit (the /auth/me call) reaches the shared row within one flush.
    await settle();
    await agentFor(b.url, alice.auth).get('/api/v1/dataset/').expect(429);
  });
});
