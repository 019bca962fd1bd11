import { Test, TestingModule } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import {
  ACCOUNTS_CONNECTION,
  AccountsModule,
  SESSION_COOKIE,
  SessionRevocations,
  UsersService,
} from '@omega/accounts';
import { loadConfig, OmegaConfigModule } from '@omega/core';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { createTestSqlDatabase, SqlKind, TestSqlDatabase } from './support/sql-databases';
import { startTestApp, TestApp, TestPrincipal } from './support/test-app';

/** A console session as a browser would get it: the login form with its CSRF cookie, then the cookies. */
interface ConsoleSession {
  /** The `Cookie` header a browser would send (session and CSRF cookies). */
  cookie: string;
  csrf: string;
  session: string;
}

function cookiesOf(res: request.Response): Record<string, string> {
  const raw = res.headers['set-cookie'] as unknown as string[] | undefined;
  const found: Record<string, string> = {};
  for (const line of raw ?? []) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    found[pair.slice(0, eq)] = decodeURIComponent(pair.slice(eq + 1));
  }
  return found;
}

/**
 * Logout, password changes and disabled users end sessions on the server: a copy of the cookie or token
 * taken before (by an attacker, or left in another browser) is refused afterwards.
 */
describe('sessions end on the server', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t?.close();
  });

  async function consoleLogin(who: TestPrincipal): Promise<ConsoleSession> {
    const page = await request(t.url).get('/console/login').expect(200);
    const loginCsrf = cookiesOf(page).omega_csrf;
    expect(loginCsrf).toBeTruthy();
    const login = await request(t.url)
      .post('/console/login')
      .set('Cookie', `omega_csrf=${loginCsrf}`)
      .type('form')
      .send({ userid: who.userid, password: who.password, _csrf: loginCsrf })
      .expect(303);
    const cookies = cookiesOf(login);
    const session = cookies[SESSION_COOKIE];
    const csrf = cookies.omega_csrf;
    expect(session).toBeTruthy();
    return { cookie: `${SESSION_COOKIE}=${session}; omega_csrf=${csrf}`, csrf, session };
  }

  async function bearerLogin(who: TestPrincipal): Promise<string> {
    const { body } = await request(t.url)
      .post('/api/v1/auth/login')
      .send({ userid: who.userid, password: who.password })
      .expect(200);
    return body.token as string;
  }

  const me = (headers: Record<string, string>) => request(t.url).get('/api/v1/auth/me').set(headers);

  it('console logout: the same cookie, replayed, answers 401 on /auth/me', async () => {
    const who = await t.createPrincipal();
    const other = await consoleLogin(who);
    const mine = await consoleLogin(who);
    await me({ Cookie: mine.cookie }).expect(200);

    await request(t.url)
      .post('/console/logout')
      .set('Cookie', mine.cookie)
      .type('form')
      .send({ _csrf: mine.csrf })
      .expect(303);
    const replayed = await me({ Cookie: mine.cookie }).expect(401);
    expect(replayed.body.code).toBe('UNAUTHENTICATED');
    // The session cookie as a Bearer token is the same login: refused too.
    await me({ Authorization: `Bearer ${mine.session}` }).expect(401);
    // Only that session ended: the user's other session still works.
    await me({ Cookie: other.cookie }).expect(200);
  });

  it('API logout: the Bearer token is refused from then on, and logout needs a valid login', async () => {
    const who = await t.createPrincipal();
    const token = await bearerLogin(who);
    const other = await bearerLogin(who);
    await me({ Authorization: `Bearer ${token}` }).expect(200);

    await request(t.url).post('/api/v1/auth/logout').set('Authorization', `Bearer ${token}`).expect(204);
    await me({ Authorization: `Bearer ${token}` }).expect(401);
    await request(t.url).post('/api/v1/auth/logout').set('Authorization', `Bearer ${token}`).expect(401);
    await me({ Authorization: `Bearer ${other}` }).expect(200);

    // A session cookie's logout through the API still needs its CSRF token.
    const session = await consoleLogin(who);
    await request(t.url).post('/api/v1/auth/logout').set('Cookie', session.cookie).expect(403);
    await me({ Cookie: session.cookie }).expect(200);
    await request(t.url)
      .post('/api/v1/auth/logout')
      .set('Cookie', session.cookie)
      .set('X-CSRF-Token', session.csrf)
      .expect(204);
    await me({ Cookie: session.cookie }).expect(401);
  });

  it('a password change ends every Bearer token and console session issued before it; API keys stay', async () => {
    const who = await t.createPrincipal();
    const token = await bearerLogin(who);
    const session = await consoleLogin(who);
    await me({ Authorization: `Bearer ${token}` }).expect(200);
    await me({ Cookie: session.cookie }).expect(200);

    const password = 'a brand new long passphrase';
    await t.app.get(UsersService).setPassword(who.userid, password);
    await me({ Authorization: `Bearer ${token}` }).expect(401);
    await me({ Cookie: session.cookie }).expect(401);
    // API keys are revoked on their own (DELETE /auth/keys/:id), not by a password change.
    await me(who.auth).expect(200);

    // A login right after the change, within the same second, works.
    const fresh = await bearerLogin({ ...who, password });
    await me({ Authorization: `Bearer ${fresh}` }).expect(200);
    await request(t.url)
      .post('/api/v1/auth/login')
      .send({ userid: who.userid, password: who.password })
      .expect(401);
  });

  it('disabling a user ends their tokens for good: enabling them again does not bring old ones back', async () => {
    const who = await t.createPrincipal();
    const token = await bearerLogin(who);
    const session = await consoleLogin(who);

    await t.api.post(`/api/v1/admin/users/${who.userid}/disable`).expect(204);
    await me({ Authorization: `Bearer ${token}` }).expect(401);
    await me({ Cookie: session.cookie }).expect(401);
    await me(who.auth).expect(401);

    await t.api.post(`/api/v1/admin/users/${who.userid}/enable`).expect(204);
    await me({ Authorization: `Bearer ${token}` }).expect(401);
    await me({ Cookie: session.cookie }).expect(401);
    const fresh = await bearerLogin(who);
    await me({ Authorization: `Bearer ${fresh}` }).expect(200);
  });

  it('keeps the revocations in the accounts database, one row per logout', async () => {
    const who = await t.createPrincipal();
    const token = await bearerLogin(who);
    const accounts = t.app.get<DataSource>(getDataSourceToken(ACCOUNTS_CONNECTION));
    const rows = (): Promise<{ id: string }[]> => accounts.query('SELECT id FROM revoked_tokens');
    const before = (await rows()).length;
    await request(t.url).post('/api/v1/auth/logout').set('Authorization', `Bearer ${token}`).expect(204);
    const after = await rows();
    expect(after).toHaveLength(before + 1);
    expect(after.every((row) => /^(token|user):[0-9a-f-]{36}$/.test(row.id))).toBe(true);
  });
});

