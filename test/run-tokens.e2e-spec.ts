import { AuthService, isRunTokenRoute, RUN_TOKENS_COLLECTION } from '@omega/accounts';
import { TenantContext } from '@omega/core';
import { ScopedTokens } from '@omega/scripts';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';
import { startWorker, WorkerProcess } from './support/worker-process';

const SALES = [
  { region: 'EU', units: 12 },
  { region: 'US', units: 7 },
];

/** A script that does nothing itself: the probes use its token while it runs. */
const QUIET_SCRIPT = `exports.run = async function () { return 'done'; };`;

/**
 * What the script's `om` reaches, tried as an attacker would from inside the run: through the SDK, and
 * with the credential the SDK sends (captured by wrapping fetch) on routes the SDK never calls.
 */
const OM_PROBE_SCRIPT = `
exports.run = async function (om) {
  const outcome = (promise) =>
    promise.then(() => 'ok', (error) => String(error.statusCode) + ' ' + String(error.message));
  const realFetch = globalThis.fetch;
  let credential;
  globalThis.fetch = (input, init) => {
    credential = credential ?? new Headers(init && init.headers).get('authorization');
    return realFetch(input, init);
  };
  const own = await outcome(om.datasets.get('sales'));
  globalThis.fetch = realFetch;
  const raw = async (path, init = {}) => {
    const headers = { ...(init.headers || {}), Authorization: credential };
    return (await realFetch(om.url + path, { ...init, headers })).status;
  };
  const json = { 'Content-Type': 'application/json' };
  return {
    own,
    ownWrite: await outcome(om.datasets.put([{ a: 1 }], 'fromrun')),
    otherBucket: await outcome(om.bucket('other').datasets.get('sales')),
    otherQualifier: await outcome(om.qualifier('dev').datasets.put([{ a: 1 }], 'leak')),
    clientConfig: await outcome(om.config()),
    captured: typeof credential === 'string' && credential.startsWith('Bearer '),
    ownRaw: await raw('/api/v1/dataset/sales'),
    newKey: await raw('/api/v1/auth/keys', { method: 'POST', headers: json, body: JSON.stringify({ name: 'stolen' }) }),
    me: await raw('/api/v1/auth/me'),
    adminUsers: await raw('/api/v1/admin/users'),
    adminTenant: await raw('/api/v1/admin/tenants', { method: 'POST', headers: json, body: JSON.stringify({ name: 'pwned' }) }),
  };
};
`;

function uploadScript(who: TestPrincipal, name: string, source: string) {
  return who.api
    .post('/api/v1/script/')
    .field('name', name)
    .attach('file', Buffer.from(source), `${name}.js`)
    .expect(201);
}

/**
 * A script run's token reaches its own tenant, qualifier and bucket on the data-plane routes, with the
 * caller's rights capped at member, and only while the run lasts.
 */
