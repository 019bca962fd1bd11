import { Test, TestingModule } from '@nestjs/testing';
import {
  ACCOUNTS_MIGRATIONS,
  accountsDataSourceOptions,
  AccountsModule,
  ApiKeysService,
  AuditService,
  BootstrapAdminService,
  MembershipsService,
  Role,
  TenantsService,
  UsersService,
} from '@omega/accounts';
import { loadConfig, OmegaConfig, OmegaConfigModule, OmegaError, OmegaErrorCode } from '@omega/core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createTestSqlDatabase, SqlKind, TestSqlDatabase } from './support/sql-databases';

const KINDS: SqlKind[] = ['postgres', 'mariadb', 'sqlite'];
const TABLES = ['tenants', 'users', 'memberships', 'api_keys', 'audit_events', 'revoked_tokens'];
const PASSWORD = 'correct horse battery staple';
const INJECTIONS = ["' OR 1=1 --", '{"$ne": null}', "x'; DROP TABLE users; --"];

function configFor(db: TestSqlDatabase): OmegaConfig {
  return loadConfig({ OMEGA_SQL_URL: db.url, OMEGA_DATA_DIR: db.dataDir });
}

async function bootAccounts(config: OmegaConfig): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [OmegaConfigModule.forRoot(config), AccountsModule],
  }).compile();
  moduleRef.useLogger(['error']);
  await moduleRef.init();
  return moduleRef;
}

/** The OmegaError code a call fails with (the test fails if it does not fail that way). */
async function codeOf(call: Promise<unknown>): Promise<OmegaErrorCode> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(OmegaError);
  return (error as OmegaError).code;
}

