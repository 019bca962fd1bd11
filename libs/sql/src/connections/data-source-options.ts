import { isIP } from 'node:net';
import type { DataSourceOptions } from 'typeorm';
import type { SqlTarget } from '../url/sql-url';

const POOL_SIZE = 4;
const CONNECT_TIMEOUT_MS = 10_000;

/** How to reach one referenced server: the address checked against `OMEGA_SQL_HOSTS`, and its limits. */
export interface SqlServerAccess {
  /** The address the host name resolved to when checked; connected to instead of the name. */
  address: string;
  timeoutMs: number;
}

/**
 * TypeORM options for one referenced server: a small pool, no entities, no logging of statements.
 * PostgreSQL sessions are read-only with a statement timeout from their first message; MySQL and MariaDB
 * sessions are set up when first leased (`MysqlRowDriver`); SQL Server gets a request timeout and keeps
 * its host name, as its TLS certificate check needs the name.
 */
export function dataSourceOptions(
  target: Exclude<SqlTarget, { dialect: 'sqlite' }>,
  access: SqlServerAccess,
): DataSourceOptions {
  const byName = isIP(target.host) === 0;
  const common = {
    host: target.dialect === 'mssql' ? target.host : access.address,
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
            ? {
                rejectUnauthorized: sslmode === 'verify-full',
                // Connected by address: the certificate is still checked against the name.
                ...(byName ? { servername: target.host } : {}),
              }
            : undefined,
        extra: {
          idleTimeoutMillis: 30_000,
          statement_timeout: access.timeoutMs,
          options: '-c default_transaction_read_only=on',
        },
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
        requestTimeout: access.timeoutMs,
        pool: { max: POOL_SIZE },
        options: {
          encrypt: target.options.encrypt !== 'false',
          trustServerCertificate: target.options.trustServerCertificate === 'true',
        },
      };
  }
}