describe('run tokens, embedded runner: the token a run hands its om', () => {
  let t: TestApp;
  let member: TestPrincipal;
  /** The real token of the run in progress, handed to `probe` while the run's record exists. */
  let probe: (token: string) => Promise<void>;
  let lastToken: string | undefined;

  beforeAll(async () => {
    t = await startTestApp();
    member = await t.createPrincipal({ role: 'member' });
    await t.api.put('/api/v1/dataset/sales').send({ data: SALES }).expect(200);
    await t.api.put('/api/v1/dataset/sales').set('Bucket', 'other').send({ data: SALES }).expect(200);
    await uploadScript(member, 'quiet', QUIET_SCRIPT);
    // Observes the token the run service issues (the run itself goes on unchanged): the probes run with
    // it after the script has run, before the run ends and revokes it.
    const tokens = t.app.get(ScopedTokens);
    const during = tokens.during.bind(tokens);
    jest.spyOn(tokens, 'during').mockImplementation((ctx, identity, seconds, run) =>
      during(ctx, identity, seconds, async (token) => {
        const outcome = await run(token);
        lastToken = token;
        await probe(token);
        return outcome;
      }),
    );
  }, 60_000);

  afterAll(async () => {
    jest.restoreAllMocks();
    await t?.close();
  });

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  it("a platform admin running a member's script: the token has member rights, never admin power", async () => {
    const seen: Record<string, unknown> = {};
    probe = async (token) => {
      const principal = await t.app.get(AuthService).verifyToken(token, 'bearer');
      seen.principal = principal;
      const api = (method: 'get' | 'post' | 'put', path: string) =>
        request(t.url)[method](path).set(bearer(token));
      seen.own = (await api('get', '/api/v1/dataset/sales?orient=records')).body;
      seen.ping = (await api('get', '/api/v1/runtime/ping')).status;
      const otherBucket = await api('get', '/api/v1/dataset/sales').set('Bucket', 'other');
      seen.otherBucket = [otherBucket.status, otherBucket.body.message];
      const otherQualifier = await api('put', '/api/v1/dataset/leak')
        .set('Qualifier', 'dev')
        .send({ data: [{ a: 1 }] });
      seen.otherQualifier = [otherQualifier.status, otherQualifier.body.message];
      seen.newKey = (await api('post', '/api/v1/auth/keys').send({ name: 'stolen' })).status;
      seen.me = (await api('get', '/api/v1/auth/me')).status;
      seen.adminUsers = (await api('get', '/api/v1/admin/users')).status;
      seen.adminTenants = (await api('post', '/api/v1/admin/tenants').send({ name: 'pwned' })).status;
      seen.clientConfig = (await api('get', '/api/v1/config')).status;
      seen.workers = (await api('get', '/api/v1/runtime/workers')).status;
      seen.schedule = (
        await api('put', '/api/v1/job/any/schedule').send({ interval: 'every 5 minutes' })
      ).status;
      seen.asCookie = (
        await request(t.url).get('/api/v1/dataset/sales').set('Cookie', `omega_session=${token}`)
      ).status;
      seen.live = await t.databases
        .db(TenantContext.of('default'))
        .collection(RUN_TOKENS_COLLECTION)
        .countDocuments();
    };
    const keysBefore = (await t.api.get('/api/v1/auth/keys').expect(200)).body.length;

    const { body } = await t.api.post('/api/v1/script/quiet/run').expect(200);
    expect(body.result).toBe('done');

    expect(seen.principal).toMatchObject({
      userid: t.admin.userid,
      tenant: 'default',
      role: 'member',
      isPlatformAdmin: false,
      run: { bucket: 'default', qualifier: 'default' },
    });
    expect(seen.own).toEqual(SALES);
    expect(seen.ping).toBe(200);
    expect(seen.otherBucket).toEqual([
      403,
      "This run's token is scoped to bucket 'default' and qualifier 'default'",
    ]);
    expect(seen.otherQualifier).toEqual([
      403,
      "This run's token is scoped to bucket 'default' and qualifier 'default'",
    ]);
    expect(seen).toMatchObject({
      newKey: 403,
      me: 403,
      adminUsers: 403,
      adminTenants: 403,
      clientConfig: 403,
      workers: 403,
      schedule: 403,
      asCookie: 401,
      live: 1,
    });
    // Nothing was made: no key, no tenant, nothing in the other qualifier.
    expect((await t.api.get('/api/v1/auth/keys').expect(200)).body).toHaveLength(keysBefore);
    const tenants = (await t.api.get('/api/v1/admin/tenants').expect(200)).body as { name: string }[];
    expect(tenants.map((tenant) => tenant.name)).not.toContain('pwned');
    await t.api.get('/api/v1/dataset/leak').set('Qualifier', 'dev').expect(404);
  }, 60_000);

  it('revokes the token when the run ends: the same token answers 401 and its record is gone', async () => {
    lastToken = undefined;
    probe = async (token) => {
      await request(t.url).get('/api/v1/dataset/sales').set(bearer(token)).expect(200);
    };
    await member.api.post('/api/v1/script/quiet/run').expect(200);
    expect(lastToken).toBeDefined();
    const after = await request(t.url)
      .get('/api/v1/dataset/sales')
      .set(bearer(lastToken ?? ''))
      .expect(401);
    expect(after.body.code).toBe('UNAUTHENTICATED');
    const records = t.databases.db(TenantContext.of('default')).collection(RUN_TOKENS_COLLECTION);
    expect(await records.countDocuments()).toBe(0);
  }, 60_000);

  it('refuses a run token whose claims were tampered with (another bucket written into it)', async () => {
    probe = async (token) => {
      const [header, payload, signature] = token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      const forged = Buffer.from(JSON.stringify({ ...claims, bkt: 'other' })).toString('base64url');
      await request(t.url)
        .get('/api/v1/dataset/sales')
        .set('Bucket', 'other')
        .set(bearer(`${header}.${forged}.${signature}`))
        .expect(401);
    };
    await member.api.post('/api/v1/script/quiet/run').expect(200);
  }, 60_000);

  it('refuses a live run token on every route outside the data plane, whatever its method', async () => {
    const express = t.app.getHttpAdapter().getInstance() as {
      router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
    };
    const closed = express.router.stack
      .flatMap(({ route }) =>
        route && !isRunTokenRoute(route.path)
          ? Object.keys(route.methods)
              .filter((method) => method !== '_all')
              .map((method) => ({
                method: method as 'get' | 'post' | 'put' | 'delete' | 'patch',
                path: route.path,
              }))
          : [],
      )
      .map(({ method, path }) => ({ method, path, url: path.replace(/:[A-Za-z_]+/g, 'sample') }));
    expect(closed.length).toBeGreaterThan(20);
    const answers: string[] = [];
    probe = async (token) => {
      for (const { method, path, url } of closed) {
        // Public routes need no credential at all: what they answer does not depend on the token.
        const anonymous = await request(t.url)[method](url);
        if (anonymous.status !== 401 && anonymous.status !== 302) continue;
        const { status } = await request(t.url)[method](url).set(bearer(token));
        answers.push(`${status} ${method.toUpperCase()} ${path}`);
      }
    };
    await member.api.post('/api/v1/script/quiet/run').expect(200);
    expect(answers.length).toBeGreaterThan(20);
    expect(answers.filter((answer) => !answer.startsWith('403 '))).toEqual([]);
    expect(answers).toEqual(
      expect.arrayContaining([
        '403 POST /api/v1/auth/keys',
        '403 GET /api/v1/admin/users',
        '403 POST /api/v1/auth/logout',
      ]),
    );
  }, 120_000);

  it('a readonly member cannot run scripts at all', async () => {
    const reader = await t.createPrincipal({ role: 'readonly' });
    lastToken = undefined;
    await reader.api.post('/api/v1/script/quiet/run').expect(403);
    expect(lastToken).toBeUndefined();
  });
});

