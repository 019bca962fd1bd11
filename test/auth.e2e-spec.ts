import { ConsoleLogger } from '@nestjs/common';
import { ApiKeysService, CSRF_COOKIE, generateApiKey, SESSION_COOKIE } from '@omega/accounts';
import request from 'supertest';
import { withinOneWindow } from './support/rate-windows';
import { startTestApp, TestApp } from './support/test-app';

const UNAUTHENTICATED = {
  statusCode: 401,
  error: 'Unauthorized',
  message: 'Invalid or missing credentials',
  code: 'UNAUTHENTICATED',
};

/** Every log line the app writes, as one string per line. */
class CapturingLogger extends ConsoleLogger {
  readonly lines: string[] = [];
  constructor() {
    super();
  }
  override log(message: unknown, ...rest: unknown[]) {
    this.lines.push([message, ...rest].map(String).join(' '));
  }
  override warn(message: unknown, ...rest: unknown[]) {
    this.lines.push([message, ...rest].map(String).join(' '));
  }
  override error(message: unknown, ...rest: unknown[]) {
    this.lines.push([message, ...rest].map(String).join(' '));
  }
  override debug(message: unknown, ...rest: unknown[]) {
    this.lines.push([message, ...rest].map(String).join(' '));
  }
  override verbose(message: unknown, ...rest: unknown[]) {
    this.lines.push([message, ...rest].map(String).join(' '));
  }
}