describe.each(KINDS)('accounts database on %s', (kind) => {
  describe('migrations', () => {
    let db: TestSqlDatabase;

    beforeAll(async () => {
      db = await createTestSqlDatabase(kind);
    });

    afterAll(async () => {
      await db?.drop();
    });

    it('creates the schema from empty, and down removes it again', async () => {
      const dataSource = new DataSource(accountsDataSourceOptions(configFor(db)));
      await dataSource.initialize();
      const queryRunner = dataSource.createQueryRunner();
      // One at a time: a query runner holds one connection, which runs one query at a time.
      const tablesPresent = async () => {
        const present: boolean[] = [];
        for (const table of TABLES) present.push(await queryRunner.hasTable(table));
        return present;
      };
      try {
        expect(await tablesPresent()).toEqual(TABLES.map(() => false));

        const ran = await dataSource.runMigrations();
        expect(ran.map((migration) => migration.name)).toEqual(ACCOUNTS_MIGRATIONS.map((m) => m.name));
        expect(await tablesPresent()).toEqual(TABLES.map(() => true));
        expect(await dataSource.showMigrations()).toBe(false);

        // Every migration's down, newest first.
        for (let left = ACCOUNTS_MIGRATIONS.length; left > 0; left -= 1) await dataSource.undoLastMigration();
        expect(await tablesPresent()).toEqual(TABLES.map(() => false));
        expect(await dataSource.showMigrations()).toBe(true);

        // Down left nothing behind (no index or constraint name still taken): up runs cleanly again.
        await dataSource.runMigrations();
        expect(await tablesPresent()).toEqual(TABLES.map(() => true));
      } finally {
        await queryRunner.release();
        await dataSource.destroy();
      }
    });
  });

  describe('services', () => {
    let db: TestSqlDatabase;
    let moduleRef: TestingModule;
    let tenants: TenantsService;
    let users: UsersService;
    let memberships: MembershipsService;
    let keys: ApiKeysService;
    let audit: AuditService;
    let bootstrap: BootstrapAdminService;

    /** A member of a fresh tenant with a fresh key: most key tests want exactly that. */
    async function memberWithKey(prefix: string, role: Role = 'member') {
      const tenant = (await tenants.create(`${prefix}_t`)).name;
      const userid = `${prefix}_user`;
      await users.create({ userid, password: PASSWORD });
      await memberships.add(userid, tenant, role);
      const created = await keys.create({ userid, tenant, name: 'laptop' });
      return { tenant, userid, apikey: created.apikey, keyId: created.key.id };
    }

    beforeAll(async () => {
      db = await createTestSqlDatabase(kind);
      moduleRef = await bootAccounts(configFor(db));
      tenants = moduleRef.get(TenantsService);
      users = moduleRef.get(UsersService);
      memberships = moduleRef.get(MembershipsService);
      keys = moduleRef.get(ApiKeysService);
      audit = moduleRef.get(AuditService);
      bootstrap = moduleRef.get(BootstrapAdminService);
    });

    afterAll(async () => {
      try {
        await moduleRef?.close();
      } finally {
        await db?.drop();
      }
    });

    describe('tenants', () => {
      it('creates, gets and lists tenants', async () => {
        const created = await tenants.create('acme');
        expect(created).toEqual({
          id: expect.any(String),
          name: 'acme',
          created: expect.any(Date),
          disabled: false,
        });
        expect(await tenants.get('acme')).toEqual(created);
        expect((await tenants.list()).map((tenant) => tenant.name)).toContain('acme');
      });

      it('answers ALREADY_EXISTS for a taken name', async () => {
        await tenants.create('taken');
        await expect(tenants.create('taken')).rejects.toMatchObject({
          code: OmegaErrorCode.AlreadyExists,
          message: "Tenant 'taken' already exists",
        });
      });

      it('refuses names the tenancy context would refuse', async () => {
        for (const name of ['Acme', 'a-b', '_x', '', 'x'.repeat(41), "' OR 1=1 --"]) {
          expect(await codeOf(tenants.create(name))).toBe(OmegaErrorCode.InvalidName);
        }
      });

      it('answers NOT_FOUND for an unknown tenant', async () => {
        expect(await codeOf(tenants.get('nosuch'))).toBe(OmegaErrorCode.NotFound);
      });

      it('pages its listing', async () => {
        for (const name of ['page_a', 'page_b', 'page_c']) await tenants.create(name);
        const all = (await tenants.list({ limit: 1000 })).map((tenant) => tenant.name);
        const second = await tenants.list({ limit: 2, offset: 1 });
        expect(second.map((tenant) => tenant.name)).toEqual(all.slice(1, 3));
      });
    });

    describe('users and passwords', () => {
      it('creates a user and never shows the password hash', async () => {
        const created = await users.create({
          userid: 'alice',
          password: PASSWORD,
          email: 'alice@example.com',
        });
        expect(created).toEqual({
          id: expect.any(String),
          userid: 'alice',
          email: 'alice@example.com',
          created: expect.any(Date),
          disabled: false,
          isPlatformAdmin: false,
        });
        const listed = await users.list();
        expect(listed.map((user) => user.userid)).toContain('alice');
        expect(JSON.stringify(listed)).not.toMatch(/scrypt|hash/i);
      });

      it('answers ALREADY_EXISTS for a taken userid, but tells userids apart by case', async () => {
        await users.create({ userid: 'bob', password: PASSWORD });
        expect(await codeOf(users.create({ userid: 'bob', password: PASSWORD }))).toBe(
          OmegaErrorCode.AlreadyExists,
        );
        // MariaDB compares case-insensitively by default; the schema makes it behave like the others.
        await users.create({ userid: 'Bob', password: PASSWORD });
        expect((await users.get('Bob')).userid).toBe('Bob');
        expect((await users.get('bob')).userid).toBe('bob');
      });

      it('enforces the password policy', async () => {
        await expect(users.create({ userid: 'shorty', password: 'eleven char' })).rejects.toMatchObject({
          code: OmegaErrorCode.InvalidInput,
          message: 'password must be at least 12 characters',
        });
        expect(await codeOf(users.get('shorty'))).toBe(OmegaErrorCode.NotFound);
      });

      it('verifies the right password and refuses a wrong one, an unknown user and a disabled user', async () => {
        await users.create({ userid: 'carol', password: PASSWORD });
        expect(await users.verifyPassword('carol', PASSWORD)).toMatchObject({ userid: 'carol' });
        expect(await users.verifyPassword('carol', `${PASSWORD}!`)).toBeNull();
        expect(await users.verifyPassword('nobody', PASSWORD)).toBeNull();

        await users.setPassword('carol', 'another long passphrase');
        expect(await users.verifyPassword('carol', PASSWORD)).toBeNull();
        expect(await users.verifyPassword('carol', 'another long passphrase')).not.toBeNull();

        await users.setDisabled('carol', true);
        expect(await users.verifyPassword('carol', 'another long passphrase')).toBeNull();
      });

      it('treats injection strings as userids like any other data: not found', async () => {
        for (const userid of INJECTIONS) {
          expect(await codeOf(users.get(userid))).toBe(OmegaErrorCode.NotFound);
          expect(await users.verifyPassword(userid, PASSWORD)).toBeNull();
          expect(await codeOf(users.create({ userid, password: PASSWORD }))).toBe(OmegaErrorCode.InvalidName);
        }
        expect(await users.verifyPassword({ $ne: null }, PASSWORD)).toBeNull();
        expect(await codeOf(tenants.get("x' OR '1'='1"))).toBe(OmegaErrorCode.NotFound);
      });
    });

    describe('memberships', () => {
      it('adds, lists, changes and removes a membership', async () => {
        await tenants.create('team');
        await users.create({ userid: 'dave', password: PASSWORD });
        await users.create({ userid: 'erin' });

        expect(await memberships.add('dave', 'team', 'admin')).toMatchObject({
          userid: 'dave',
          tenant: 'team',
          role: 'admin',
        });
        await memberships.add('erin', 'team', 'readonly');
        expect((await memberships.listByTenant('team')).map((m) => [m.userid, m.role])).toEqual([
          ['dave', 'admin'],
          ['erin', 'readonly'],
        ]);
        expect(await memberships.listByUser('dave')).toEqual([
          { userid: 'dave', tenant: 'team', role: 'admin', created: expect.any(Date) },
        ]);

        await memberships.setRole('erin', 'team', 'member');
        expect(await memberships.roleOf('erin', 'team')).toBe('member');
        await memberships.remove('erin', 'team');
        expect(await memberships.roleOf('erin', 'team')).toBeNull();
      });

      it('answers ALREADY_EXISTS for a second membership of the same user and tenant', async () => {
        await tenants.create('twice');
        await users.create({ userid: 'frank' });
        await memberships.add('frank', 'twice', 'member');
        await expect(memberships.add('frank', 'twice', 'admin')).rejects.toMatchObject({
          code: OmegaErrorCode.AlreadyExists,
          message: "User 'frank' is already a member of tenant 'twice'",
        });
      });

      it('refuses an unknown role, user or tenant', async () => {
        expect(await codeOf(memberships.add('frank', 'twice', 'owner' as Role))).toBe(
          OmegaErrorCode.InvalidInput,
        );
        expect(await codeOf(memberships.add('nobody', 'twice', 'member'))).toBe(OmegaErrorCode.NotFound);
        expect(await codeOf(memberships.add('frank', 'nosuch', 'member'))).toBe(OmegaErrorCode.NotFound);
      });
    });

    describe('API keys', () => {
      it('creates a key shown once, lists it by prefix only, and verifies it', async () => {
        const { tenant, userid, apikey, keyId } = await memberWithKey('k1', 'admin');
        expect(apikey).toMatch(/^[A-Za-z0-9_-]{43}$/);

        const listed = await keys.list({ userid });
        expect(listed).toEqual([
          {
            id: keyId,
            userid,
            tenant,
            name: 'laptop',
            keyPrefix: apikey.slice(0, 8),
            created: expect.any(Date),
            expiresAt: null,
            revokedAt: null,
            lastUsedAt: null,
            rateLimits: {},
          },
        ]);
        expect(JSON.stringify(await keys.list({ tenant }))).not.toContain(apikey);

        expect(await keys.verifyApiKey(userid, apikey)).toEqual({
          userId: (await users.get(userid)).id,
          userid,
          tenant,
          role: 'admin',
          keyId,
          expiresAt: null,
          rateLimits: {},
        });
        const [used] = await keys.list({ userid });
        expect(used.lastUsedAt).toBeInstanceOf(Date);
        expect(Math.abs(used.lastUsedAt!.getTime() - Date.now())).toBeLessThan(60_000);
      });

      it('refuses a wrong key, another user’s key and an unknown user', async () => {
        const one = await memberWithKey('k2');
        const two = await memberWithKey('k3');
        expect(await keys.verifyApiKey(one.userid, `${one.apikey.slice(0, -1)}x`)).toBeNull();
        expect(await keys.verifyApiKey(one.userid, two.apikey)).toBeNull();
        expect(await keys.verifyApiKey('nobody', one.apikey)).toBeNull();
        expect(await keys.verifyApiKey(one.userid, '')).toBeNull();
      });

      it('refuses a revoked key on the very next verify', async () => {
        const { userid, apikey, keyId } = await memberWithKey('k4');
        expect(await keys.verifyApiKey(userid, apikey)).not.toBeNull();
        await keys.revoke(keyId);
        expect(await keys.verifyApiKey(userid, apikey)).toBeNull();
        expect((await keys.get(keyId)).revokedAt).toBeInstanceOf(Date);
      });

      it('refuses an expired key, and accepts it again when the expiry is lifted', async () => {
        const { userid, tenant, apikey, keyId } = await memberWithKey('k5');
        await keys.setExpiry(keyId, new Date(Date.now() + 3_600_000));
        expect(await keys.verifyApiKey(userid, apikey)).not.toBeNull();
        await keys.setExpiry(keyId, new Date(Date.now() - 1000));
        expect(await keys.verifyApiKey(userid, apikey)).toBeNull();
        await keys.setExpiry(keyId, null);
        expect(await keys.verifyApiKey(userid, apikey)).not.toBeNull();

        // The expiry round-trips through the database as the same instant.
        const at = new Date(Date.now() + 86_400_000);
        const created = await keys.create({ userid, tenant, name: 'ci', expiresAt: at });
        expect((await keys.get(created.key.id)).expiresAt?.getTime()).toBe(at.getTime());
        expect(await codeOf(keys.create({ userid, tenant, expiresAt: new Date(Date.now() - 1) }))).toBe(
          OmegaErrorCode.InvalidInput,
        );
      });

      it('refuses the key of a disabled user, of a disabled tenant, and after the membership ends', async () => {
        const a = await memberWithKey('k6');
        await users.setDisabled(a.userid, true);
        expect(await keys.verifyApiKey(a.userid, a.apikey)).toBeNull();
        await users.setDisabled(a.userid, false);
        expect(await keys.verifyApiKey(a.userid, a.apikey)).not.toBeNull();

        await tenants.setDisabled(a.tenant, true);
        expect(await keys.verifyApiKey(a.userid, a.apikey)).toBeNull();
        await tenants.setDisabled(a.tenant, false);

        await memberships.remove(a.userid, a.tenant);
        expect(await keys.verifyApiKey(a.userid, a.apikey)).toBeNull();
      });

      it('makes keys only for members of the tenant', async () => {
        await tenants.create('outside');
        await users.create({ userid: 'gina' });
        expect(await codeOf(keys.create({ userid: 'gina', tenant: 'outside' }))).toBe(
          OmegaErrorCode.InvalidInput,
        );
        expect(await codeOf(keys.revoke('no-such-key'))).toBe(OmegaErrorCode.NotFound);
      });

      it('treats injection strings as data: not found, and stored literally', async () => {
        const { userid, tenant, apikey } = await memberWithKey('k7');
        for (const injected of INJECTIONS) expect(await keys.verifyApiKey(injected, apikey)).toBeNull();
        expect(await keys.verifyApiKey({ $ne: null }, apikey)).toBeNull();
        expect(await keys.verifyApiKey(userid, { $ne: null })).toBeNull();

        const name = `o'brien"; DROP TABLE api_keys; --`;
        const created = await keys.create({ userid, tenant, name });
        expect((await keys.get(created.key.id)).name).toBe(name);
        expect(await keys.verifyApiKey(userid, apikey)).not.toBeNull();
      });
    });

    describe('audit trail', () => {
      it('records successes and failures with actor, tenant and remote address', async () => {
        const by = { actor: 'auditor', remote: '203.0.113.7' };
        await tenants.create('audited', by);
        await users.create({ userid: 'hank' }, by);
        await memberships.add('hank', 'audited', 'member', by);
        const { key } = await keys.create({ userid: 'hank', tenant: 'audited' }, by);
        await keys.revoke(key.id, by);
        await tenants.create('audited', by).catch(() => undefined);

        const mine = (await audit.list(undefined, { limit: 1000 })).filter(
          (event) => event.actor === 'auditor',
        );
        expect(mine.map((event) => [event.action, event.outcome]).reverse()).toEqual([
          ['tenant.create', 'success'],
          ['user.create', 'success'],
          ['membership.add', 'success'],
          ['apikey.create', 'success'],
          ['apikey.revoke', 'success'],
          ['tenant.create', 'failure'],
        ]);
        expect(mine[0]).toMatchObject({
          object: 'audited',
          remote: '203.0.113.7',
          details: { code: OmegaErrorCode.AlreadyExists },
          at: expect.any(Date),
        });
        expect(mine.find((event) => event.action === 'apikey.revoke')?.object).toBe(key.id);

        const ofTenant = await audit.list('audited');
        expect(ofTenant.map((event) => event.action)).toEqual([
          'apikey.revoke',
          'apikey.create',
          'membership.add',
        ]);
        expect(await audit.list(undefined, { limit: 2 })).toHaveLength(2);
      });
    });

    describe('bootstrap admin', () => {
      it('creates the admin once, returns the secrets it made, then does nothing', async () => {
        const secrets = await bootstrap.ensureBootstrapAdmin({ userid: 'root', tenant: 'root_t' });
        expect(secrets).toEqual({
          userid: 'root',
          tenant: 'root_t',
          password: expect.stringMatching(/^.{12,}$/),
          apikey: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        });
        expect(await users.get('root')).toMatchObject({ isPlatformAdmin: true, disabled: false });
        expect(await memberships.roleOf('root', 'root_t')).toBe('admin');
        expect(await users.verifyPassword('root', secrets!.password)).not.toBeNull();
        expect(await keys.verifyApiKey('root', secrets!.apikey)).toMatchObject({
          userid: 'root',
          tenant: 'root_t',
          role: 'admin',
        });

        expect(await bootstrap.ensureBootstrapAdmin({ userid: 'root', tenant: 'root_t' })).toBeNull();
        expect(await keys.list({ userid: 'root' })).toHaveLength(1);
        expect((await audit.list('root_t')).map((event) => event.action)).toEqual(['bootstrap.admin']);
      });

      it('stores the hash of a key the deployment supplies, and does not echo supplied secrets', async () => {
        const apikey = 'a'.repeat(8) + '0123456789abcdef0123456789abcdef';
        const secrets = await bootstrap.ensureBootstrapAdmin({
          userid: 'ops',
          password: PASSWORD,
          apikey,
          tenant: 'acme',
        });
        expect(secrets).toEqual({ userid: 'ops', tenant: 'acme', password: null, apikey: null });
        expect(await keys.verifyApiKey('ops', apikey)).toMatchObject({ tenant: 'acme', role: 'admin' });
        expect(await users.verifyPassword('ops', PASSWORD)).not.toBeNull();

        // Revoked stays revoked, although the environment still names the key at the next start.
        const [key] = await keys.list({ userid: 'ops' });
        await keys.revoke(key.id);
        expect(await bootstrap.ensureBootstrapAdmin({ userid: 'ops', apikey, tenant: 'acme' })).toBeNull();
        expect(await keys.verifyApiKey('ops', apikey)).toBeNull();
      });

      it('refuses a supplied key too short to be safe under a fast hash', async () => {
        expect(
          await codeOf(bootstrap.ensureBootstrapAdmin({ userid: 'weak', apikey: 'secret', tenant: 'acme' })),
        ).toBe(OmegaErrorCode.InvalidInput);
        expect(await codeOf(users.get('weak'))).toBe(OmegaErrorCode.NotFound);
      });
    });

    it('keeps its data across a restart, and runs no migration twice', async () => {
      const again = await bootAccounts(configFor(db));
      try {
        expect((await again.get(UsersService).get('alice')).userid).toBe('alice');
      } finally {
        await again.close();
      }
    });
  });
});

describe('accounts database, embedded default', () => {
  let db: TestSqlDatabase;

  beforeAll(async () => {
    db = await createTestSqlDatabase('sqlite');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('uses <dataDir>/accounts.sqlite when OMEGA_SQL_URL is unset, creating the folder', async () => {
    const dataDir = join(db.dataDir, 'fresh', 'data');
    const moduleRef = await bootAccounts(loadConfig({ OMEGA_DATA_DIR: dataDir }));
    try {
      await moduleRef.get(TenantsService).create('embedded');
      expect(existsSync(join(dataDir, 'accounts.sqlite'))).toBe(true);
    } finally {
      await moduleRef.close();
    }
  });
});