describe('run tokens, broker worker: revoked by the worker, checked by the API in another process', () => {
  const secretKey = randomBytes(32).toString('base64url');
  let t: TestApp;
  let worker: WorkerProcess;

  beforeAll(async () => {
    t = await startTestApp({ broker: true, config: { secretKey } });
    worker = await startWorker(t.config, {
      env: { OMEGA_SECRET_KEY: secretKey, OMEGA_API_URL: t.url },
    });
    await t.api.put('/api/v1/dataset/sales').send({ data: SALES }).expect(200);
    await t.api.put('/api/v1/dataset/sales').set('Bucket', 'other').send({ data: SALES }).expect(200);
    await uploadScript(t.admin, 'probe', OM_PROBE_SCRIPT);
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await t?.close();
  });

  it("the script's om reaches its own bucket and qualifier only, no key, no admin route; nothing lands elsewhere", async () => {
    const keysBefore = (await t.api.get('/api/v1/auth/keys').expect(200)).body.length;
    const { body } = await t.api.post('/api/v1/script/probe/run').expect(200);
    const scoped = "403 This run's token is scoped to bucket 'default' and qualifier 'default'";
    expect(body.result).toEqual({
      own: 'ok',
      ownWrite: 'ok',
      otherBucket: scoped,
      otherQualifier: scoped,
      clientConfig: "403 A script run's token may not call this route",
      captured: true,
      ownRaw: 200,
      newKey: 403,
      me: 403,
      adminUsers: 403,
      adminTenant: 403,
    });
    expect((await t.api.get('/api/v1/auth/keys').expect(200)).body).toHaveLength(keysBefore);
    const tenants = (await t.api.get('/api/v1/admin/tenants').expect(200)).body as { name: string }[];
    expect(tenants.map((tenant) => tenant.name)).not.toContain('pwned');
    await t.api.get('/api/v1/dataset/fromrun').expect(200);
    await t.api.get('/api/v1/dataset/leak').set('Qualifier', 'dev').expect(404);
    // The worker ended the run: no live token is left for the API to accept.
    const records = t.databases.db(TenantContext.of('default')).collection(RUN_TOKENS_COLLECTION);
    expect(await records.countDocuments()).toBe(0);
  }, 120_000);
});
