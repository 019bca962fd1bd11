import { INestApplication, ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig, OmegaConfig, OmegaStores, TenantDatabases } from '@omega/core';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ApiModule } from '../../apps/api/src/api.module';
import { configureApp } from '../../apps/api/src/configure-app';
import { deleteQueues } from './broker';
import { testBrokerUrl } from './worker-process';

export function testMongoUrl(): string {
  const url = process.env.OMEGA_TEST_MONGO_URL;
  if (!url) throw new Error('OMEGA_TEST_MONGO_URL is not set: run `npm run services` (npm test does) first');
  return url;
}

/** A configuration of its own for one test file: a fresh database prefix, so suites never share data. */
export function testConfig(
  overrides: Partial<OmegaConfig> = {},
  options: { broker?: boolean } = {},
): OmegaConfig {
  const base = loadConfig({
    OMEGA_MONGO_URL: testMongoUrl(),
    OMEGA_MONGO_DB_PREFIX: `t${randomBytes(4).toString('hex')}`,
    ...(options.broker ? { OMEGA_BROKER_URL: testBrokerUrl() } : {}),
  });
  return { ...base, ...overrides };
}

export interface TestApp {
  app: INestApplication;
  config: OmegaConfig;
  /** `http://127.0.0.1:<port>`: the API really listens, so streams go through real sockets. */
  url: string;
  stores: OmegaStores;
  databases: TenantDatabases;
  close(): Promise<void>;
}

/** Boots the real API on a free port against the real MongoDB-wire server; `close()` drops its databases. */
export async function startTestApp(
  options: {
    config?: Partial<OmegaConfig>;
    /** Tasks go through the real RabbitMQ (to worker processes) instead of the in-process runner. */
    broker?: boolean;
    extra?: Pick<ModuleMetadata, 'imports' | 'controllers'>;
  } = {},
): Promise<TestApp> {
  const config = testConfig(options.config, { broker: options.broker });
  const root = ApiModule.forRoot(config);
  root.imports = [...(root.imports ?? []), ...(options.extra?.imports ?? [])];
  root.controllers = [...(root.controllers ?? []), ...(options.extra?.controllers ?? [])];
  const app = await NestFactory.create(root, { bodyParser: false, logger: ['error'] });
  configureApp(app, config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const databases = app.get(TenantDatabases);
  return {
    app,
    config,
    url: `http://127.0.0.1:${port}`,
    stores: app.get(OmegaStores),
    databases,
    close: async () => {
      const client = databases.client();
      const { databases: all } = await client.db('admin').admin().listDatabases();
      for (const { name } of all) {
        if (name.startsWith(`${config.mongoDbPrefix}_`)) await client.db(name).dropDatabase();
      }
      await app.close();
      if (config.brokerUrl) await deleteQueues(config.brokerUrl, config.mongoDbPrefix, config.workerLabels);
    },
  };
}
