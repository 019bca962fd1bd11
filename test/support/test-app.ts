import { INestApplication, LoggerService, ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ApiKeysService,
  generateApiKey,
  MembershipsService,
  Role,
  TenantProvisioningService,
  TenantsService,
  UsersService,
} from '@omega/accounts';
import { initOrClose, loadConfig, OmegaConfig, OmegaStores, TenantDatabases } from '@omega/core';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { ApiModule } from '../../apps/api/src/api.module';
import { configureApp } from '../../apps/api/src/configure-app';
import { deleteQueues } from './broker';
import { describeViolations, ResponseContract, responseRecorder } from './response-shapes';
import { testBrokerUrl } from './worker-process';

export function testMongoUrl(): string {
  const url = process.env.OMEGA_TEST_MONGO_URL;
  if (!url) throw new Error('OMEGA_TEST_MONGO_URL is not set: run `npm run services` (npm test does) first');
  return url;
}

/**
 * A configuration of its own for one test file: a fresh database prefix, so suites never share data, and a
 * fresh data folder, so each has its own accounts database (SQLite) with a known first admin.
 */
export function testConfig(
  overrides: Partial<OmegaConfig> = {},
  options: { broker?: boolean } = {},
): OmegaConfig {
  const base = loadConfig({
    OMEGA_MONGO_URL: testMongoUrl(),
    OMEGA_MONGO_DB_PREFIX: `t${randomBytes(4).toString('hex')}`,
    OMEGA_DATA_DIR: mkdtempSync(join(tmpdir(), 'omega-test-')),
    OMEGA_ADMIN_USERID: 'admin',
    OMEGA_ADMIN_PASSWORD: randomBytes(18).toString('base64url'),
    OMEGA_ADMIN_APIKEY: generateApiKey(),
    OMEGA_ADMIN_TENANT: 'default',
    ...(options.broker ? { OMEGA_BROKER_URL: testBrokerUrl() } : {}),
  });
  return { ...base, ...overrides };
}

/** Credentials of one user in one tenant, with a supertest agent that sends them on every request. */
export interface TestPrincipal {
  userid: string;
  password: string;
  apikey: string;
  tenant: string;
  role: Role;
  /** `{ Authorization: 'ApiKey <userid>:<apikey>' }` */
  auth: { Authorization: string };
  api: TestAgent;
}

export interface TestApp {
  app: INestApplication;
  config: OmegaConfig;
  /** `http://127.0.0.1:<port>`: the API really listens, so streams go through real sockets. */
  url: string;
  stores: OmegaStores;
  databases: TenantDatabases;
  /** The bootstrap admin (platform admin, role admin in tenant `default`). */
  admin: TestPrincipal;
  /** The admin's Authorization header. */
  auth: { Authorization: string };
  /** A supertest agent with the admin's Authorization header preset. */
  api: TestAgent;
  /**
   * Another user (and tenant, made when missing) with an API key: `role` member unless given. Made through
   * the accounts services, as the admin API would.
   */
  createPrincipal(options?: { tenant?: string; role?: Role; userid?: string }): Promise<TestPrincipal>;
  /**
   * Drops the app's databases and stops it; then throws when an answer had a shape the OpenAPI document
   * does not describe (see `test/support/response-shapes.ts`).
   */
  close(): Promise<void>;
}

let contract: ResponseContract | undefined;

export function agentFor(url: string, auth: { Authorization: string }): TestAgent {
  return request.agent(url).set(auth);
}

/** Boots the real API on a free port against the real MongoDB-wire server; `close()` drops its databases. */
export async function startTestApp(
  options: {
    config?: Partial<OmegaConfig>;
    /** Tasks go through the real RabbitMQ (to worker processes) instead of the in-process runner. */
    broker?: boolean;
    extra?: Pick<ModuleMetadata, 'imports' | 'controllers'>;
    /** Receives every log line (tests that check what is, and is not, logged). */
    logger?: LoggerService;
  } = {},
): Promise<TestApp> {
  const config = testConfig(options.config, { broker: options.broker });
  const root = ApiModule.forRoot(config);
  root.imports = [...(root.imports ?? []), ...(options.extra?.imports ?? [])];
  root.controllers = [...(root.controllers ?? []), ...(options.extra?.controllers ?? [])];
  const app = await NestFactory.create(root, { bodyParser: false, logger: options.logger ?? ['error'] });
  // Every JSON answer is checked against the OpenAPI document; what it does not describe fails the suite.
  contract ??= ResponseContract.fromFile();
  const shapes = responseRecorder(contract);
  app.use(shapes.middleware);
  configureApp(app, config);
  await initOrClose(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const databases = app.get(TenantDatabases);
  const adminAuth = { Authorization: `ApiKey ${config.adminUserid}:${config.adminApikey}` };
  const admin: TestPrincipal = {
    userid: config.adminUserid,
    password: config.adminPassword ?? '',
    apikey: config.adminApikey ?? '',
    tenant: config.adminTenant,
    role: 'admin',
    auth: adminAuth,
    api: agentFor(url, adminAuth),
  };
  let made = 0;
  return {
    app,
    config,
    url,
    stores: app.get(OmegaStores),
    databases,
    admin,
    auth: adminAuth,
    api: admin.api,
    createPrincipal: async ({ tenant = config.adminTenant, role = 'member', userid } = {}) => {
      made += 1;
      const name = userid ?? `user${made}_${randomBytes(3).toString('hex')}`;
      const password = randomBytes(18).toString('base64url');
      const tenants = app.get(TenantsService);
      if (!(await tenants.list({ limit: 1000 })).some((found) => found.name === tenant)) {
        await app.get(TenantProvisioningService).create(tenant, { actor: 'test' });
      }
      await app.get(UsersService).create({ userid: name, password });
      await app.get(MembershipsService).add(name, tenant, role);
      const { apikey } = await app.get(ApiKeysService).create({ userid: name, tenant });
      const auth = { Authorization: `ApiKey ${name}:${apikey}` };
      return { userid: name, password, apikey, tenant, role, auth, api: agentFor(url, auth) };
    },
    close: async () => {
      const client = databases.client();
      const { databases: all } = await client.db('admin').admin().listDatabases({ nameOnly: true });
      for (const { name } of all) {
        if (name.startsWith(`${config.mongoDbPrefix}_`) || name.startsWith(`${config.mongoDbPrefix}-`))
          await client.db(name).dropDatabase();
      }
      await app.close();
      if (config.brokerUrl) await deleteQueues(config.brokerUrl, config.mongoDbPrefix, config.workerLabels);
      rmSync(config.dataDir, { recursive: true, force: true });
      if (shapes.violations.length > 0) throw new Error(describeViolations(shapes.violations));
    },
  };
}