describe('authentication', () => {
  let t: TestApp;
  const logs = new CapturingLogger();
  /** Every secret used in this file: none may ever appear in a log line. */
  const secrets: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ logger: logs, config: { secretKey: 'k'.repeat(48) } });
    secrets.push(t.admin.apikey, t.admin.password);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('refuses every bad credential shape with the same 401 body', async () => {
    const wrongKey = generateApiKey();
    secrets.push(wrongKey);
    const shapes: (string | undefined)[] = [
      undefined,
      '',
      'Basic YWRtaW46cGFzc3dvcmQ=',
      'ApiKey',
      'ApiKey admin',
      'ApiKey admin:',
      `ApiKey :${t.admin.apikey}`,
      'ApiKey admin:short',
      `ApiKey admin:${wrongKey}`,
      `ApiKey nosuchuser:${t.admin.apikey}`,
      `ApiKey ADMIN:${t.admin.apikey}x`,
      `ApiKey ' OR 1=1 --:${t.admin.apikey}`,
      `ApiKey {"$ne":null}:${t.admin.apikey}`,
      `ApiKey admin:${t.admin.apikey} extra`,
      'Bearer',
      'Bearer not-a-jwt',
      'Bearer aaaa.bbbb.cccc',
      `ApiKey admin:${'x'.repeat(5000)}`,
      `Bearer ${'a'.repeat(3000)}.b.c`,
    ];
    for (const header of shapes) {
      const call = request(t.url).get('/api/v1/dataset/');
      if (header !== undefined) call.set('Authorization', header);
      const { status, body } = await call;
      expect({ header: header?.slice(0, 40), status }).toEqual({ header: header?.slice(0, 40), status: 401 });
      expect(body).toEqual(UNAUTHENTICATED);
    }
    // The right key answers, so the refusals above were about the credentials.
    await t.api.get('/api/v1/dataset/').expect(200);
  });

  it('refuses logins with wrong or injected fields with 401, and malformed bodies with 400', async () => {
    const attempts = [
      { userid: 'admin', password: 'wrong password here' },
      { userid: 'nosuchuser', password: t.admin.password },
      { userid: "' OR 1=1 --", password: "' OR 1=1 --" },
      { userid: '{"$ne": null}', password: '{"$ne": null}' },
      { userid: 'admin', password: "x'; DROP TABLE users; --" },
      { userid: 'admin', password: t.admin.password, tenant: 'othertenant' },
    ];
    for (const body of attempts) {
      const answer = await request(t.url).post('/api/v1/auth/login').send(body);
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual(UNAUTHENTICATED);
    }
    for (const body of [{ userid: { $ne: null }, password: 'x' }, { userid: 'admin' }, {}]) {
      const answer = await request(t.url).post('/api/v1/auth/login').send(body);
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('BAD_REQUEST');
    }
  });

  it('logs in with a password and accepts the token as Bearer', async () => {
    const { body } = await request(t.url)
      .post('/api/v1/auth/login')
      .send({ userid: 'admin', password: t.admin.password })
      .expect(200);
    expect(body).toMatchObject({ token_type: 'Bearer', userid: 'admin', tenant: 'default', role: 'admin' });
    secrets.push(body.token);
    const me = await request(t.url)
      .get('/api/v1/auth/me')
      .set('Authorization', `Bearer ${body.token}`)
      .expect(200);
    expect(me.body).toMatchObject({ userid: 'admin', tenant: 'default', role: 'admin', via: 'bearer' });
    // A token whose signature does not match is refused.
    const [head, payload] = body.token.split('.');
    await request(t.url)
      .get('/api/v1/auth/me')
      .set('Authorization', `Bearer ${head}.${payload}.${'A'.repeat(43)}`)
      .expect(401);
  });

  it('revokes a key on its very next request, and refuses an expired key', async () => {
    const created = await t.api.post('/api/v1/auth/keys').send({ name: 'laptop' }).expect(201);
    const apikey: string = created.body.apikey;
    secrets.push(apikey);
    const auth = { Authorization: `ApiKey admin:${apikey}` };
    const listed = await t.api.get('/api/v1/auth/keys').expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(apikey);
    expect(listed.body.map((key: { keyPrefix: string }) => key.keyPrefix)).toContain(apikey.slice(0, 8));

    await request(t.url).get('/api/v1/dataset/').set(auth).expect(200);
    await t.api.delete(`/api/v1/auth/keys/${created.body.key.id}`).expect(204);
    expect((await request(t.url).get('/api/v1/dataset/').set(auth)).body).toEqual(UNAUTHENTICATED);

    const expiring = await t.api.post('/api/v1/auth/keys').send({ name: 'short-lived' }).expect(201);
    secrets.push(expiring.body.apikey);
    const expiringAuth = { Authorization: `ApiKey admin:${expiring.body.apikey}` };
    await request(t.url).get('/api/v1/dataset/').set(expiringAuth).expect(200);
    await t.app.get(ApiKeysService).setExpiry(expiring.body.key.id, new Date(Date.now() - 1000));
    await request(t.url).get('/api/v1/dataset/').set(expiringAuth).expect(401);
  });

  it("does not let a user revoke someone else's key", async () => {
    const other = await t.createPrincipal();
    secrets.push(other.apikey, other.password);
    const mine = await other.api.get('/api/v1/auth/keys').expect(200);
    const [key] = mine.body as { id: string }[];
    const answer = await t.api.delete(`/api/v1/auth/keys/${key.id}`);
    expect(answer.status).toBe(404);
    await other.api.get('/api/v1/dataset/').expect(200);
  });

  it('refuses a disabled user everywhere: key, login and token', async () => {
    const user = await t.createPrincipal();
    secrets.push(user.apikey, user.password);
    const login = await request(t.url)
      .post('/api/v1/auth/login')
      .send({ userid: user.userid, password: user.password })
      .expect(200);
    secrets.push(login.body.token);
    await t.api.post(`/api/v1/admin/users/${user.userid}/disable`).expect(204);
    await user.api.get('/api/v1/dataset/').expect(401);
    await request(t.url)
      .get('/api/v1/dataset/')
      .set('Authorization', `Bearer ${login.body.token}`)
      .expect(401);
    await request(t.url)
      .post('/api/v1/auth/login')
      .send({ userid: user.userid, password: user.password })
      .expect(401);
  });

  it('accepts the console session cookie, and requires the CSRF token for changes', async () => {
    const { body } = await request(t.url)
      .post('/api/v1/auth/login')
      .send({ userid: 'admin', password: t.admin.password })
      .expect(200);
    secrets.push(body.token);
    const csrf = 'c'.repeat(43);
    const cookie = `${SESSION_COOKIE}=${body.token}; ${CSRF_COOKIE}=${csrf}`;
    const me = await request(t.url).get('/api/v1/auth/me').set('Cookie', cookie).expect(200);
    expect(me.body.via).toBe('session');

    const missing = await request(t.url).post('/api/v1/auth/keys').set('Cookie', cookie).send({ name: 'c1' });
    expect(missing.status).toBe(403);
    expect(missing.body.code).toBe('CSRF');
    const wrong = await request(t.url)
      .post('/api/v1/auth/keys')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', 'd'.repeat(43))
      .send({ name: 'c2' });
    expect(wrong.body.code).toBe('CSRF');
    const right = await request(t.url)
      .post('/api/v1/auth/keys')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrf)
      .send({ name: 'c3' })
      .expect(201);
    secrets.push(right.body.apikey);
    // ApiKey and Bearer requests carry no cookie the browser could send on its own: no token needed.
    await request(t.url)
      .post('/api/v1/auth/keys')
      .set('Authorization', `Bearer ${body.token}`)
      .send({ name: 'c4' })
      .expect(201)
      .then((answer) => secrets.push(answer.body.apikey));
    await request(t.url)
      .get('/api/v1/auth/me')
      .set('Cookie', `${SESSION_COOKIE}=forged.token.value`)
      .expect(401);
  });

  it('enforces roles: readonly reads but cannot write, members cannot administer', async () => {
    const reader = await t.createPrincipal({ role: 'readonly' });
    const member = await t.createPrincipal({ role: 'member' });
    secrets.push(reader.apikey, reader.password, member.apikey, member.password);
    await member.api
      .put('/api/v1/dataset/roles')
      .send({ data: [{ a: 1 }] })
      .expect(200);
    await reader.api.get('/api/v1/dataset/roles').expect(200);
    await reader.api
      .post('/api/v1/dataset/roles/query')
      .send({ filter: { a: 1 } })
      .expect(200);
    const refused = await reader.api.put('/api/v1/dataset/roles').send({ data: [{ a: 2 }] });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('FORBIDDEN');
    await reader.api.delete('/api/v1/dataset/roles').expect(403);
    await member.api.get('/api/v1/admin/tenants').expect(403);
    await member.api.post('/api/v1/admin/tenants').send({ name: 'sneaky' }).expect(403);
    await t.api.get('/api/v1/admin/tenants').expect(200);
  });

  it("answers the caller's client config without any URL or secret of the platform", async () => {
    const { body, text } = await t.api.get('/api/v1/config').set('Bucket', 'team').expect(200);
    expect(body).toMatchObject({
      url: t.url,
      api: '/api/v1/',
      userid: 'admin',
      tenant: 'default',
      qualifier: 'default',
      bucket: 'team',
      role: 'admin',
      runtime: 'in-process',
    });
    expect(body.worker_labels).toContain('default');
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    const hidden = [
      t.config.mongoUrl,
      t.config.secretKey,
      t.config.dataDir,
      t.admin.apikey,
      t.admin.password,
    ];
    for (const value of hidden) {
      expect(value).toBeTruthy();
      expect(text).not.toContain(value as string);
    }
    expect(text).not.toMatch(/mongodb:|amqp:|postgres:|sqlite:/);
    await request(t.url).get('/api/v1/config').expect(401);
  });

  it('sets the security headers on every answer', async () => {
    for (const answer of [
      await request(t.url).get('/api/v1/ping'),
      await request(t.url).get('/api/v1/dataset/'),
    ]) {
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['x-frame-options']).toBe('DENY');
      expect(answer.headers['referrer-policy']).toBe('no-referrer');
      expect(answer.headers['content-security-policy']).toContain("script-src 'self'");
      expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(answer.headers['content-security-policy']).not.toContain('unsafe-inline');
      expect(answer.headers['x-powered-by']).toBeUndefined();
      // Plain http here: HSTS would lock a browser out of a laptop installation.
      expect(answer.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('logs refused attempts without any key, token or password', async () => {
    // Its own refused attempts, so it does not depend on the tests before it having run.
    const wrongKey = generateApiKey();
    const wrongPassword = `wrong-${generateApiKey()}`;
    secrets.push(wrongKey, wrongPassword);
    await request(t.url).get('/api/v1/dataset/').set('Authorization', `ApiKey admin:${wrongKey}`).expect(401);
    await request(t.url)
      .post('/api/v1/auth/login')
      .send({ userid: "' OR 1=1 --", password: wrongPassword })
      .expect(401);
    const text = logs.lines.join('\n');
    expect(text).toContain("refused ApiKey credentials for 'admin'");
    // The injected userid is logged with everything outside the userid alphabet masked.
    expect(text).toContain("refused a password login for '??OR?1?1?--'");
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});

describe('rate limits', () => {
  /** Windows are fixed and aligned to the clock: long ones, and each test starts its count with time to spare. */
  const windowSeconds = 3600;
  const countingMs = 60_000;
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      config: {
        rateLimitApi: 5,
        rateLimitLogin: 3,
        rateLimitApiWindowSeconds: windowSeconds,
        rateLimitLoginWindowSeconds: windowSeconds,
      },
    });
  });
  beforeEach(() => withinOneWindow(windowSeconds, countingMs), countingMs + 30_000);

  afterAll(async () => {
    await t?.close();
  });

  it('limits password logins per address and userid with 429 and Retry-After', async () => {
    for (let i = 0; i < 3; i++) {
      await request(t.url)
        .post('/api/v1/auth/login')
        .send({ userid: 'admin', password: 'wrong password here' })
        .expect(401);
    }
    // Even the right password now waits: the limit is on attempts, not on failures.
    const limited = await request(t.url)
      .post('/api/v1/auth/login')
      .send({ userid: 'admin', password: t.admin.password });
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another userid from the same address has its own counter.
    await request(t.url)
      .post('/api/v1/auth/login')
      .send({ userid: 'someoneelse', password: 'wrong password here' })
      .expect(401);
  });

  it('limits requests per API key, each key on its own', async () => {
    const other = await t.createPrincipal();
    for (let i = 0; i < 5; i++) await t.api.get('/api/v1/dataset/').expect(200);
    const limited = await t.api.get('/api/v1/file/');
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await other.api.get('/api/v1/dataset/').expect(200);
    // Public routes are not counted against anyone.
    await request(t.url).get('/api/v1/ping').expect(200);
  });
});
