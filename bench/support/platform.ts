import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig, OmegaConfig, OmegaConfigModule, OmegaCoreModule, OmegaStores } from '@omega/core';
import { DatasetsModule } from '@omega/datasets';
import { generateApiKey } from '@omega/accounts';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiModule } from '../../apps/api/src/api.module';
import { configureApp } from '../../apps/api/src/configure-app';

/**
 * Database prefix of everything the platform writes during a run: the tenant database is
 * `bench<pid>_default`. One per run, because a run drops its databases at its start and end: with one shared
 * name a second run (any suite) dropped the first one's tables while it wrote them, and the server recreated
 * them on the next insert, so a 100k-row table read back 59,000 rows.
 */
export const BENCH_DB_PREFIX = `bench${process.pid}`;
/** Database of the raw-driver baselines. */
export const RAW_DB = `${BENCH_DB_PREFIX}_raw`;
/** The databases of a run, by its process id: `bench<pid>_…`. */
export const BENCH_DB_PATTERN = /^bench(\d+)_/;

/**
 * The platform's own configuration, pointed at the bench server and databases, with a data folder of its
 * own (accounts, part cache) and a known admin API key, so the REST paths can authenticate.
 */
export function benchConfig(mongoUrl: string): OmegaConfig {
  return loadConfig({
    ...process.env,
    OMEGA_MONGO_URL: mongoUrl,
    OMEGA_MONGO_DB_PREFIX: BENCH_DB_PREFIX,
    OMEGA_DATA_DIR: mkdtempSync(join(tmpdir(), 'omega-bench-')),
    OMEGA_ADMIN_APIKEY: generateApiKey(),
    OMEGA_ADMIN_PASSWORD: randomBytes(18).toString('base64url'),
    // The bench measures the platform, not the per-key request budget.
    OMEGA_RATE_LIMIT_API: '0',
  });
}

/** The Authorization header of the bench admin. */
export function benchAuth(config: OmegaConfig): { authorization: string } {
  return { authorization: `ApiKey ${config.adminUserid}:${config.adminApikey}` };
}

/** Just the storage core and the dataset kinds: the store path without any HTTP in the way. */
@Module({})
class BenchStoreModule {
  static forRoot(config: OmegaConfig): DynamicModule {
    return {
      module: BenchStoreModule,
      imports: [OmegaConfigModule.forRoot(config), OmegaCoreModule, DatasetsModule],
    };
  }
}

export interface StoreHandle {
  stores: OmegaStores;
  close(): Promise<void>;
}

export async function openStores(config: OmegaConfig): Promise<StoreHandle> {
  const context: INestApplicationContext = await NestFactory.createApplicationContext(
    BenchStoreModule.forRoot(config),
    {
      logger: ['error', 'warn'],
    },
  );
  return { stores: context.get(OmegaStores), close: () => context.close() };
}

export interface ApiHandle {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  close(): Promise<void>;
}

/** The real REST API, set up as `main.ts` does, listening on a free local port. */
export async function startApi(config: OmegaConfig): Promise<ApiHandle> {
  const app = await NestFactory.create(ApiModule.forRoot(config), {
    bodyParser: false,
    logger: ['error', 'warn'],
  });
  configureApp(app, config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
