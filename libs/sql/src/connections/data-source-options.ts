import type { DataSourceOptions } from 'typeorm';
import type { SqlTarget } from '../url/sql-url';

const POOL_SIZE = 4;
const CONNECT_TIMEOUT_MS = 10_000;

/** TypeORM options for one referenced server: a small pool, no entities, no logging of statements. */
export function dataSourceOptions(target: Exclude<SqlTarget, { dialect: 'sqlite' }>): DataSourceOptions {
  const common = {
    host: target.host,
    port: target.port,
    username: target.username,
    password: target.password,
    database: target.database,
    entities: [],
    logging: false,
  };
  switch (target.dialect) {
    case 'postgres': {
      const sslmode = target.options.sslmode;
      return {
        type: 'postgres',
        ...common,
        poolSize: POOL_SIZE,
        connectTimeoutMS: CONNECT_TIMEOUT_MS,
        applicationName: 'omega-ts',
        ssl:
          sslmode === 'require' || sslmode === 'verify-full'
            ? { rejectUnauthorized: sslmode === 'verify-full' }
            : undefined,
        extra: { idleTimeoutMillis: 30_000 },
      };
    }
    case 'mysql':
      return {
        type: 'mysql',
        ...common,
        poolSize: POOL_SIZE,
        connectTimeout: CONNECT_TIMEOUT_MS,
        // Tables hold numbers: BIGINT as a number where exact (a string only beyond 2^53), DECIMAL as a number.
        supportBigNumbers: true,
        bigNumberStrings: false,
        // A small statement cache per connection: the server's prepared statement limit is global.
        extra: { decimalNumbers: true, maxPreparedStatements: 64 },
      };
    case 'mssql':
      return {
        type: 'mssql',
        ...common,
        connectionTimeout: CONNECT_TIMEOUT_MS,
        pool: { max: POOL_SIZE },
        options: {
          encrypt: target.options.encrypt !== 'false',
          trustServerCertificate: target.options.trustServerCertificate === 'true',
        },
      };
  }
}
