import type { OmegaConfig } from '@omega/core';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { ACCOUNTS_ENTITIES } from './accounts-entities';
import { ACCOUNTS_MIGRATIONS_TABLE } from './accounts-connection';
import { ACCOUNTS_MIGRATIONS } from '../migrations';
import { parseSqlUrl, SqlTarget } from './sql-url';

/**
 * TypeORM options for the accounts database named by `OMEGA_SQL_URL` (SQLite under `dataDir` when unset).
 * The schema comes from migrations only, never `synchronize`: a schema change is a reviewed file that
 * runs the same way on every driver.
 */
export function accountsDataSourceOptions(
  config: Pick<OmegaConfig, 'sqlUrl' | 'dataDir'>,
): DataSourceOptions {
  return dataSourceOptionsFor(parseSqlUrl(config.sqlUrl, config.dataDir));
}

export function dataSourceOptionsFor(target: SqlTarget): DataSourceOptions {
  const common = {
    entities: ACCOUNTS_ENTITIES,
    migrations: ACCOUNTS_MIGRATIONS,
    migrationsTableName: ACCOUNTS_MIGRATIONS_TABLE,
    synchronize: false,
  } as const;
  switch (target.driver) {
    case 'postgres':
      return { ...common, type: 'postgres', url: target.url };
    case 'mysql':
    case 'mariadb':
      // Timestamps travel as UTC, so hosts in different time zones read the same instants.
      return { ...common, type: target.driver, url: target.url, timezone: 'Z', charset: 'utf8mb4' };
    case 'sqlite':
      // WAL lets the API read while another request writes (SQLite otherwise locks the whole file).
      return {
        ...common,
        type: 'better-sqlite3',
        database: target.path,
        enableWAL: target.path !== ':memory:',
      };
  }
}

/** SQLite creates the file but not its folder: make the folder on first start. */
export function prepareSqliteFolder(options: DataSourceOptions): void {
  if (options.type === 'better-sqlite3' && options.database !== ':memory:') {
    mkdirSync(dirname(options.database), { recursive: true });
  }
}