describe.each<SqlKind>(['postgres', 'mariadb', 'sqlite'])('revocations kept on %s', (kind) => {
  let db: TestSqlDatabase;
  let moduleRef: TestingModule;
  let revocations: SessionRevocations;

  beforeAll(async () => {
    db = await createTestSqlDatabase(kind);
    const config = loadConfig({ OMEGA_SQL_URL: db.url, OMEGA_DATA_DIR: db.dataDir });
    moduleRef = await Test.createTestingModule({
      imports: [OmegaConfigModule.forRoot(config), AccountsModule],
    }).compile();
    moduleRef.useLogger(['error']);
    await moduleRef.init();
    revocations = moduleRef.get(SessionRevocations);
  });

  afterAll(async () => {
    try {
      await moduleRef?.close();
    } finally {
      await db?.drop();
    }
  });

  it('revokes one token, twice without error, and no other', async () => {
    const userId = randomUUID();
    const [logout, other] = [randomUUID(), randomUUID()];
    const issuedAt = Date.now();
    await revocations.revokeToken(logout, new Date(Date.now() + 60_000));
    await revocations.revokeToken(logout, new Date(Date.now() + 60_000));
    expect(await revocations.isRevoked({ tokenId: logout, userId, issuedAt })).toBe(true);
    expect(await revocations.isRevoked({ tokenId: other, userId, issuedAt })).toBe(false);
  });

  it("revokes a user's tokens issued until then, not those issued after, and moves on a second time", async () => {
    const userId = randomUUID();
    const before = Date.now() - 5;
    await revocations.revokeUser(userId);
    const after = Date.now() + 5;
    expect(await revocations.isRevoked({ tokenId: randomUUID(), userId, issuedAt: before })).toBe(true);
    expect(await revocations.isRevoked({ tokenId: randomUUID(), userId, issuedAt: after })).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await revocations.revokeUser(userId);
    expect(await revocations.isRevoked({ tokenId: randomUUID(), userId, issuedAt: after })).toBe(true);
    expect(
      await revocations.isRevoked({ tokenId: randomUUID(), userId: randomUUID(), issuedAt: before }),
    ).toBe(false);
  });

  it('forgets revocations whose tokens have expired anyway, at the next revocation', async () => {
    const expired = randomUUID();
    await revocations.revokeToken(expired, new Date(Date.now() - 1000));
    const probe = { tokenId: expired, userId: randomUUID(), issuedAt: Date.now() };
    expect(await revocations.isRevoked(probe)).toBe(true);
    await revocations.revokeToken(randomUUID(), new Date(Date.now() + 60_000));
    expect(await revocations.isRevoked(probe)).toBe(false);
  });
});
